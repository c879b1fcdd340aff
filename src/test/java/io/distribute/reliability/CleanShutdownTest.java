package io.distribute.reliability;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.testing.CapturedLogs;
import io.distribute.testing.LoopbackMulticast;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A normal shutdown logs no ERROR: three nodes that form one cluster and then close, one after another and all at
 * once (as separate processes on SIGTERM do), leave no ERROR from distribute or JGroups behind, nor a WARN for a read
 * from a connection JGroups closed itself. JGroups' "failed sending graceful close ... Socket closed" was such an
 * ERROR, and "failed handling message ... Stream closed" such a WARN, in some runs only, so each way is repeated.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CleanShutdownTest {

    private static final int ROUNDS = 3;
    /** One multicast port per test JVM (not StacksTest's), so that concurrent builds on this host do not meet. */
    private static final String MCAST_PORT = String.valueOf(47000 + ProcessHandle.current().pid() % 1000);

    @AfterAll
    static void clearStackProperties() {
        System.clearProperty("distribute.mcast_port");
        System.clearProperty("distribute.ip_ttl");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "udp"})
    void closingAClusterLogsNoError(String stack) throws Exception {
        if (stack.equals("udp")) {
            LoopbackMulticast.ensure();
            System.setProperty("distribute.mcast_port", MCAST_PORT);
            System.setProperty("distribute.ip_ttl", "0");
        }
        try (CapturedLogs logs = new CapturedLogs()) {
            for (int round = 0; round < ROUNDS; round++) {
                formAndClose(stack, round, false);
                formAndClose(stack, round, true);
            }
            List<ILoggingEvent> errors = logs.atLeast(Level.ERROR, "io.distribute", "org.jgroups");
            assertEquals(List.of(), errors, () -> "ERROR logged on a normal shutdown:\n" + CapturedLogs.show(errors));
            // JGroups' receiver reading from the connection it has just closed (in some runs only).
            List<ILoggingEvent> closedUnderReader = logs.atLeast(Level.WARN, "io.distribute", "org.jgroups").stream()
                    .filter(e -> e.getThrowableProxy() != null && "Stream closed".equals(e.getThrowableProxy().getMessage()))
                    .toList();
            assertEquals(List.of(), closedUnderReader, () -> "a closed connection's read logged as a failure:\n"
                    + CapturedLogs.show(closedUnderReader));
        }
    }

    private static void formAndClose(String stack, int round, boolean together) throws Exception {
        int port = Ports.block(3);
        ClusterConfig config = TestCluster.testConfig().stack(stack).port(port).portRange(3)
                .clusterName("clean-" + stack + "-" + ProcessHandle.current().pid() + "-" + round + together).build();
        try (TestCluster c = TestCluster.quick()) {
            ClusterNode a = c.start("a@127.0.0.1:" + port, COOKIE, config);
            ClusterNode b = c.start("b@127.0.0.1:" + (port + 1), COOKIE, config);
            ClusterNode d = c.start("d@127.0.0.1:" + (port + 2), COOKIE, config);
            if (stack.equals("tcp")) {
                b.connect(a.selfNode()).orElseThrow();
                d.connect(a.selfNode()).orElseThrow();
            }
            c.awaitAgreement();
            if (together) {
                List<Thread> closers = c.nodes().stream().map(n -> new Thread(n::close, "close-" + n.selfNode()))
                        .toList();
                closers.forEach(Thread::start);
                for (Thread t : closers) {
                    t.join(TimeUnit.SECONDS.toMillis(30));
                }
            }
        } // closes the rest one after another (closing twice is a no-op)
    }
}
