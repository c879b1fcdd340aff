package io.distribute.cluster;

import io.distribute.Result;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ClusterConfig#shutdownHook()}: a node in a child JVM that gets SIGTERM leaves gracefully (its peer sees
 * LEFT) when the setting is on (here from {@code DISTRIBUTE_SHUTDOWN_HOOK}, as an embedder's environment would give
 * it), and is seen to crash without it.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ShutdownHookTest {

    /** The child: a node configured from the environment, joined to its seeds, then waiting forever. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            ClusterConfig config = ClusterConfig.fromEnvironment();
            Result<ClusterNode, StartError> r = ClusterNode.start(args[0], config.cookie().orElseThrow(), config);
            if (r instanceof Result.Err<ClusterNode, StartError> e) {
                System.out.println("FAILED " + e.error().describe());
                System.exit(2);
            }
            System.out.println("READY " + r.orElseThrow().selfNode());
            new CountDownLatch(1).await(); // never closed by this program: only the shutdown hook can
        }
    }

    @Test
    void sigtermIsALeaveWithTheHookAndACrashWithout() throws Exception {
        try (TestCluster c = new TestCluster()) {
            ClusterNode peer = c.start("peer");
            List<MembershipEvent> events = new CopyOnWriteArrayList<>();
            peer.subscribe(events::add);

            assertEquals(DownReason.LEFT, sigtermChild(peer, events, "hooked", Map.of("DISTRIBUTE_SHUTDOWN_HOOK",
                    "true")));
            assertEquals(DownReason.CRASHED, sigtermChild(peer, events, "plain", Map.of()));
        }
    }

    /** Starts a child joined to {@code peer}, sends it SIGTERM, returns the reason {@code peer} saw it go with. */
    private static DownReason sigtermChild(ClusterNode peer, List<MembershipEvent> events, String prefix,
                                           Map<String, String> env) throws Exception {
        String name = prefix + "@127.0.0.1:" + Ports.next();
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                Child.class.getName(), name).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("DISTRIBUTE_"));
        pb.environment().put("CLUSTER_COOKIE", TestCluster.COOKIE);
        pb.environment().put("DISTRIBUTE_SEEDS", peer.selfNode());
        pb.environment().put("DISTRIBUTE_FAILURE_DETECTION_TIMEOUT", "2s");
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            List<String> lines = new CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String l; (l = out.readLine()) != null; ) {
                        lines.add(l);
                    }
                } catch (java.io.IOException e) {
                    // the child ended
                }
            }, "shutdown-hook-test-reader");
            reader.setDaemon(true);
            reader.start();
            await("the child to start").atMost(Duration.ofSeconds(30))
                    .until(() -> lines.stream().anyMatch(l -> l.startsWith("READY") || l.startsWith("FAILED")));
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("READY")), () -> "child: " + lines);
            await().atMost(Duration.ofSeconds(15)).until(() -> peer.nodes().contains(name));
            p.toHandle().destroy(); // SIGTERM
            MembershipEvent.NodeDown down = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                    .until(() -> events.stream().filter(e -> e instanceof MembershipEvent.NodeDown d
                            && d.node().equals(name)).map(e -> (MembershipEvent.NodeDown) e).findFirst(),
                            java.util.Optional::isPresent).orElseThrow();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "the child exits after SIGTERM");
            assertFalse(peer.nodes().contains(name));
            return down.reason();
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
