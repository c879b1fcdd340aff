package io.distribute.internal;

import io.distribute.cluster.DownReason;
import io.distribute.internal.secure.SecureLayer;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.Event;
import org.jgroups.Message;
import org.jgroups.PhysicalAddress;
import org.jgroups.View;
import org.jgroups.blocks.cs.BaseServer;
import org.jgroups.blocks.cs.Connection;
import org.jgroups.blocks.cs.ConnectionListener;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.stack.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Evidence that a member's process is gone, which makes its removal a CRASHED one: on TCP stacks a connection of
 * the transport that closes without JGroups' graceful-close marker; on udp the crash watch (see {@link CrashWatch}).
 * Only authenticated connections exist below JGroups, so a stranger's connection can never count as evidence.
 */
final class CrashEvidence {

    private static final Logger LOG = LoggerFactory.getLogger(CrashEvidence.class);

    private final NodeProtocol node;
    private final Departures departures;
    private volatile CrashWatch watch;

    CrashEvidence(NodeProtocol node, Departures departures) {
        this.node = node;
        this.departures = departures;
    }

    /** udp: watch the next member's process over the secure layer. */
    void watchWith(SecureLayer layer, int timeoutMillis) {
        watch = new CrashWatch(layer, node::physicalAddressOf, this::crashSeen, timeoutMillis);
    }

    /** TCP: listen to the transport's connections (TCP keeps its server in a protected field with no getter). */
    void listenTo(Protocol transport) {
        if (!(transport instanceof TCP tcp)) {
            return;
        }
        try {
            java.lang.reflect.Field f = TCP.class.getDeclaredField("srv");
            f.setAccessible(true);
            if (f.get(tcp) instanceof BaseServer server) {
                server.addConnectionListener(new ConnectionListener() {
                    @Override
                    public void connectionClosed(Connection conn) {
                        closed(conn);
                    }

                    @Override
                    public void connectionEstablished(Connection conn) {
                    }
                });
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("{}: cannot watch TCP connections ({}); crashes will be reported as unresponsive",
                    node.getAddress(), e.toString());
        }
    }

    void viewChanged(View v) {
        CrashWatch w = watch;
        if (w != null) {
            w.viewChanged(v, node.getAddress());
        }
    }

    void stop() {
        CrashWatch w = watch;
        if (w != null) {
            w.stop();
        }
    }

    /** The transport lost a connection: a dead process's kernel closes its sockets without a graceful close. */
    private void closed(Connection conn) {
        View v = node.view();
        if (conn.isClosedGracefully() || !(conn.peerAddress() instanceof PhysicalAddress peer) || v == null) {
            return;
        }
        for (Address m : v.getMembersRaw()) {
            if (peer.equals(node.physicalAddressOf(m))) {
                departures.record(m, DownReason.CRASHED);
            }
        }
    }

    /**
     * The watch connection to {@code member} closed without its goodbye: its process is gone. Tell everyone (the
     * coordinator labels the removal) and have VERIFY_SUSPECT2 confirm it here.
     */
    private void crashSeen(Address member) {
        departures.record(member, DownReason.CRASHED);
        NodeHeader hdr = new NodeHeader(NodeHeader.CRASHED, 0)
                .reasons(new Address[] {member}, new byte[] {Departures.code(DownReason.CRASHED)});
        // Reliable, unlike distribute's other messages: the coordinator must hear it to label the removal.
        node.sendDown(new BytesMessage(null).putHeader(node.getId(), hdr).setFlag(Message.Flag.OOB));
        suspect(member);
    }

    /** Another member's crash watch saw {@code hdr.members[0]} go. */
    void received(NodeHeader hdr) {
        departures.learn(hdr);
        if (hdr.members.length == 1) {
            suspect(hdr.members[0]);
        }
    }

    /** Raises a suspicion where failure detectors do, so VERIFY_SUSPECT2 checks it before GMS acts. */
    private void suspect(Address member) {
        View v = node.view();
        if (v == null || !v.containsMember(member) || member.equals(node.getAddress())) {
            return;
        }
        Protocol verify = node.getProtocolStack().findProtocol(VERIFY_SUSPECT2.class);
        Event e = new Event(Event.SUSPECT, List.of(member));
        if (verify != null) {
            verify.up(e);
        } else {
            node.passUp(e);
        }
    }
}
