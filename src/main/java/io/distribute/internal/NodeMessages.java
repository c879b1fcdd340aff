package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.Message;
import org.jgroups.View;
import org.jgroups.ViewId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * {@link NodeProtocol}'s own messages between nodes (a {@link NodeHeader} of type PING, PONG, MERGE, CRASHED or
 * MAPPINGS): each one received goes to the part it is for, a PING is answered here with the view the application has
 * applied, and every one is sent out of band and unreliable.
 */
final class NodeMessages {

    /** Logged under NodeProtocol's name, as before this was a class of its own. */
    private static final Logger LOG = LoggerFactory.getLogger(NodeProtocol.class);

    private final NodeProtocol node;
    private final Pinger pinger;
    private final MergeTrigger merges;
    private final CrashEvidence crashes;
    private volatile java.util.function.Supplier<View> appliedView;

    NodeMessages(NodeProtocol node, Pinger pinger, MergeTrigger merges, CrashEvidence crashes) {
        this.node = node;
        this.pinger = pinger;
        this.merges = merges;
        this.crashes = crashes;
        this.appliedView = node::view;
    }

    /** The view a PONG reports (see {@link NodeProtocol#reportAppliedView}). */
    void reportAppliedView(java.util.function.Supplier<View> applied) {
        this.appliedView = applied;
    }

    private ViewId answeredView() {
        View v = appliedView.get();
        return v == null ? null : v.getViewId();
    }

    /** Sends a PING with request id {@code requestId} to {@code member} (for {@link Pinger}). */
    void ping(Address member, long requestId) {
        send(new BytesMessage(member), new NodeHeader(NodeHeader.PING, requestId));
    }

    /** One of our own messages arrived: it goes to the part it is for; malformed ones are dropped. */
    void handle(NodeHeader hdr, Message msg) {
        try {
            switch (hdr.type) {
                case NodeHeader.PING -> send(new BytesMessage(msg.getSrc()), new NodeHeader(NodeHeader.PONG, hdr.requestId)
                        .viewId(answeredView()));
                case NodeHeader.PONG -> pinger.pong(msg.getSrc(), hdr.requestId, hdr.viewId);
                case NodeHeader.MERGE -> merges.received(msg);
                case NodeHeader.CRASHED -> crashes.received(hdr);
                case NodeHeader.MAPPINGS -> merges.mappingsReceived(msg, node.view());
                default -> LOG.debug("{}: dropping message of unknown type {} from {}", node.getAddress(), hdr.type,
                        msg.getSrc());
            }
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            // Malformed input (a bug or another version): drop it, never let it escape into JGroups' threads.
            LOG.debug("{}: dropping malformed {} from {}: {}", node.getAddress(), hdr, msg.getSrc(), e.toString());
        }
    }

    /** Sends one of our own messages: out of band, unreliable (a PING is sent again until answered: {@link Pinger}). */
    private void send(Message msg, NodeHeader hdr) {
        msg.putHeader(node.getId(), hdr).setFlag(Message.Flag.OOB, Message.Flag.NO_RELIABILITY, Message.Flag.NO_FC,
                Message.Flag.DONT_BUNDLE);
        node.sendDown(msg);
    }
}
