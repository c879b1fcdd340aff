package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.util.ExtendedUUID;

import java.nio.charset.StandardCharsets;

/**
 * A node's JGroups address: a random UUID (one per incarnation) that carries the node name, so that every view
 * carries every member's name and two incarnations of one name are told apart by their UUIDs.
 */
public final class NodeAddress {

    /** The ExtendedUUID key carrying the node name. */
    static final String NAME_KEY = "distribute.name";

    private NodeAddress() {
    }

    /** The node name carried in an address, or null if it carries none (not a distribute node). */
    public static String nameOf(Address a) {
        if (a instanceof ExtendedUUID e) {
            byte[] n = e.get(NAME_KEY);
            return n == null ? null : new String(n, StandardCharsets.UTF_8);
        }
        return null;
    }

    /** A new address (a new incarnation) for a node called {@code name}. */
    public static ExtendedUUID create(String name) {
        ExtendedUUID a = ExtendedUUID.randomUUID(name);
        a.put(NAME_KEY, name.getBytes(StandardCharsets.UTF_8));
        return a;
    }
}
