package io.distribute.internal;

import org.jgroups.protocols.PingData;
import org.jgroups.util.Responses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jgroups.util.TimeScheduler;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Ends JGroups' discovery as soon as every seed has answered. GMS waits for discovery answers until a coordinator
 * answers or join_timeout passes; TCPPING expects no particular number of answers, so nodes started together (none of
 * them coordinator yet) each waited the whole join_timeout before the lowest of them made itself coordinator. Once as
 * many nodes as there are seeds have answered, waiting longer cannot add one: every node then picks the same lowest
 * address, so they also agree on the coordinator instead of forming islands to merge later.
 */
final class SeedDiscovery {

    private static final Logger LOG = LoggerFactory.getLogger(SeedDiscovery.class);

    /** How often the answers are counted while discovery runs. */
    static final long CHECK_MILLIS = 5;

    private final int seeds;
    private final String leader;
    /** A round's answers to give the next discovery request instead of asking again (see {@link #keepForNext}). */
    private final AtomicReference<Responses> kept = new AtomicReference<>();

    /**
     * @param seeds how many other nodes the seeds name (0: nothing to count, discovery runs as JGroups sets it)
     * @param leader the name of the seed that starts the cluster ({@link SeedOrder}), if it is not us (else null):
     *               discovery also ends once it has answered
     */
    SeedDiscovery(int seeds, String leader) {
        this.seeds = seeds;
        this.leader = leader;
    }

    /**
     * Has the next discovery request answered with {@code answers} at once: a follower whose own discovery rounds just
     * found the coordinator ({@link SeedOrderClient}) then has GMS' join, which starts with a discovery round of its
     * own, send its JOIN right away. That round asked again (30-300 ms per node while 16 nodes started at once), and
     * when nobody answered it in time on a busy machine, stock GMS started a cluster of its own at once, to be merged
     * later (six nodes started together, 6 busy loops on the cores: 1 run in 16 had every follower alone).
     */
    void keepForNext(Responses answers) {
        kept.set(answers);
    }

    /** The answers kept for this discovery request, if any (once). */
    Responses takeKept() {
        return kept.getAndSet(null);
    }

    /** Watches {@code answers} (a discovery run lasting at most {@code timeoutMillis}) and ends it once complete. */
    void watch(Object answers, long timeoutMillis, TimeScheduler timer) {
        if (seeds <= 0 || !(answers instanceof Responses r) || timer == null) {
            return;
        }
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMillis));
        check(r, start, deadline, timer);
    }

    private boolean leaderAnswered(Responses r) {
        if (leader == null) {
            return false;
        }
        for (PingData d : r) {
            if (leader.equals(NodeAddress.nameOf(d.getAddress()))) {
                return true;
            }
        }
        return false;
    }

    private void check(Responses r, long start, long deadline, TimeScheduler timer) {
        if (r.isDone() || System.nanoTime() >= deadline) {
            // Why a start was slow: few answers by the join timeout means clusters of one, to be merged later.
            LOG.debug("discovery ended after {} ms (a coordinator answered, or the join timeout) with {} of {} seeds "
                    + "answering", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), r.size(), seeds);
            return;
        }
        if (r.size() >= seeds || leaderAnswered(r)) {
            r.done();
            LOG.debug("discovery: {} of {} seeds answered after {} ms", r.size(), seeds,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            return;
        }
        timer.schedule(() -> check(r, start, deadline, timer), CHECK_MILLIS, TimeUnit.MILLISECONDS, false);
    }
}
