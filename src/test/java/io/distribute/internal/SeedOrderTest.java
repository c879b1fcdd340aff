package io.distribute.internal;

import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.MembershipEvent;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.jgroups.Address;
import org.jgroups.MergeView;
import org.jgroups.Message;
import org.jgroups.View;
import org.jgroups.protocols.PingHeader;
import org.jgroups.protocols.TCPPING;
import org.jgroups.stack.Protocol;
import org.jgroups.stack.ProtocolStack;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Nodes started together with the same seeds leave starting the cluster to the seed whose name sorts first. */
class SeedOrderTest {

    @Test
    void theSeedThatSortsFirstLeadsAndTheOthersFollowIt() {
        List<String> seeds = List.of("c@h:3", "a@h:1", "b@h:2");
        SeedOrder leader = SeedOrder.of("a@h:1", seeds, Duration.ofSeconds(1));
        assertFalse(leader.follows());
        assertTrue(leader.leads());
        assertNull(leader.leader());
        SeedOrder b = SeedOrder.of("b@h:2", seeds, Duration.ofSeconds(1));
        assertTrue(b.follows());
        assertFalse(b.leads());
        assertEquals("a@h:1", b.leader());
        assertEquals(2000, b.patienceMillis(), "two join timeouts");
        assertEquals("a@h:1", SeedOrder.of("c@h:3", seeds, Duration.ofSeconds(1)).leader());
        assertEquals("a@h:1", SeedOrder.of("b@h:2", List.of("a@h:1"), Duration.ofSeconds(1)).leader(),
                "a seed that leaves itself out of its list follows the same leader");
        assertTrue(SeedOrder.of("a@h:1", List.of("b@h:2", "c@h:3"), Duration.ofSeconds(1)).leads());
        assertFalse(SeedOrder.of("a@h:1", List.of("a@h:1"), Duration.ofSeconds(1)).leads(), "only itself: no seeds");
        long t0 = 1_000_000_000L;
        long ms = 1_000_000L;
        assertTrue(b.stillWaiting(t0, t0 + 10 * ms, t0 + 1_900 * ms), "patience runs from the first answer");
        assertFalse(b.stillWaiting(t0, t0 + 10 * ms, t0 + 2_010 * ms), "and ends two join timeouts after it");
        assertTrue(b.stillWaiting(t0, t0 + 1_500 * ms, t0 + 3_400 * ms), "a first answer heard late moves it");
        assertTrue(b.stillWaiting(t0, 0, t0 + 2_900 * ms), "no answer yet: one handshake deadline more");
        assertFalse(b.stillWaiting(t0, 0, t0 + 3_000 * ms), "then it starts alone");
        assertFalse(leader.stillWaiting(t0, 0, t0), "the leader never waits");
        assertEquals(5000, b.longestWaitMillis());
        assertFalse(SeedOrder.NONE.follows());
        assertFalse(SeedOrder.NONE.leads());
    }

