package io.distribute.security;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.distribute.cluster.ClusterNode;
import io.distribute.testing.CapturedLogs;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer with another cookie that keeps trying is logged once, not once per attempt: the node it knocks on logs one
 * WARN for its address and counts every refused connection; the peer's own side logs no WARN per attempt either.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RepeatedRejectionLogTest {

    private static final int ATTEMPTS = 8;

    @Test
    void aWrongCookiePeerRetryingIsLoggedOncePerMinute() {
        try (CapturedLogs logs = new CapturedLogs(); TestCluster c = TestCluster.quick()) {
            ClusterNode target = c.start("target");
            ClusterNode intruder = c.start("intruder@127.0.0.1:" + Ports.next(), "another-cookie-0123456789abcdef",
                    TestCluster.testConfig().build());
            long before = Internals.droppedFrames(target);
            for (int i = 0; i < ATTEMPTS; i++) {
                assertTrue(intruder.connect(target.selfNode()).isErr());
                assertFalse(intruder.ping(target.selfNode()));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> Internals.droppedFrames(target) - before >= ATTEMPTS);

            List<ILoggingEvent> atTarget = logs.events(e -> e.getLevel().isGreaterOrEqual(Level.WARN)
                    && e.getFormattedMessage().startsWith(target.selfNode() + ":"));
            assertEquals(1, atTarget.size(), CapturedLogs.show(atTarget));
            assertTrue(atTarget.get(0).getFormattedMessage().contains("dropped a connection from 127.0.0.1 that did not"
                    + " authenticate"), CapturedLogs.show(atTarget));
            List<ILoggingEvent> atIntruder = logs.events(e -> e.getLevel().isGreaterOrEqual(Level.WARN)
                    && e.getFormattedMessage().contains(intruder.selfNode()));
            assertTrue(atIntruder.size() <= 1, "the rejected side:\n" + CapturedLogs.show(atIntruder));
        }
    }
}
