package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.Event;
import org.jgroups.JChannel;
import org.jgroups.View;
import org.jgroups.stack.IpAddress;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A node's current JGroups view as plain values, for the health endpoint's {@code /members}: which view it is, who
 * coordinates it, and where each member listens. Taken from one view, so the parts agree with each other.
 *
 * @param self        this node's name, or {@code nonode@nohost} once it is closed
 * @param viewId      {@code <creator's node name>|<number>}, as the JMX bean's {@code ViewId}; null once closed
 * @param coordinator the coordinator's node name; null once closed
 * @param members     every member, this node included, sorted by name; empty once closed
 */
public record ViewSnapshot(String self, String viewId, String coordinator, List<Member> members) {

    /**
     * One member of the view.
     *
     * @param name    its node name
     * @param address the {@code host:port} (IPv6 hosts in brackets) its peers reach it at, as JGroups' transport has
     *                it; null if the transport does not know it (yet)
     */
    public record Member(String name, String address) {
    }

    public ViewSnapshot {
        members = List.copyOf(members);
    }

    /** {@code node}'s current view. */
    public static ViewSnapshot of(JGroupsNode node) {
        View v = node.view();
        if (node.isClosed() || v == null) {
            return new ViewSnapshot(node.selfNode(), null, null, List.of());
        }
        JChannel channel = node.channel();
        List<Member> members = new ArrayList<>(v.size());
        for (Address a : v.getMembersRaw()) {
            members.add(new Member(nameOf(a), physicalAddress(channel, a)));
        }
        members.sort(Comparator.comparing(Member::name));
        String viewId = nameOf(v.getViewId().getCreator()) + "|" + v.getViewId().getId();
        return new ViewSnapshot(node.selfNode(), viewId, nameOf(v.getCoord()), members);
    }

    private static String nameOf(Address a) {
        String n = NodeAddress.nameOf(a);
        return n != null ? n : String.valueOf(a);
    }

    /** The transport's physical address of {@code member} (its cache of logical to physical addresses). */
    private static String physicalAddress(JChannel channel, Address member) {
        Object p;
        try {
            p = channel.down(new Event(Event.GET_PHYSICAL_ADDRESS, member));
        } catch (RuntimeException e) {
            return null; // the channel is closing under us
        }
        if (p instanceof IpAddress ip && ip.getIpAddress() != null) {
            String host = ip.getIpAddress().getHostAddress().replaceAll("%.*", "");
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + ip.getPort();
        }
        return p == null ? null : String.valueOf(p);
    }
}
