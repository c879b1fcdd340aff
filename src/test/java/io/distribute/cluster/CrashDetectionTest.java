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
}