    /** The leader starts the cluster and everyone joins it: one view built by joins, no merge, no one reported down. */
    @Test
    void nodesStartedTogetherJoinTheLeaderWithoutAMerge() throws Exception {
        int first = Ports.block(6);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            names.add("so" + i + "@127.0.0.1:" + (first + i));
        }
        ClusterConfig cfg = TestCluster.testConfig().seeds(names).build();
        try (TestCluster c = new TestCluster()) {
            List<MembershipEvent> downs = new CopyOnWriteArrayList<>();
            c.startAtOnce(names, cfg);
            c.nodes().forEach(n -> n.subscribe(e -> {
                if (e instanceof MembershipEvent.NodeDown) {
                    downs.add(e);
                }
            }));
            await().atMost(Duration.ofSeconds(10)).until(c::agree);
            assertEquals(5, c.get(0).nodes().size(), c.dump());
            for (ClusterNode n : c.nodes()) {
                View v = Channels.of(n).getView();
                assertEquals(names.get(0), NodeAddress.nameOf(v.getCoord()), "the leader is the coordinator: " + v);
                assertFalse(v instanceof MergeView, "formed by joins, not merged: " + v);
            }
            assertEquals(List.of(), downs);
        }
    }

    /**
     * A follower whose leader is down: while no cluster runs, it waits its patience (two join timeouts) and starts one;
     * a follower started next asks its leader only for one join timeout, then every seed, and joins that cluster.
     */
    @Test
    void followersOfALeaderThatIsDownStillFormACluster() {
        int first = Ports.block(3);
        String absent = "sa0@127.0.0.1:" + first; // sorts first: the leader, never started
        String b = "sb1@127.0.0.1:" + (first + 1);
        String c2 = "sc2@127.0.0.1:" + (first + 2);
        ClusterConfig cfg = TestCluster.testConfig().seeds(absent, b, c2).build(); // joinTimeout 500 ms
        try (TestCluster c = new TestCluster()) {
            long t0 = System.nanoTime();
            c.add(ClusterNode.start(b, COOKIE, cfg).orElseThrow());
            long alone = (System.nanoTime() - t0) / 1_000_000;
            long t1 = System.nanoTime();
            c.add(ClusterNode.start(c2, COOKIE, cfg).orElseThrow());
            long joined = (System.nanoTime() - t1) / 1_000_000;
            await().atMost(Duration.ofSeconds(5)).until(c::agree);
            assertEquals(List.of(c2), c.get(0).nodes());
            assertTrue(alone >= 1000, "the first follower waited its patience: " + alone + " ms");
            assertTrue(joined < 2500, "the second joined the running cluster: " + joined + " ms");
            System.out.println("leader down: first follower alone after " + alone + " ms, second joined in " + joined
                    + " ms");
        }
    }

    /*
     * Found by CI (SeedOrderTest failed twice; reproduced in 1 run of 16 with 6 busy loops, every follower alone): a
     * follower heard the leader answer as coordinator, then GMS' join began with a discovery round of its own, nobody
     * answered that round within the join timeout on the busy machine, and stock GMS made the follower the coordinator
     * of a cluster of one at once ("no members discovered: creating cluster as coordinator"), merged in later.
     */
    // After the leader has answered as coordinator, a lost discovery answer does not make the follower start alone.
    @Test
    void aFollowerThatHeardTheCoordinatorJoinsItEvenIfTheNextAnswerIsLost() throws Exception {
        int first = Ports.block(2);
        String leaderName = "sl0@127.0.0.1:" + first;
        String followerName = "sm1@127.0.0.1:" + (first + 1); // sorts after the leader: a follower
        try (TestCluster c = new TestCluster()) {
            // The leader runs alone, coordinator already; its later discovery answers are lost.
            ClusterNode leader = c.start(leaderName, COOKIE, TestCluster.testConfig().build());
            FirstAnswerOnly lossy = FirstAnswerOnly.below(leader);
            ClusterNode follower = c.start(followerName, COOKIE, TestCluster.testConfig().seeds(leaderName).build());
            await().atMost(Duration.ofSeconds(5)).until(c::agree);
            View v = Channels.of(follower).getView();
            String seen = v + " (discovery answers dropped: " + lossy.dropped() + ")";
            assertFalse(v instanceof MergeView, "joined, not merged in after starting alone: " + seen);
            assertEquals(leaderName, NodeAddress.nameOf(v.getViewId().getCreator()),
                    "the leader made the view: " + seen);
        }
    }

    /** Lets a node's first discovery answer to each destination through and drops the later ones. */
    static final class FirstAnswerOnly extends Protocol {
        private final Set<Address> answered = ConcurrentHashMap.newKeySet();
        private final AtomicInteger dropped = new AtomicInteger();
        private short discoveryId;

        static FirstAnswerOnly below(ClusterNode node) throws Exception {
            ProtocolStack stack = Channels.of(node).getProtocolStack();
            FirstAnswerOnly f = new FirstAnswerOnly();
            f.discoveryId = stack.findProtocol(TCPPING.class).getId();
            stack.insertProtocol(f, ProtocolStack.Position.BELOW, TCPPING.class);
            return f;
        }

        int dropped() {
            return dropped.get();
        }

        @Override
        public Object down(Message msg) {
            PingHeader h = msg.getHeader(discoveryId);
            if (h != null && h.type() == PingHeader.GET_MBRS_RSP && msg.getDest() != null
                    && !answered.add(msg.getDest())) {
                dropped.incrementAndGet();
                return null;
            }
            return down_prot.down(msg);
        }
    }
}
