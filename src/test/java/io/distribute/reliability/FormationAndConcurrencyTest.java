package io.distribute.reliability;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.ConnectError;
import io.distribute.cluster.Subscription;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FormationAndConcurrencyTest {

    @Test
    void fiveNodesStartedAtOnceWithTheSameSeedsFormOneCluster() throws Exception {
        int first = Ports.block(5);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            names.add("f" + i + "@127.0.0.1:" + (first + i));
        }
        ClusterConfig cfg = TestCluster.testConfig().seeds(names).joinTimeout(Duration.ofMillis(300)).build();
        try (TestCluster c = new TestCluster()) {
            long t0 = c.startAtOnce(names, cfg);
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(c::agree);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("5 nodes started at once -> one cluster in " + ms + " ms");
            assertEquals(4, c.get(0).nodes().size(), c.dump());
            // Bounded by the join (max_join_attempts x joinTimeout), not by a wall-clock target that a shared machine
            // misses: one cluster must not need a stock merge round (10-30 s).
            assertTrue(ms < 5000, "one cluster after " + ms + " ms");
        }
    }

    /**
     * A seed that is a member but not the coordinator: the joiner must learn the coordinator from it (JGroups' discovery
     * answer names only the seed itself unless it returns its whole cache) and the coordinator must learn where the
     * joiner listens; otherwise the joiner retried its join ten times and took ~9.5 s in 5 of 6 runs.
     */
    @Test
    void aNodeWhoseSeedIsNotTheCoordinatorJoinsAtOnce() throws Exception {
        try (TestCluster c = TestCluster.quick("nc", 3)) {
            String coord = io.distribute.internal.NodeAddress.nameOf(view(c.get(0)).getCoord());
            List<ClusterNode> seeds = c.nodes().stream().filter(n -> !n.selfNode().equals(coord)).toList();
            assertEquals(2, seeds.size(), "members other than the coordinator " + coord);
            for (int i = 0; i < 4; i++) {
                ClusterNode seed = seeds.get(i % 2);
                long t0 = System.nanoTime();
                ClusterNode joiner = c.start("nc-j" + i + "@127.0.0.1:" + Ports.next(), COOKIE,
                        TestCluster.testConfig().seeds(seed.selfNode()).build());
                long ms = (System.nanoTime() - t0) / 1_000_000;
                await().atMost(Duration.ofSeconds(2)).until(() -> c.get(0).nodes().contains(joiner.selfNode()));
                assertTrue(ms < 2000, "start with a non-coordinator seed took " + ms + " ms");
            }
        }
    }

    private static org.jgroups.View view(ClusterNode n) throws ReflectiveOperationException {
        var f = ClusterNode.class.getDeclaredField("node");
        f.setAccessible(true);
        return ((io.distribute.internal.JGroupsNode) f.get(n)).view();
    }

    /**
     * connect, ping, nodes and subscribe from many threads while nodes join and leave: no exception, no deadlock
     * (every call returns within a bound), and the stable members always answer.
     */
    @Test
    void callsFromManyThreadsDuringViewChanges() throws Exception {
        try (TestCluster c = TestCluster.of("hammer", 3)) {
            List<String> stable = c.nodes().stream().map(ClusterNode::selfNode).toList();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger calls = new AtomicInteger();
            List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
            ExecutorService pool = Executors.newFixedThreadPool(7);
            List<Future<?>> workers = new ArrayList<>();
            Random random = new Random(42);
            for (int w = 0; w < 6; w++) {
                int kind = w % 3;
                workers.add(pool.submit(() -> {
                    while (!stop.get()) {
                        try {
                            ClusterNode n = c.get(random.nextInt(3));
                            String target = stable.get(random.nextInt(stable.size()));
                            switch (kind) {
                                case 0 -> {
                                    Result<Void, ConnectError> r = n.connect(target);
                                    if (r.isErr() && !(((Result.Err<Void, ConnectError>) r).error() instanceof ConnectError.ConnectIgnored)) {
                                        failures.add(new AssertionError("connect " + target + ": " + r));
                                    }
                                }
                                case 1 -> {
                                    if (!n.ping(target)) {
                                        failures.add(new AssertionError("ping of stable member " + target + " failed"));
                                    }
                                }
                                default -> {
                                    n.nodes();
                                    try (Subscription s = n.subscribe(e -> { })) {
                                        n.nodes();
                                    }
                                }
                            }
                            calls.incrementAndGet();
                        } catch (Throwable t) {
                            failures.add(t);
                        }
                    }
                }));
            }
            // churn: extra nodes join and leave, forcing view changes under the load
            workers.add(pool.submit(() -> {
                for (int i = 0; i < 8 && !stop.get(); i++) {
                    try {
                        ClusterNode extra = ClusterNode.start("churn" + i + "@127.0.0.1:" + Ports.next(), COOKIE,
                                TestCluster.testConfig().build()).orElseThrow();
                        extra.connect(stable.get(0));
                        extra.close();
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }
            }));
            // Hammer until plenty of calls have overlapped the churn (not for a fixed time).
            await().atMost(Duration.ofSeconds(30)).until(() -> calls.get() > 400 || !failures.isEmpty());
            stop.set(true);
            pool.shutdown();
            // watchdog: a deadlocked call would keep its worker from ever finishing
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS), "a call did not return: deadlock?");
            for (Future<?> f : workers) {
                f.get();
            }
            assertEquals(List.of(), failures);
            assertTrue(calls.get() > 100, "only " + calls.get() + " calls");
            c.awaitAgreement();
        }
    }
}
