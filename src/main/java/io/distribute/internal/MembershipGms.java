package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.Event;
import org.jgroups.Message;
import org.jgroups.View;
import org.jgroups.ViewId;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.pbcast.DeltaView;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.util.ByteArray;
import org.jgroups.util.Digest;
import org.jgroups.util.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * JGroups' GMS with four corrections, all about a member left behind in a view the others have left. Same wire format
 * (the stock protocol id); {@link Stacks} puts it in place of pbcast.GMS.
 * <ul>
 * <li><b>A crashed coordinator's successor catches up first.</b> When a coordinator crashes while its view is on the
 * way, some members may have that view and the successor not: stock GMS numbers the successor's view from the view it
 * had, leaving out whoever the lost view took in (and keeping whoever it removed). Seen in CI: the members that took
 * such a view reported the newcomer UNRESPONSIVE, and it came back 2.5 s later. Before its first view the successor
 * now asks every member for its view (GMS' own GET_CURRENT_VIEW, which stock GMS answers), installs any newer one that
 * comes back, and waits for all answers, at most half of view_ack_collection_timeout ({@link ViewCatchUp}).</li>
 * <li><b>A member takes a successor's view of the same number.</b> If the successor still numbered its view like one
 * a member has (the member holding the lost view did not answer in time), stock GMS drops a view whose number is not
 * above its own: that member went on listing the dead coordinator (and everyone the view removed) until MERGE3's
 * consistency check merged it back, 7.3 s later with the default settings (seen once in the 32-node test: one of 24
 * survivors still listed 31 after 15 s). It now takes the successor's view, when the sender made it, was in ours, and
 * no longer lists our view's maker.</li>
 * <li><b>A merge asked with an old member list.</b> A merge leader asks each coordinator for the members it believes
 * that coordinator has, from views it learned earlier (a probe answer, MERGE3's INFO), and stock GMS answers with
 * those only: with nodes started together, a node that had just taken a second member in was merged away alone,
 * leaving that member in a view of two with it (false UNRESPONSIVE reports, and a merge more to undo). A coordinator
 * now answers for its whole view.</li>
 * <li><b>A coordinator leaving during a merge.</b> GMS queues a coordinator's own leave on the queue a merge holds
 * shut, and a request made while it is shut is dropped: the node closed without a word, and its peers reported it
 * UNRESPONSIVE seconds later instead of LEFT (a node closed right after {@code connect} returned, while the merge
 * leader had installed the merged view but not yet closed its merge: 2 and 4 runs in 200). It now lets the merge end
 * first, or ends it after {@code merge_timeout}.</li>
 * </ul>
 */
public class MembershipGms extends GMS {

    private static final Logger LOG = LoggerFactory.getLogger(MembershipGms.class);

    private final ViewCatchUp catchUp = new ViewCatchUp();
    private volatile SeedOrder seedOrder = SeedOrder.NONE;

    public MembershipGms() {
        id = ClassConfigurator.getProtocolId(GMS.class);
    }

    @Override
    public void init() throws Exception {
        super.init();
        // GMS makes its roles lazily, from this map; the joining role is taken at start
        impls.put(COORD, new TakeoverCoordinator(this));
        impls.put(CLIENT, new SeedOrderClient(this));
    }

    /** Sets who starts the cluster among nodes joining together (before connect). */
    void followSeeds(SeedOrder order) {
        seedOrder = order;
        if (order.follows()) {
            // a follower asks again every ~100 ms while the leader has not started the cluster: as many more rounds
            max_join_attempts = Math.max(max_join_attempts, 10 + (int) (order.longestWaitMillis() / 100));
        }
    }

    SeedOrder seedOrder() {
        return seedOrder;
    }

    /** Whether discovery should now ask the leader only: a follower waiting for its leader to start the cluster. */
    boolean asksLeaderOnly() {
        return impl instanceof SeedOrderClient c && c.asksLeaderOnly();
    }

    /**
     * If we act as coordinator while our view names another (we took over from a crashed one), asks the members for
     * their views first and installs the newest: our first view then builds on what the crashed coordinator last
     * decided instead of on the view before it. Runs in GMS' view handler, before that view is made.
     */
    void catchUpIfTakingOver() {
        View ours = view;
        if (ours == null || local_addr == null || local_addr.equals(ours.getCoord())) {
            return;
        }
        List<Address> ask = new ArrayList<>(ours.getMembers());
        ask.remove(local_addr);
        ask.remove(ours.getCoord());
        ask.removeAll(suspected_mbrs.getMembers());
        long start = System.nanoTime();
        ByteArray anyView = marshal(new ViewId(local_addr, 0)); // older than any view: every member answers
        Set<Address> silent = catchUp.askAll(ask, m -> down_prot.down(new BytesMessage(m)
                .putHeader(id, new GmsHeader(GmsHeader.GET_CURRENT_VIEW)).setArray(anyView)
                .setFlag(Message.Flag.OOB, Message.Flag.NO_FC).setFlag(Message.TransientFlag.DONT_BLOCK)),
                view_ack_collection_timeout / 2);
        View now = view;
        String caughtUp = now == ours ? "ours was the newest" : "installed " + now.getViewId() + " first";
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (silent.isEmpty()) {
            LOG.debug("{}: taking over from {}; asked {} members for their views: {} ({} ms)",
                    NodeAddress.nameOf(local_addr), NodeAddress.nameOf(ours.getCoord()), ask.size(), caughtUp, millis);
        } else {
            LOG.info("{}: taking over from {}; {} of {} members did not tell their views within {} ms: {}",
                    NodeAddress.nameOf(local_addr), NodeAddress.nameOf(ours.getCoord()), silent.size(), ask.size(),
                    millis, caughtUp);
        }
    }

    @Override
    public Object down(Event evt) {
        if (evt.getType() == Event.DISCONNECT) {
            letMergeEnd();
        }
        return super.down(evt);
    }

    /** Waits, at most merge_timeout, for a merge in progress here to end, then ends it: the leave goes through. */
    private void letMergeEnd() {
        if (!isMergeInProgress()) {
            return;
        }
        long start = System.nanoTime();
        long limit = TimeUnit.MILLISECONDS.toNanos(merge_timeout);
        while (isMergeInProgress() && System.nanoTime() - start < limit) {
            // The merge ends on a view or a cancel message (usually within a millisecond or two); nothing to wait on.
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        boolean ended = !isMergeInProgress();
        if (!ended) {
            cancelMerge();
        }
        LOG.debug("{}: leaving after a merge in progress {} ({} ms)", NodeAddress.nameOf(local_addr),
                ended ? "ended" : "was cancelled", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    @Override
    protected Object handle(GmsHeader hdr, Message msg) {
        if (hdr.getType() == GmsHeader.VIEW) {
            catchUp.heardFrom(msg.getSrc());
            acceptSuccessorsView(msg);
        } else if (hdr.getType() == GmsHeader.MERGE_REQ && answeredForWholeView(hdr, msg)) {
            return null;
        }
        return super.handle(hdr, msg);
    }

    /** If {@code msg}'s view takes over from ours (see {@link #takesOver}), lets GMS install it. */
    private void acceptSuccessorsView(Message msg) {
        Address from = msg.getSrc();
        View before = view;
        if (before == null || from == null || from.equals(before.getCreator()) || !before.containsMember(from)) {
            return; // the next view from our view's maker, the usual case, is not read twice
        }
        Tuple<View, Digest> read = readViewAndDigest(msg.getArray(), msg.getOffset(), msg.getLength());
        View theirs = read == null ? null : read.val1();
        lock.lock(); // the lock view installation takes: no other view comes in between the check and the change
        try {
            View ours = view;
            if (takesOver(ours, theirs, from)) {
                LOG.info("{}: {} took over from {}, whose last view (number {}) reached only us: installing {}'s view "
                        + "of the same number", NodeAddress.nameOf(local_addr), NodeAddress.nameOf(from),
                        NodeAddress.nameOf(ours.getCreator()), ours.getViewId().getId(), NodeAddress.nameOf(from));
                // GMS compares view numbers only: number ours one below theirs, and GMS installs theirs as usual (and
                // acknowledges it).
                view = new View(new ViewId(ours.getCreator(), theirs.getViewId().getId() - 1), ours.getMembers());
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether {@code theirs}, sent by {@code from}, takes over from {@code ours}: a full view of the same number, made
     * by its sender, who is a member of ours, listing us and no longer the maker of ours. (A delta view cannot be read
     * against a view the sender never had; GMS then asks it for the full one, which comes here.)
     */
    private boolean takesOver(View ours, View theirs, Address from) {
        if (ours == null || theirs == null || theirs instanceof DeltaView || !ours.containsMember(from)) {
            return false;
        }
        ViewId id = theirs.getViewId();
        boolean sameNumber = id.getId() == ours.getViewId().getId() && !id.equals(ours.getViewId());
        return sameNumber && from.equals(id.getCreator()) && theirs.containsMember(local_addr)
                && !theirs.containsMember(ours.getCreator());
    }

    /** As coordinator, answers a merge request that names only some of our members for all of them. */
    private boolean answeredForWholeView(GmsHeader hdr, Message msg) {
        View ours = view;
        if (ours == null || !local_addr.equals(ours.getCoord())) {
            return false; // a member asked directly (its coordinator out of reach) answers for itself, as stock GMS
        }
        Collection<? extends Address> asked = readMembers(msg.getArray(), msg.getOffset(), msg.getLength());
        if (asked == null || asked.containsAll(ours.getMembers())) {
            return false;
        }
        List<Address> all = new ArrayList<>(asked);
        ours.getMembers().stream().filter(m -> !all.contains(m)).forEach(all::add);
        impl.handleMergeRequest(msg.getSrc(), hdr.getMergeId(), all);
        return true;
    }
}
