package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.Message;
import org.jgroups.PhysicalAddress;
import org.jgroups.View;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.AUTH;
import org.jgroups.protocols.AuthHeader;
import org.jgroups.protocols.pbcast.GMS;

/**
 * What {@link NodeProtocol} adds to GMS' own messages on their way down and learns from them on their way up:
 * removal reasons and members' addresses ride on a view; a joiner's address and a cookie proof ride on a JOIN, a merge
 * leader's address on its merge request; a leave request records a LEFT. GMS itself never sees the difference.
 */
final class GmsTraffic {

    private static final short GMS_ID = ClassConfigurator.getProtocolId(GMS.class);
    private static final short AUTH_ID = ClassConfigurator.getProtocolId(AUTH.class);

    private final NodeProtocol node;
    private final Departures departures;
    private final MergeTrigger merges;
    private final SuspicionRelay suspicions;

    GmsTraffic(NodeProtocol node, Departures departures, MergeTrigger merges, SuspicionRelay suspicions) {
        this.node = node;
        this.departures = departures;
        this.merges = merges;
        this.suspicions = suspicions;
    }

    /** Annotates a message GMS sends (any message passing down; only GMS' own are touched). */
    void outgoing(Message msg, View current, JoinGuard joins) {
        GMS.GmsHeader gms = msg.getHeader(GMS_ID);
        if (gms == null) {
            return;
        }
        if (gms.getType() == GMS.GmsHeader.VIEW) {
            NodeHeader reasons = departures.header(NodeHeader.MAX_REASONS);
            if (reasons != null) {
                msg.putHeader(node.getId(), reasons);
            }
            merges.shareAddresses(msg, current);
            return;
        }
        if (isJoin(gms.getType()) || gms.getType() == GMS.GmsHeader.MERGE_REQ) {
            // The coordinator must know where we listen before GMS installs the view with us: a seed that is not the
            // coordinator never told it, and TCP drops its connections to members whose address it does not know
            // when a view is installed (the join response then went down a connection we had refused, for ~5 s).
            // Likewise a coordinator asked by a merge leader it never heard of: its answer was dropped ("no physical
            // address"), and the merge waited for a retransmission or a second request (0.2-0.4 s of a connect).
            PhysicalAddress where = node.physicalAddressOf(node.getAddress());
            if (where != null) {
                msg.putHeader(node.getId(), new NodeHeader(NodeHeader.JOINER, 0).physical(where));
            }
        }
        AuthHeader auth = msg.getHeader(AUTH_ID);
        if (auth != null && auth.getToken() instanceof CookieToken) {
            auth.setToken(joins.token(gms.getType(), msg.getDest()));
        }
    }

    private static boolean isJoin(byte gmsType) {
        return gmsType == GMS.GmsHeader.JOIN_REQ || gmsType == GMS.GmsHeader.JOIN_REQ_WITH_STATE_TRANSFER;
    }

    /** Whether a message goes on up (GMS' own, perhaps carrying our header) rather than being one of ours. */
    static boolean passesUp(NodeHeader hdr) {
        return hdr == null || hdr.type == NodeHeader.REASONS || hdr.type == NodeHeader.JOINER;
    }

    /**
     * Learns from a message passing up (see {@link #passesUp}): where a joiner listens, removal reasons riding on a
     * view, leave requests, duplicate views.
     */
    void incoming(NodeHeader hdr, Message msg, View current) {
        if (hdr != null && hdr.type == NodeHeader.JOINER) {
            node.addMapping(msg.getSrc(), hdr.physical);
        } else if (hdr != null) {
            departures.learn(hdr);
        }
        GMS.GmsHeader gms = msg.getHeader(GMS_ID);
        if (gms == null) {
            return;
        }
        if (gms.getType() == GMS.GmsHeader.LEAVE_REQ) {
            Address leaver = gms.getMember() != null ? gms.getMember() : msg.getSrc();
            departures.record(leaver, Departure.LEFT);
            // GMS drops a leave request that arrives while a merge holds its queue; the leaver is gone by then
            // and would stay listed until heartbeats time out. Raise it as a suspect until it is out of the view.
            suspicions.left(leaver);
        } else if (gms.getType() == GMS.GmsHeader.VIEW) {
            merges.ackDuplicateView(msg, current);
        }
    }
}
