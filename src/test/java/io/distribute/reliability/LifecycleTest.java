package io.distribute.reliability;

import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.Test;

import javax.management.ObjectName;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An application server redeploying: 100 start/stop cycles leave no thread, MBean, socket or heap behind. */
class LifecycleTest {

    private static java.util.Set<String> threadNames() {
        java.util.Set<String> s = new java.util.TreeSet<>();
        Thread.getAllStackTraces().keySet().forEach(t -> s.add(t.getName()));
        return s;
    }

    /** Live threads, not counting the one Awaitility polls on. */
    private static int threads() {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !t.getName().startsWith("awaitility")).count();
    }

    private static long sockets() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(p -> {
                try {
                    return Files.readSymbolicLink(p).toString().startsWith("socket:");
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    private static int mbeans() throws Exception {
        return ManagementFactory.getPlatformMBeanServer().queryNames(new ObjectName("io.distribute:*"), null).size();
    }

    @Test
    void hundredStartStopCyclesLeaveNothingBehind() throws Exception {
        ClusterConfig cfg = TestCluster.testConfig().jmx(true).build();
        // warm-up: class loading and JIT are not leaks
        for (int i = 0; i < 5; i++) {
            ClusterNode.start("warm" + i + "@127.0.0.1:" + Ports.next(), COOKIE, cfg).orElseThrow().close();
        }
        int threads0 = threads();
        java.util.Set<String> names0 = threadNames();
        long sockets0 = sockets();
        long heap0 = heapAfterGc();
        int mbeans0 = mbeans();
        int port = Ports.next();
        for (int i = 0; i < 100; i++) {
            // the same name and port each time, as a redeployed application would
            try (ClusterNode n = ClusterNode.start("cycle@127.0.0.1:" + port, COOKIE, cfg).orElseThrow()) {
                assertEquals("cycle@127.0.0.1:" + port, n.selfNode());
            }
        }
        long tEnd = System.nanoTime();
        try {
            // idle pool threads end after their keep-alive (5 s in the bundled stacks)
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        int t = threads();
                        long so = sockets();
                        return t <= threads0 && so <= sockets0;
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            java.util.Set<String> extra = threadNames();
            extra.removeAll(names0);
            throw new AssertionError("threads " + threads0 + " -> " + threads() + ", sockets " + sockets0 + " -> "
                    + sockets() + "; new threads at the deadline: " + extra, e);
        }
        System.out.println("back to the baseline " + (System.nanoTime() - tEnd) / 1_000_000 + " ms after the last stop");
        long heap1 = heapAfterGc();
        System.out.printf("100 cycles: threads %d -> %d, sockets %d -> %d, heap %.1f -> %.1f MiB, mbeans %d -> %d%n",
                threads0, threads(), sockets0, sockets(), heap0 / 1048576.0, heap1 / 1048576.0, mbeans0, mbeans());
        assertEquals(mbeans0, mbeans());
        assertTrue(heap1 - heap0 < 8 * 1024 * 1024, "heap grew by " + (heap1 - heap0) / 1024 + " KiB");
    }
}
