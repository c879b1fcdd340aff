package io.distribute.internal;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Who starts the cluster when nodes with the same seeds start together: the seed whose name sorts first (the leader).
 * Every other node (a follower) waits for it, up to a patience of two join timeouts from the first answer it hears,
 * instead of starting a cluster of its own, and for the first join timeout asks only the leader. Stock JGroups asked
 * every seed and made whoever had the lowest random address among the answers it had heard coordinator: with 16
 * nodes in 4 cold JVMs on two cores, ~240 TLS handshakes at once took longer than their 1 s deadline, no node heard
 * any seed within the join timeout, and all 16 started clusters of one, merged over 2-15 s. When only nodes that are
 * joining too answer, the leader starts the cluster whatever the order of the (random) addresses, which is what GMS
 * compares otherwise.
 */
final class SeedOrder {

    /** A node without seeds: no one to wait for, and GMS' own rule if only joining nodes answer. */
    static final SeedOrder NONE = new SeedOrder(false, Collections.emptySortedSet(), 0);

    /** How many join timeouts a follower waits for the leader before it may start a cluster itself. */
    static final int PATIENCE_JOIN_TIMEOUTS = 2;

    /** Waited beyond the patience while no seed has answered at all: the secure layer's handshake deadline. */
    static final long NO_ANSWER_ALLOWANCE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final boolean hasSeeds;
    private final SortedSet<String> before;
    private final long patienceNanos;
    private final long leaderOnlyNanos;

    private SeedOrder(boolean hasSeeds, SortedSet<String> before, long joinTimeoutNanos) {
        this.hasSeeds = hasSeeds;
        this.before = before;
        this.patienceNanos = joinTimeoutNanos * PATIENCE_JOIN_TIMEOUTS;
        this.leaderOnlyNanos = joinTimeoutNanos;
    }

    /** The order for a node called {@code self} (name@host:port) with {@code seeds} (same form; self is skipped). */
    static SeedOrder of(String self, Collection<String> seeds, Duration joinTimeout) {
        SortedSet<String> before = new TreeSet<>();
        for (String s : seeds) {
            if (s.compareTo(self) < 0) {
                before.add(s);
            }
        }
        boolean others = seeds.stream().anyMatch(s -> !s.equals(self));
        return new SeedOrder(others, Collections.unmodifiableSortedSet(before), joinTimeout.toNanos());
    }

    /** Whether we start the cluster when only nodes joining too answer: we have seeds and none sorts before us. */
    boolean leads() {
        return hasSeeds && before.isEmpty();
    }

    /** Whether another node is to start the cluster: some seed sorts before us. */
    boolean follows() {
        return !before.isEmpty();
    }

    /** The name (name@host:port) of the seed that starts the cluster, if it is not us; else null. */
    String leader() {
        return before.isEmpty() ? null : before.first();
    }

    /** How long a follower waits for the leader before it may start a cluster itself. */
    long patienceMillis() {
        return TimeUnit.NANOSECONDS.toMillis(patienceNanos);
    }

    /** The longest a follower may wait (its patience from an answer heard just before it would start alone). */
    long longestWaitMillis() {
        return TimeUnit.NANOSECONDS.toMillis(2 * patienceNanos + NO_ANSWER_ALLOWANCE_NANOS);
    }

    /**
     * Whether a follower that began joining at {@code since} should still ask its leader only: for one join timeout.
     * Long enough for the leader of nodes started together to answer; short for a follower whose leader is down and
     * whose cluster runs without it (it then asks every seed, and one of them answers with the coordinator).
     */
    boolean asksLeaderOnly(long since) {
        return follows() && System.nanoTime() - since < leaderOnlyNanos;
    }

    /**
     * Whether a follower that began joining at {@code since} and first heard any seed answer at {@code heard} (0: none
     * yet) should still leave the start to others at {@code now} (all nanoTime): for its patience, counted from the
     * first answer. A start on a busy machine can see every first handshake miss its deadline (seen with 6 nodes in one
     * cold JVM and the cores taken: no node heard any other for 1.4 s); then nobody answered anyone, the leader
     * included, and a follower whose patience ran from the start began a cluster of its own to be merged later. While
     * nobody answers it waits one handshake deadline more than its patience; then it starts alone.
     */
    boolean stillWaiting(long since, long heard, long now) {
        if (!follows()) {
            return false;
        }
        if (heard == 0) {
            return now - since < patienceNanos + NO_ANSWER_ALLOWANCE_NANOS;
        }
        return now - heard < patienceNanos;
    }

    @Override
    public String toString() {
        return follows() ? "follower of " + leader() : leads() ? "leader" : "no seeds";
    }
}
