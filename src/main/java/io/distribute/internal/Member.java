package io.distribute.internal;

import org.jgroups.Address;

/**
 * One incarnation of a member: its node name and the JGroups address this run of it holds. A node restarted under
 * the same name gets a new address, so the two runs are different members: the old one goes down, the new one comes
 * up, and a monitor of the old one is not carried over to the new one.
 */
record Member(String name, Address address) {

    /** The member that holds {@code address}: its node name, or the address itself if it carries none. */
    static Member of(Address address) {
        String n = NodeAddress.nameOf(address);
        return new Member(n != null ? n : String.valueOf(address), address);
    }
}
