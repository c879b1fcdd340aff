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
        return create(name, 0);
    }

    /**
     * A new address for a node called {@code name} with {@code rank} (0 to 0x7FFF) in its top 16 bits: JGroups orders
     * addresses by their bits, so its "lowest address" choices follow the rank (see {@link SeedOrder}); the other
     * 112 bits are random.
     */
    static ExtendedUUID create(String name, int rank) {
        ExtendedUUID random = ExtendedUUID.randomUUID();
        long top = ((long) rank << 48) | (random.getMostSignificantBits() & 0x0000_FFFF_FFFF_FFFFL);
        ExtendedUUID a = new ExtendedUUID(top, random.getLeastSignificantBits());
        org.jgroups.util.NameCache.add(a, name);
        a.put(NAME_KEY, name.getBytes(StandardCharsets.UTF_8));
        return a;
    }
}
