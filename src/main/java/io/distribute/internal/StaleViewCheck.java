package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.View;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.VERIFY_SUSPECT2;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Whether this node may be left in a stale view, and the question it then asks: a cluster we are merging with lists
 * members of our view but not us ({@link #check}), or a member of our view announced a newer view than ours
 * ({@link StaleViewMerge}). Either way each such member is asked, through VERIFY_SUSPECT2, whether it still counts us;
 * one that does not stays silent ({@link VerifySuspect}) and is dropped from our view, after which MERGE3 or the
 * connect merges us back.
 */
final class StaleViewCheck {

    private static final long ASK_AGAIN_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** How long a member gets to answer "do you still count us?": nothing is urgent there (see askPatiently). */
    private static final long COUNTS_US_WINDOW_MILLIS = 1000;

    private final NodeProtocol node;
    private final Consumer<Address> verify;
    /** When each member of our view was last asked whether it still counts us. */
    private final Map<Address, Long> askedWhetherItCountsUs = new java.util.concurrent.ConcurrentHashMap<>();

    /** @param verify the suspicion VERIFY_SUSPECT2 checks, for a stack without {@link VerifySuspect} */
    StaleViewCheck(NodeProtocol node, Consumer<Address> verify) {
        this.node = node;
        this.verify = verify;
    }

    /** Hears from MERGE3 of a member that announced a newer view than ours, if it is {@link StaleViewMerge}. */
    void listenTo(MERGE3 merge) {
        if (merge instanceof StaleViewMerge m) {
            m.onNewerView(this::newerViewFrom);
        }
    }

    /** Forgets when members no longer in {@code v} were asked. */
    void viewChanged(View v) {
        askedWhetherItCountsUs.keySet().removeIf(m -> !v.containsMember(m));
    }

    /**
     * {@code theirs}, the view of a cluster we are merging with, lists members of our view but not us: we may be left
     * in a view they have moved on from (a merge took an older view of our side), where messages of theirs (replies
     * to our merge requests) keep our failure detection from ever suspecting them. Ask each of them whether it still
     * counts us.
     */
    void check(View theirs) {
        View ours = node.view();
        Address self = node.getAddress();
        if (ours == null || theirs == null || self == null || theirs.containsMember(self)) {
            return;
        }
        for (Address m : ours.getMembers()) {
            if (!m.equals(self) && theirs.containsMember(m)) {
                askWhetherItCountsUs(m, "is in " + theirs.getViewId() + ", which does not list us");
            }
        }
    }

    /** {@code member}, in our view, announced a newer view than ours ({@link StaleViewMerge}). */
    private void newerViewFrom(Address member) {
        View view = node.view();
        askWhetherItCountsUs(member, "announced a newer view than our " + (view == null ? null : view.getViewId()));
    }

    /**
     * We may be left in a stale view: ask {@code member}, through VERIFY_SUSPECT2, whether it is alive. One whose view
     * lists us answers and nothing happens (we were only behind); one whose cluster moved on without us does not
     * answer ({@link VerifySuspect}) and is dropped from our view, after which MERGE3 or the connect merges us back.
     * Each member at most once every 2 s.
     */
    private void askWhetherItCountsUs(Address member, String why) {
        long now = System.nanoTime();
        Long last = askedWhetherItCountsUs.get(member);
        if (last != null && now - last < ASK_AGAIN_NANOS) {
            return;
        }
        askedWhetherItCountsUs.put(member, now);
        // JGroups' log of the protocol, as when this was part of NodeProtocol
        node.getLog().debug("%s: %s %s: asking it whether it still counts us", node.getAddress(), member, why);
        if (node.getProtocolStack().findProtocol(VERIFY_SUSPECT2.class) instanceof VerifySuspect v) {
            v.askPatiently(member, COUNTS_US_WINDOW_MILLIS);
        } else {
            verify.accept(member);
        }
    }
}
