package io.distribute.cluster;

import io.distribute.Result;
import io.distribute.testing.ChildNode;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Separate JVMs: kill -9 and SIGSTOP of a member. */
class CrashDetectionTest {

    @Test
    void killedNodeIsGoneFromNodesWithinOneSecond() throws Exception {
        try (TestCluster c = TestCluster.of("survivor", 2);
             ChildNode victim = ChildNode.start("victim@127.0.0.1:" + Ports.next(), COOKIE, 2000)) {
            assertEquals(Result.ok(), c.get(0).connect(victim.name));
            await().atMost(Duration.ofSeconds(5)).until(() -> c.get(1).nodes().contains(victim.name));
            long start = System.nanoTime();
            victim.kill();
            await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(2))
                    .until(() -> !c.get(0).nodes().contains(victim.name) && !c.get(1).nodes().contains(victim.name));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 1000, "took " + ms + " ms");
            c.awaitAgreement();
        }
    }

    @Test
    void frozenNodeIsRemovedAfterTheFailureDetectionTimeoutButNotBefore() throws Exception {
        try (TestCluster c = TestCluster.of("watcher", 1);
             ChildNode frozen = ChildNode.start("ice@127.0.0.1:" + Ports.next(), COOKIE, 2000)) {
            assertEquals(Result.ok(), c.get(0).connect(frozen.name));
            frozen.signal("STOP");
            long start = System.nanoTime();
            // still listed well inside the 2 s timeout of this test config
            await().during(Duration.ofMillis(1000)).atMost(Duration.ofMillis(1300))
                    .until(() -> c.get(0).nodes().contains(frozen.name));
            await().atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(10))
                    .until(() -> !c.get(0).nodes().contains(frozen.name));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 1000 && ms < 3500, "removed after " + ms + " ms");
        }
    }

    @Test
    void pauseShorterThanTheTimeoutDoesNotRemoveTheNode() throws Exception {
        try (TestCluster c = TestCluster.of("patient", 1);
             ChildNode paused = ChildNode.start("nap@127.0.0.1:" + Ports.next(), COOKIE, 3000)) {
            ClusterNode watcher = c.start("patient-watcher", TestCluster.testConfig()
                    .failureDetectionTimeout(Duration.ofSeconds(3)).build());
            assertEquals(Result.ok(), watcher.connect(paused.name));
            java.util.List<MembershipEvent> events = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            watcher.subscribe(events::add);
            paused.signal("STOP");
            // a 1.5 s pause, half the 3 s failure-detection timeout: the node stays listed throughout
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofMillis(1800))
                    .until(() -> watcher.nodes().contains(paused.name));
            paused.signal("CONT");
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                    .until(() -> watcher.nodes().contains(paused.name));
            assertTrue(events.stream().noneMatch(e -> e instanceof MembershipEvent.NodeDown), events.toString());
            assertEquals("PING true", paused.ask("ping " + watcher.selfNode(), "PING", 5));
        }
    }
}
