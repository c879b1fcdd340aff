package io.distribute.security;

import io.distribute.cluster.ClusterNode;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Row 4 and the plain connection flood: ~300 TCP connections a second for 10 s (3,000 at most) at a member's port.
 * Row 4's handshake flood comes from 49 loopback addresses (127.0.0.2-50, the closest loopback gets to many hosts),
 * half sending garbage and half saying nothing until the victim drops them (its 1 s handshake deadline). The plain
 * connection flood comes from one address, half closing at once and half sending garbage first. While a flood lasts,
 * members keep answering, a node with the cookie joins with the victim as its seed, a user's ping (a fresh TLS probe)
 * is answered; afterwards nothing is left pending and nobody was reported down.
 *
 * <p>The single address is 127.0.0.5, not 127.0.0.1: on loopback every node's outgoing connections come from
 * 127.0.0.1 whatever address it is bound to, so a flood from 127.0.0.1 competes with the joiner and the user for that
 * one source's cap of 8 pending handshakes, a situation a real attacker is only in on a member's own host (observed:
 * with the victim's CPU starved by a parallel build, the 127.0.0.1 flood kept that cap full and the joiner took 9.5 s).
 */
class HandshakeFloodTest {

    private static final int PER_SECOND = 300;
    private static final Duration FLOOD_TIME = Duration.ofSeconds(10);
    private static final int MAX_CONNECTIONS = 3000;

    /** Row 4's shots: garbage on even ones, silence on odd ones, from 127.0.0.2-50; each held 2 s. */
    private static IntFunction<Socket> handshakeFlood(InetSocketAddress victim) {
        Random random = new Random(42);
        return i -> Wire.send(new InetSocketAddress("127.0.0." + (2 + i % 49), 0), victim,
                i % 2 == 0 ? garbage(random) : new byte[0]);
    }

    /** The plain flood's shots from 127.0.0.5: close at once on even ones, garbage then close on odd ones. */
    private static IntFunction<Socket> connectionFlood(InetSocketAddress victim) {
        Random random = new Random(43);
        InetSocketAddress source = new InetSocketAddress("127.0.0.5", 0);
        return i -> {
            Wire.closeQuietly(Wire.send(source, victim, i % 2 == 0 ? new byte[0] : garbage(random)));
            return null;
        };
    }

    private static byte[] garbage(Random random) {
        byte[] b = new byte[64 + random.nextInt(448)];
        random.nextBytes(b);
        return b;
    }

    /** Starts a node with the cookie and {@code seed} as its seed; returns it once it is started. */
    private static ClusterNode joiner(TestCluster c, String name, ClusterNode seed) {
        return c.start(name + "@127.0.0.1:" + Ports.next(), TestCluster.COOKIE,
                TestCluster.testConfig().seeds(seed.selfNode()).build());
    }

    /** A user's ping of {@code target} from a node outside its cluster: {@code n} tries, how many were answered. */
    private static int userPings(String name, ClusterNode target, int n) {
        try (ClusterNode user = ClusterNode.start(name + "@127.0.0.1:" + Ports.next(), TestCluster.COOKIE,
                TestCluster.testConfig().build()).orElseThrow()) {
            int answered = 0;
            for (int i = 0; i < n; i++) {
                answered += user.ping(target.selfNode()) ? 1 : 0;
            }
            return answered;
        }
    }

    /** After a flood: it ran its course, nothing is left pending, nobody was reported down, the victim counted it. */
    private static void afterTheFlood(TestCluster c, Flood flood, long droppedBefore, Events... seen) {
        ClusterNode victim = c.get(0);
        await().atMost(FLOOD_TIME.plusSeconds(3)).until(flood::finished);
        int fired = flood.fired();
        assertEquals(0, flood.failed(), "attack shots that threw");
        assertTrue(fired >= MAX_CONNECTIONS * 8 / 10 && fired <= MAX_CONNECTIONS, "connections fired: " + fired);
        await().atMost(Duration.ofSeconds(3)).until(() -> Internals.pendingHandshakes(victim) == 0);
        c.awaitAgreement();
        for (Events e : seen) {
            assertEquals(List.of(), e.downs(), e.toString());
        }
        long dropped = Internals.droppedFrames(victim) - droppedBefore;
        assertTrue(dropped >= fired * 9L / 10, "the victim refused the flood: " + dropped + " of " + fired);
    }

    // Row 4 (what holds): a handshake flood from 49 addresses downs nobody, members keep talking, nothing stays pending.
    @Test
    void aHandshakeFloodFromManyAddressesDownsNobodyAndLeavesNothingPending() {
        try (TestCluster c = TestCluster.quick("hsflood", 2);
             Events seenByVictim = Events.of(c.get(0)); Events seenByMember = Events.of(c.get(1))) {
            ClusterNode victim = c.get(0);
            ClusterNode member = c.get(1);
            long droppedBefore = Internals.droppedFrames(victim);
            try (Flood flood = Flood.start("hsflood", PER_SECOND, MAX_CONNECTIONS, FLOOD_TIME, Duration.ofSeconds(2),
                    handshakeFlood(victim.boundAddress()))) {
                await().atMost(Duration.ofSeconds(4)).until(() -> flood.fired() >= PER_SECOND * 2); // in full swing
                for (int i = 0; i < 10; i++) {
                    assertTrue(member.ping(victim.selfNode()) && victim.ping(member.selfNode()), "members' ping " + i);
                }
                assertTrue(!flood.finished(), "during the flood");
                // (A node joining during this flood: see the two disabled tests below.)
                afterTheFlood(c, flood, droppedBefore, seenByVictim, seenByMember);
            }
        }
    }

    /*
     * Found by this suite, now fixed (row 4): the victim's cap of 64 unauthenticated connections in total is first come, first served. This flood
     * (300/s for 10 s from 127.0.0.2-50, half garbage, half silent until the victim's 1 s handshake deadline) brings
     * 150 silent connections a second, more than the 64 a second the cap lets through, so after ~2.5 s the victim's
     * pending count stays at 64 and a cookie holder's new connection is refused at once (1-5 ms) nearly every time:
     * a user's ping of the live victim (a fresh probe) was answered 0, 9 and 0 times in 10 in three runs, and while
     * the cap was still filling (the first ~2.5 s) 6-9 in 10; one joiner started 2 s into the flood was in the view
     * only after 9.6 s. Members are unaffected (they use connections made before), and everything recovers within
     * 1 s of the flood's end. Expected: a flood from other addresses does not lock cookie holders out (the same flood
     * from one address does not). Fixed: at the cap the oldest pending connection of the source holding the
     * most makes room, not the newcomer.
     */
    // Row 4 (the brief's full claim): during the flood a joiner gets in within 5 s and every user ping is answered.
    @Test
    void aHandshakeFloodFromManyAddressesLocksNobodyOut() {
        try (TestCluster c = TestCluster.quick("hslock", 2)) {
            ClusterNode victim = c.get(0);
            try (Flood flood = Flood.start("hslock", PER_SECOND, MAX_CONNECTIONS, FLOOD_TIME, Duration.ofSeconds(2),
                    handshakeFlood(victim.boundAddress()))) {
                await().atMost(Duration.ofSeconds(4)).until(() -> flood.fired() >= PER_SECOND * 2);
                long start = System.nanoTime();
                ClusterNode joiner = joiner(c, "hslock-joiner", victim);
                await().atMost(Duration.ofSeconds(5)).until(() -> victim.nodes().contains(joiner.selfNode()));
                assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos(), "joined within 5 s");
                assertEquals(10, userPings("hslock-user", victim, 10), "a user's pings of the live victim answered");
                assertTrue(!flood.finished(), "during the flood");
            }
        }
    }

    /*
     * Found by this suite, now fixed (row 4, after the flood): a node that starts with the victim as its seed while this flood runs fails its
     * normal join (its connections are refused at the full cap, see above) and forms a cluster of its own; it later
     * merges with the victim alone, and then the cluster never becomes one: the victim is pulled back and forth
     * between {member, victim} (coordinator: member) and {joiner, victim} (coordinator: joiner) every ~3 s, while the
     * member and the joiner never learn each other's physical address (TP's logical address cache of each lacks the
     * other) and never list each other. Seen in 2 of 4 runs of a diagnostic (flipping went on for the 45 s it watched
     * after the flood) and in the first run of this suite's earlier version; the victim's subscribers get NodeDown and
     * NodeUp events for the member and the joiner at every flip. Without a flood, a joiner that started before its
     * seed existed was merged into one cluster of three within ~4 s in 3 of 3 runs. Expected: at most a few seconds
     * after the flood, one cluster of three.
     */
    // Row 4 (after the flood): a node that started joining during the flood ends in one cluster with everyone.
    @Test
    void aNodeThatJoinedDuringTheFloodEndsInOneClusterAfterIt() {
        try (TestCluster c = TestCluster.quick("hssplit", 2)) {
            ClusterNode victim = c.get(0);
            try (Flood flood = Flood.start("hssplit", PER_SECOND, MAX_CONNECTIONS, FLOOD_TIME, Duration.ofSeconds(2),
                    handshakeFlood(victim.boundAddress()))) {
                await().atMost(Duration.ofSeconds(4)).until(() -> flood.fired() >= PER_SECOND * 2);
                joiner(c, "hssplit-joiner", victim);
                await().atMost(FLOOD_TIME.plusSeconds(3)).until(flood::finished);
            }
            c.awaitAgreement(); // within 10 s of the flood's end
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6)).until(c::agree);
        }
    }

    /*
     * Found by this suite, now fixed: in 2 of 7 runs the joiner's 10 JOIN attempts went unanswered during this flood
     * and it became a singleton after ~9.5 s. The flood was not the cause: the joiner's seed (the victim) was a member
     * but not the coordinator in those runs (after the two-node merge either can be), and answered discovery only for
     * itself, so the joiner never learnt the coordinator and retried until max_join_attempts; without a flood the same
     * start took 9.5 s in 5 of 6 runs of a diagnostic. Fixed: seeds answer with every member they know, and a joiner
     * tells the coordinator where it listens before its JOIN (the coordinator otherwise drops the join response).
     */
    // Plus: a connection flood from one address (close at once, or garbage then close) locks nobody out.
    @Test
    void aConnectionFloodFromOneAddressLocksNobodyOut() {
        try (TestCluster c = TestCluster.quick("cxflood", 2);
             Events seenByVictim = Events.of(c.get(0)); Events seenByMember = Events.of(c.get(1))) {
            ClusterNode victim = c.get(0);
            ClusterNode member = c.get(1);
            long droppedBefore = Internals.droppedFrames(victim);
            try (Flood flood = Flood.start("cxflood", PER_SECOND, MAX_CONNECTIONS, FLOOD_TIME, Duration.ofSeconds(2),
                    connectionFlood(victim.boundAddress()))) {
                await().atMost(Duration.ofSeconds(4)).until(() -> flood.fired() >= PER_SECOND * 2);
                long start = System.nanoTime();
                ClusterNode joiner = joiner(c, "cxflood-joiner", victim);
                await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                        .until(() -> victim.nodes().contains(joiner.selfNode()) && joiner.nodes().contains(victim.selfNode()));
                long joinedMs = (System.nanoTime() - start) / 1_000_000;
                assertTrue(joinedMs < 5000, "joined " + joinedMs + " ms after it was started");
                assertTrue(member.ping(victim.selfNode()) && victim.ping(member.selfNode()), "members' ping");
                assertEquals(10, userPings("cxflood-user", victim, 10), "a user's pings of the victim answered");
                assertTrue(!flood.finished(), "all of this during the flood (" + flood.fired() + " fired)");
                afterTheFlood(c, flood, droppedBefore, seenByVictim, seenByMember);
                System.out.println("cxflood: joiner in " + joinedMs + " ms, " + flood.fired() + " connections");
            }
        }
    }
}
