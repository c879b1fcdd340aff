package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.EmptyMessage;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.pbcast.GMS;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jgroups.Event;
import org.jgroups.Message;
import org.jgroups.PhysicalAddress;
import org.jgroups.View;
import org.jgroups.protocols.pbcast.DeltaView;
import org.jgroups.util.ByteArrayDataInputStream;
import org.jgroups.util.ByteArrayDataOutputStream;
import org.jgroups.util.Util;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Merges two clusters now instead of at MERGE3's next round: {@code connect} asks both coordinators, and the one
 * JGroups picks as merge leader runs GMS' merge. Before the merged view arrives, the leader's members are told where
 * the other side's members listen (they will need to send to them at once).
 */
final class MergeTrigger {

    private static final Logger LOG = LoggerFactory.getLogger(MergeTrigger.class);
    private static final short GMS_ID = ClassConfigurator.getProtocolId(GMS.class);

    private final NodeProtocol node;

    MergeTrigger(NodeProtocol node) {
        this.node = node;
    }

    /** Asks ours and {@code theirs}' coordinator to merge the two views. */
    void trigger(View ours, View theirs, Map<Address, PhysicalAddress> theirMappings) {
        if (ours == null || theirs == null) {
            return;
        }
        Map<Address, PhysicalAddress> all = new LinkedHashMap<>(theirMappings);
        for (Address m : ours.getMembers()) {
            PhysicalAddress p = node.physicalAddressOf(m);
            if (p != null) {
                all.put(m, p);
            }
        }
        all.forEach(node::addMapping);
        Set<Address> coords = new HashSet<>(List.of(ours.getCoord(), theirs.getCoord()));
        for (Address coord : coords) {
            if (coord.equals(node.getAddress())) {
                start(ours, theirs, all);
            } else {
                byte[] payload = payload(ours, theirs, all);
                Message m = new BytesMessage(coord, payload, 0, payload.length).setFlag(Message.Flag.OOB);
                m.putHeader(node.getId(), new NodeHeader(NodeHeader.MERGE, 0));
                node.sendDown(m);
            }
        }
    }

    /**
     * In a merge every subgroup coordinator multicasts the merged view; a node that installed one copy drops the
     * other without acknowledging it, and that copy's sender then waits GMS' whole view_ack_collection_timeout
     * (its own copy can be the one dropped). The view is installed, so acknowledge the duplicate on GMS' behalf.
     */
    void ackDuplicateView(Message msg, View current) {
        if (current == null || msg.getSrc() == null) {
            return;
        }
        try {
            var viewAndDigest = GMS._readViewAndDigest(msg.getArray(), msg.getOffset(), msg.getLength());
            View received = viewAndDigest == null ? null : viewAndDigest.val1();
            if (received != null && received.getViewId().equals(current.getViewId())) {
                node.sendDown(new EmptyMessage(msg.getSrc()).setFlag(Message.Flag.OOB, Message.Flag.NO_FC)
                        .putHeader(GMS_ID, new GMS.GmsHeader(GMS.GmsHeader.VIEW_ACK)));
            }
        } catch (Exception e) {
            LOG.debug("{}: cannot read a view from {}: {}", node.getAddress(), msg.getSrc(), e.toString());
        }
    }

    /**
     * The coordinator is about to send view {@code viewMsg}: first tell its members, and unicast each newcomer,
     * where every member listens. A joiner otherwise learns only its seed's address and must find the others
     * through discovery, which a busy or attacked seed may not answer in time: members that cannot reach each other
     * suspect each other and the view flips back and forth.
     */
    void shareAddresses(Message viewMsg, View current) {
        try {
            List<Address> next = membersOf(viewMsg, current);
            if (next == null || next.size() < 3) {
                return; // two members learn each other's address from the join itself
            }
            Map<Address, PhysicalAddress> known = new LinkedHashMap<>();
            for (Address m : next) {
                PhysicalAddress p = node.physicalAddressOf(m);
                if (p != null) {
                    known.put(m, p);
                }
            }
            ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(64 + 48 * known.size());
            ProbeAnswers.writeMappings(known, out);
            byte[] payload = Arrays.copyOf(out.buffer(), out.position());
            // Unreliable: a reliable multicast would take a sequence number that joiners, whose digest starts at the
            // view, would wait for in vain. The addresses are a hint; discovery remains.
            node.sendDown(new BytesMessage(null, payload).putHeader(node.getId(), new NodeHeader(NodeHeader.MAPPINGS, 0))
                    .setFlag(Message.Flag.OOB, Message.Flag.NO_RELIABILITY));
            for (Address m : next) {
                if ((current == null || !current.containsMember(m)) && !m.equals(node.getAddress())) {
                    node.sendDown(new BytesMessage(m, payload).putHeader(node.getId(),
                            new NodeHeader(NodeHeader.MAPPINGS, 0)).setFlag(Message.Flag.OOB));
                }
            }
        } catch (Exception e) {
            // Never in the way of the view itself: GMS is sending it on this thread.
            LOG.debug("{}: cannot share addresses: {}", node.getAddress(), e.toString());
        }
    }

