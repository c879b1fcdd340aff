package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.Event;
import org.jgroups.protocols.PingData;
import org.jgroups.protocols.pbcast.ClientGmsImpl;
import org.jgroups.util.Responses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * GMS' joining role, following the {@link SeedOrder}: a follower asks only its leader until the leader or a
 * coordinator answers, and when discovery finds only nodes that are joining too, it does not start the cluster itself
 * while its patience lasts: it asks again shortly, and joins the leader once the leader answers as coordinator.
 */
final class SeedOrderClient extends ClientGmsImpl {

    private static final Logger LOG = LoggerFactory.getLogger(SeedOrderClient.class);

    /** Between two discovery rounds while the leader has not started the cluster (GMS' own pause is 100 ms). */
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final MembershipGms gms;
    private volatile long joinStarted = System.nanoTime();
    /** When the first discovery round that brought an answer from any seed ended, in this join (nanoTime); 0: none. */
    private volatile long firstAnswer;
    /** While set, discovery asks the leader only (see {@link SeedPing}). */
    private volatile boolean leaderOnly;

    SeedOrderClient(MembershipGms gms) {
        super(gms);
        this.gms = gms;
    }

    @Override
    public void join(Address mbr) {
        joining(() -> super.join(mbr));
    }

    @Override
    public void joinWithStateTransfer(Address mbr) {
        joining(() -> super.joinWithStateTransfer(mbr));
    }

    /** Waits for the leader, then runs GMS' {@code join}, asking the leader only early on. */
    private void joining(Runnable join) {
        joinStarted = System.nanoTime();
        firstAnswer = 0;
        leaderOnly = true;
        try {
            awaitLeader();
            join.run();
        } finally {
            leaderOnly = false;
            answerNextDiscoveryWith(null);
        }
    }

    /**
     * Whether discovery should ask the leader only, now: early in a follower's join (see {@link
     * SeedOrder#asksLeaderOnly}). Asking every seed is what made ~240 handshakes at once when 16 nodes started
     * together; the leader counts each follower's request as an answer, so it still hears from them all.
     */
    boolean asksLeaderOnly() {
        return leaderOnly && gms.seedOrder().asksLeaderOnly(joinStarted);
    }

    /**
     * A follower runs discovery rounds until a coordinator answers (the leader, once it has started the cluster, or
     * the coordinator of a cluster already running), or its patience is over ({@link SeedOrder#stillWaiting}); GMS'
     * join then takes it from there. Each round sends the requests again (one lost among other handshakes is not
     * waited for) and ends as soon as the leader has answered ({@link SeedDiscovery}); while the leader is still
     * joining too, the next round follows a short pause. Stock GMS started a cluster of its own after any round in
     * which nobody answered.
     */
    private void awaitLeader() {
        int rounds = 0;
        while (waiting() && !gms.isLeaving()) {
            rounds++;
            Object found = gms.getDownProtocol().down(new Event(Event.FIND_INITIAL_MBRS, gms.getJoinTimeout()));
            if (!(found instanceof Responses r)) {
                return;
            }
            long round = System.nanoTime();
            try {
                r.waitFor(gms.getJoinTimeout());
            } finally {
                r.done();
            }
            if (!r.isEmpty() && firstAnswer == 0) {
                firstAnswer = System.nanoTime();
            }
            for (PingData d : r) {
                if (d.isCoord()) {
                    // GMS' join, next, starts from these answers and sends its JOIN at once. Its own discovery round
                    // could come back empty on a busy machine, and an empty round makes stock GMS start a cluster of
                    // its own at once (seen in CI: a follower that had just heard the leader merged in later).
                    answerNextDiscoveryWith(r);
                    LOG.debug("{}: {} answered as coordinator after {} ms ({} discovery rounds)", self(),
                            NodeAddress.nameOf(d.getAddress()), millisSince(joinStarted), rounds);
                    return;
                }
            }
            long left = RETRY_NANOS - (System.nanoTime() - round);
            if (left > 0) {
                LockSupport.parkNanos(left);
            }
        }
        if (!gms.seedOrder().follows()) {
            return;
        }
        // Why a follower may start a cluster of its own (to be merged later): say whether it heard anyone, and when.
        long heard = firstAnswer;
        LOG.debug("{}: no coordinator answered within its patience ({} ms, {} discovery rounds; first answer from any "
                + "seed {})", self(), millisSince(joinStarted), rounds,
                heard == 0 ? "never" : "after " + TimeUnit.NANOSECONDS.toMillis(heard - joinStarted) + " ms");
    }

    /** Has GMS' next discovery request answered with {@code answers} (null: asked as usual). */
    private void answerNextDiscoveryWith(Responses answers) {
        if (gms.getProtocolStack().findProtocol(NodeProtocol.class) instanceof NodeProtocol np) {
            np.answerNextDiscoveryWith(answers);
        }
    }

    /** Whether this follower should still leave the start to others (see {@link SeedOrder#stillWaiting}). */
    private boolean waiting() {
        return gms.seedOrder().stillWaiting(joinStarted, firstAnswer, System.nanoTime());
    }

    private String self() {
        return NodeAddress.nameOf(gms.getAddress());
    }

    private static long millisSince(long t) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t);
    }

    @Override
    protected boolean firstOfAllClients(Address joiner, Responses rsps) {
        if (waiting()) {
            LockSupport.parkNanos(RETRY_NANOS);
            return false;
        }
        if (gms.seedOrder().leads()) {
            // Only nodes that are joining too answered: the leader starts the cluster, whatever the addresses' order
            // (GMS' rule, the lowest address starts it, given no one else to compare with).
            return super.firstOfAllClients(joiner, new Responses(false));
        }
        return super.firstOfAllClients(joiner, rsps);
    }
}
