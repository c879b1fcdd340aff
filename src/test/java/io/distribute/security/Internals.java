package io.distribute.security;

import io.distribute.cluster.ClusterNode;
import io.distribute.internal.JGroupsNode;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.View;
import org.jgroups.protocols.TP;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.ServerSocket;

/**
 * The few internals the attack tests read, by reflection and in one place: the adapter behind a {@link ClusterNode},
 * a member's JGroups address (an attacker is granted it, as if it had seen it on the wire), how many connections the
 * node's TLS acceptor holds unauthenticated, and its count of dropped connections and datagrams. Nothing is changed.
 */
final class Internals {

    private Internals() {
    }

    static JGroupsNode adapter(ClusterNode node) {
        return (JGroupsNode) read(node, ClusterNode.class, "node");
    }

    /** The JGroups address of the member named {@code name} in {@code node}'s view. */
    static Address addressOf(ClusterNode node, String name) {
        View v = adapter(node).view();
        for (Address a : v.getMembersRaw()) {
            if (name.equals(io.distribute.internal.NodeAddress.nameOf(a))) {
                return a;
            }
        }
        throw new AssertionError(name + " is not in " + node.selfNode() + "'s view " + v);
    }

    /** Connections and datagrams the node dropped below JGroups (refused handshakes, unopened datagrams). */
    static long droppedFrames(ClusterNode node) {
        return adapter(node).droppedFrames();
    }

    /** TLS handshakes the node completed as the accepting side (each one proved the cookie). */
    static long authenticatedConnections(ClusterNode node) {
        return ((io.distribute.internal.secure.SecureLayer) read(adapter(node), JGroupsNode.class, "layer"))
                .authenticatedConnections();
    }

    /** Connections the node's TLS acceptor holds that have not finished their handshake (tcp stack). */
    static int pendingHandshakes(ClusterNode node) {
        try {
            Method channel = JGroupsNode.class.getDeclaredMethod("channel");
            channel.setAccessible(true);
            TP transport = ((JChannel) channel.invoke(adapter(node))).getProtocolStack().getTransport();
            Object server = read(transport, org.jgroups.protocols.TCP.class, "srv");
            ServerSocket socket = (ServerSocket) read(server, org.jgroups.blocks.cs.TcpServer.class, "srv_sock");
            Method pending = socket.getClass().getDeclaredMethod("pending");
            pending.setAccessible(true);
            return (int) pending.invoke(socket);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot read the TLS acceptor's pending count", e);
        }
    }

    private static Object read(Object o, Class<?> owner, String field) {
        try {
            Field f = owner.getDeclaredField(field);
            f.setAccessible(true);
            return f.get(o);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot read " + owner.getSimpleName() + "." + field, e);
        }
    }
}
