package io.distribute.cluster;

import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ping rows of DESIGN.md §4. */
class PingTest {

    @Test
    void selfAndMemberAnswer() {
        try (TestCluster c = TestCluster.of("p", 2)) {
            assertTrue(c.get(0).ping(c.get(0).selfNode()));
            assertTrue(c.get(0).ping(c.get(1).selfNode()));
            assertTrue(c.get(1).ping(c.get(0).selfNode()));
        }
    }

    @Test
    void liveNonMemberAnswersWithoutJoining() {
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = c.start("pa");
            ClusterNode b = c.start("pb");
            assertTrue(a.ping(b.selfNode()));
            assertEquals(List.of(), a.nodes(), "ping does not join");
            assertEquals(List.of(), b.nodes(), "ping does not join");
        }
    }

    @Test
    void deadUnknownInvalidAndForeignAreFalseWithinTheTimeout() {
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = c.start("pinger");
            ClusterNode dead = c.start("dead");
            String deadName = dead.selfNode();
            dead.close();
            long start = System.nanoTime();
            assertFalse(a.ping(deadName));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms <= a.config().pingTimeout().toMillis() + 300, "took " + ms + " ms");
            assertFalse(a.ping("unknown@127.0.0.1:" + Ports.next()));
            assertFalse(a.ping("not a name"));
            assertFalse(a.ping(null));
            assertFalse(a.ping("x@no-such-host.invalid"));
            ClusterNode foreign = c.add(ClusterNode.start("foreign-p@127.0.0.1:" + Ports.next(), "another-cookie-0000000000",
                    TestCluster.testConfig().build()).orElseThrow());
            assertFalse(a.ping(foreign.selfNode()), "a node with another cookie does not count as alive");
        }
    }

    @Test
    void pingBeforeStartIsFalse() {
        Cluster.stop();
        assertFalse(Cluster.ping("a@127.0.0.1"));
    }

    @Test
    void memberRoundTripsManyTimes() {
        try (TestCluster c = TestCluster.of("rt", 2)) {
            for (int i = 0; i < 2000; i++) {
                assertTrue(c.get(0).ping(c.get(1).selfNode()));
            }
        }
    }
}
