package io.distribute.internal;

import org.jgroups.protocols.MERGE3;
import org.jgroups.util.TimeScheduler;

import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * How often MERGE3 looks for views to merge: at the stack's interval (1-3 s in the bundled stacks) while a node is
 * alone and for a while after each view change, when views can disagree (nodes started together, a member removed on
 * one side while it joined the other, a pod that was not in DNS yet), and ten times less often once a cluster's
 * membership has been quiet for {@link #FAST_MILLIS}. With TCP every round is a discovery from every member to every
 * other; an idle cluster does not need one every two seconds, and healing a partition does not rely on it (the
 * coordinator probes the members it lost, see {@link HealProbes}). A lone node's rounds cost next to nothing and are
 * how it finds a cluster that appears later, so it never slows down.
 */
final class MergeCadence {

    /** How long after a view change MERGE3 keeps the stack's own interval. */
    static final long FAST_MILLIS = 20_000;
    /** How much slower it runs after that. */
    static final int SLOWDOWN = 10;

    private final MERGE3 merge;
    private final TimeScheduler timer;
    private final long fastMillis;
    private final long fastMin;
    private final long fastMax;
    private Future<?> slowDown;

    MergeCadence(MERGE3 merge, TimeScheduler timer, long fastMillis) {
        this.merge = merge;
        this.timer = timer;
        this.fastMillis = fastMillis;
        this.fastMin = merge.getMinInterval();
        this.fastMax = merge.getMaxInterval();
    }

    /** The cadence for {@code merge}, or null for a stack without MERGE3. */
    static MergeCadence of(MERGE3 merge, TimeScheduler timer) {
        return merge == null ? null : new MergeCadence(merge, timer, FAST_MILLIS);
    }

    /**
     * A view of {@code members} nodes is about to be installed (MERGE3 restarts its rounds with it): fast again, and
     * slow after a quiet while unless the node is alone.
     */
    synchronized void viewChanged(int members) {
        if (slowDown != null) {
            slowDown.cancel(false);
            slowDown = null;
        }
        set(fastMin, fastMax);
        if (members > 1) {
            slowDown = timer.schedule(this::quiet, fastMillis, TimeUnit.MILLISECONDS, false);
        }
    }

    private synchronized void quiet() {
        set(fastMin * SLOWDOWN, fastMax * SLOWDOWN);
    }

    synchronized void stop() {
        if (slowDown != null) {
            slowDown.cancel(false);
            slowDown = null;
        }
    }

    /** Whether MERGE3 currently runs at the slow interval (for tests). */
    synchronized boolean slow() {
        return merge.getMaxInterval() > fastMax;
    }

    private void set(long min, long max) {
        // MERGE3's setters check the current values, so the order matters: never min >= max in between.
        if (min < merge.getMaxInterval()) {
            merge.setMinInterval(min);
            merge.setMaxInterval(max);
        } else {
            merge.setMaxInterval(max);
            merge.setMinInterval(min);
        }
    }
}
