package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.PhysicalAddress;
import org.jgroups.View;
import org.jgroups.stack.IpAddress;

import java.net.InetSocketAddress;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Names are unique in a cluster: a join or merge that would list one name under two addresses is refused, so no node
 * ever lists a name twice (events and monitors are keyed by name).
 */
final class UniqueNames {

    private UniqueNames() {
    }

    /** A name that two different addresses hold across {@code views}, or null. */
    static String clash(Collection<View> views) {
        Map<String, Address> seen = new HashMap<>();
        for (View v : views) {
            if (v == null) {
                continue;
            }
            for (Address a : v.getMembersRaw()) {
                String n = NodeAddress.nameOf(a);
                if (n == null) {
                    continue;
                }
                Address before = seen.putIfAbsent(n, a);
                if (before != null && !before.equals(a)) {
                    return n;
                }
            }
        }
        return null;
    }

    /**
     * Whether {@code view} lists {@code name} at the address this node is bound to: a previous incarnation of this node
     * (it stopped or crashed just before we started on its port), not another node, and soon gone from that view.
     */
    static boolean listsFormerSelf(View view, Map<Address, PhysicalAddress> where, String name,
                                   InetSocketAddress bound) {
        if (view == null || where == null || name == null || bound == null) {
            return false;
        }
        for (Address a : view.getMembersRaw()) {
            if (name.equals(NodeAddress.nameOf(a)) && where.get(a) instanceof IpAddress ip
                    && ip.getPort() == bound.getPort()
                    && (bound.getAddress() == null || bound.getAddress().isAnyLocalAddress()
                    || bound.getAddress().equals(ip.getIpAddress()))) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code joiner}'s name is held by another address in {@code view}. */
    static boolean taken(View view, Address joiner) {
        String n = NodeAddress.nameOf(joiner);
        if (view == null || n == null) {
            return false;
        }
        for (Address a : view.getMembersRaw()) {
            if (!a.equals(joiner) && n.equals(NodeAddress.nameOf(a))) {
                return true;
            }
        }
        return false;
    }
}