    /**
     * The members of the view a VIEW message carries. GMS usually sends a {@link DeltaView} (who left, who joined),
     * which holds no member list of its own: apply it to {@code current}.
     */
    private static List<Address> membersOf(Message viewMsg, View current) throws Exception {
        var viewAndDigest = GMS._readViewAndDigest(viewMsg.getArray(), viewMsg.getOffset(), viewMsg.getLength());
        View next = viewAndDigest == null ? null : viewAndDigest.val1();
        if (next instanceof DeltaView delta) {
            if (current == null) {
                return null;
            }
            List<Address> members = new java.util.ArrayList<>(current.getMembers());
            if (delta.getLeftMembers() != null) {
                members.removeAll(Arrays.asList(delta.getLeftMembers()));
            }
            if (delta.getNewMembers() != null) {
                for (Address a : delta.getNewMembers()) {
                    if (!members.contains(a)) {
                        members.add(a);
                    }
                }
            }
            return members;
        }
        return next == null ? null : next.getMembers();
    }

    /** A coordinator received a merge request. */
    void received(Message msg) throws IOException, ClassNotFoundException {
        ByteArrayDataInputStream in = new ByteArrayDataInputStream(msg.getArray(), msg.getOffset(), msg.getLength());
        View a = Util.readView(in);
        View b = Util.readView(in);
        start(a, b, ProbeAnswers.readMappings(in));
    }

    /** A member received its coordinator's list of addresses ahead of a merged view. */
    void mappingsReceived(Message msg, View current) throws IOException, ClassNotFoundException {
        // Any sender will do: only cookie holders reach this layer, and a joiner hears from its coordinator before
        // it has installed a view that lists it.
        ByteArrayDataInputStream in = new ByteArrayDataInputStream(msg.getArray(), msg.getOffset(), msg.getLength());
        ProbeAnswers.readMappings(in).forEach(node::addMapping);
    }

    private void start(View a, View b, Map<Address, PhysicalAddress> mappings) {
        if (a == null || b == null) {
            return;
        }
        mappings.forEach(node::addMapping);
        View current = node.view();
        if (mergedSince(current, a, b)) {
            LOG.debug("{}: not merging {} and {}: our view {} has taken both in since", node.getAddress(),
                    a.getViewId(), b.getViewId(), current.getViewId());
            return;
        }
        if (current != null && current.size() > 1 && current.getCoord().equals(node.getAddress()) && !mappings.isEmpty()) {
            // Our members will need the other side's addresses once the merged view arrives; this reliable
            // multicast reaches them before the view does (same sender, FIFO).
            try {
                ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(256);
                ProbeAnswers.writeMappings(mappings, out);
                Message m = new BytesMessage(null, out.buffer(), 0, out.position());
                m.putHeader(node.getId(), new NodeHeader(NodeHeader.MAPPINGS, 0));
                node.sendDown(m);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        LOG.debug("{}: merging {} and {}", node.getAddress(), a.getViewId(), b.getViewId());
        Map<Address, View> views = new HashMap<>();
        views.put(a.getCoord(), a);
        views.put(b.getCoord(), b);
        node.passUp(new Event(Event.MERGE, views));
    }

    /**
     * True if {@code current} has taken in both sides of a merge asked with views {@code a} and {@code b}: it lists
     * both coordinators and is numbered above both. Such a request was made before that merge landed: a connect
     * probes the peer again when the merge it asked for takes longer than its first wait, and on a busy cluster the
     * answer can predate the merge. Run anyway, it merged a view with itself, and a merge holds every other change of
     * membership until it ends: a member killed right after its connect stayed listed until the merge gave up on it
     * (merge_timeout, 2 s; 64 nodes in one JVM, 2 kills of 6). A view that still differs is asked for again with
     * fresh views, by connect's next probe or by MERGE3.
     */
    static boolean mergedSince(View current, View a, View b) {
        return current != null && current.containsMember(a.getCoord()) && current.containsMember(b.getCoord())
                && current.getViewId().getId() > a.getViewId().getId()
                && current.getViewId().getId() > b.getViewId().getId();
    }

    static byte[] payload(View a, View b, Map<Address, PhysicalAddress> mappings) {
        try {
            ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(512);
            Util.writeView(a, out);
            Util.writeView(b, out);
            ProbeAnswers.writeMappings(mappings, out);
            return Arrays.copyOf(out.buffer(), out.position());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
