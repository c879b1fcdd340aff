package io.distribute.cluster;

import io.distribute.Result;
import io.distribute.retry.RetryPolicy;
import io.distribute.testing.ChildNode;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MembershipEventsTest {

    /** Records events and checks they never arrive concurrently. */
    static final class Recorder implements java.util.function.Consumer<MembershipEvent> {
        final List<MembershipEvent> events = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final Set<String> threads = Collections.synchronizedSet(new HashSet<>());
        /** How long a call lasts, by event: a slow listener widens the window in which two calls could overlap. */
        private final java.util.function.ToLongFunction<MembershipEvent> dwellNanos;

        Recorder() {
            this(e -> 0);
        }

        Recorder(java.util.function.ToLongFunction<MembershipEvent> dwellNanos) {
            this.dwellNanos = dwellNanos;
        }

        @Override
        public void accept(MembershipEvent e) {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            threads.add(Thread.currentThread().getName());
            long dwell = dwellNanos.applyAsLong(e);
            if (dwell > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(dwell);
            }
            events.add(e);
            inFlight.decrementAndGet();
        }

        List<MembershipEvent> snapshot() {
            synchronized (events) {
                return List.copyOf(events);
            }
        }

        boolean has(MembershipEvent e) {
            return snapshot().contains(e);
        }
    }

    @Test
    void snapshotFirstThenChangesWithoutGapOrDuplicate() {
        try (TestCluster c = TestCluster.of("ev", 2)) {
            ClusterNode a = c.get(0);
            Recorder r = new Recorder();
            try (Subscription s = a.subscribe(r)) {
                await().atMost(Duration.ofSeconds(2)).until(() -> r.has(new MembershipEvent.NodeUp(c.get(1).selfNode())));
                ClusterNode late = c.start("ev-late");
                String lateName = late.selfNode();
                assertEquals(Result.ok(), late.connect(a.selfNode()));
                await().atMost(Duration.ofSeconds(2)).until(() -> r.has(new MembershipEvent.NodeUp(lateName)));
                late.close();
                await().atMost(Duration.ofSeconds(2)).until(() -> r.has(new MembershipEvent.NodeDown(lateName, DownReason.LEFT)));
                assertEquals(List.of(new MembershipEvent.NodeUp(c.get(1).selfNode()),
                        new MembershipEvent.NodeUp(lateName),
                        new MembershipEvent.NodeDown(lateName, DownReason.LEFT)), r.snapshot());
                assertEquals(1, r.maxInFlight.get());
                assertTrue(r.threads.stream().allMatch(t -> t.startsWith("distribute-events")), r.threads.toString());
            }
        }
    }

    @Test
    void subscribingWhileNodesJoinMissesNothingAndRepeatsNothing() throws Exception {
        try (TestCluster c = new TestCluster()) {
            ClusterNode hub = c.start("hub");
            List<ClusterNode> joiners = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                joiners.add(c.start("j" + i));
            }
            List<Recorder> recorders = Collections.synchronizedList(new ArrayList<>());
            Thread subscriber = new Thread(() -> {
                for (int i = 0; i < 40; i++) {
                    Recorder r = new Recorder();
                    recorders.add(r);
                    hub.subscribe(r);
                    Thread.onSpinWait();
                }
            });
            subscriber.start();
            for (ClusterNode j : joiners) {
                assertEquals(Result.ok(), j.connect(hub.selfNode()));
            }
            subscriber.join(10_000);
            c.awaitAgreement();
            Set<String> expected = new HashSet<>(hub.nodes());
            for (Recorder r : recorders) {
                await().atMost(Duration.ofSeconds(2)).until(() -> r.snapshot().size() >= expected.size());
                List<MembershipEvent> events = r.snapshot();
                Set<String> ups = new HashSet<>();
                for (MembershipEvent e : events) {
                    assertTrue(e instanceof MembershipEvent.NodeUp, events.toString());
                    assertTrue(ups.add(e.node()), "duplicate " + e + " in " + events);
                }
                assertEquals(expected, ups, "every subscriber ends with exactly the members");
            }
        }
    }

    @Test
    void slowAndThrowingSubscribersHoldUpNobody() throws Exception {
        try (TestCluster c = TestCluster.of("slow", 1)) {
            ClusterNode a = c.get(0);
            CountDownLatch release = new CountDownLatch(1);
            a.subscribe(e -> {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            });
            AtomicInteger thrown = new AtomicInteger();
            a.subscribe(e -> {
                thrown.incrementAndGet();
                throw new IllegalStateException("subscriber bug (expected in this test)");
            });
            Recorder fast = new Recorder();
            a.subscribe(fast);
            ClusterNode b = c.start("slow-b");
            ClusterNode d = c.start("slow-d");
            assertEquals(Result.ok(), b.connect(a.selfNode()));
            assertEquals(Result.ok(), d.connect(a.selfNode()));
            await().atMost(Duration.ofSeconds(2)).until(() -> fast.snapshot().size() == 2);
            await().atMost(Duration.ofSeconds(2)).until(() -> thrown.get() == 2);
            assertEquals(2, a.nodes().size(), "the cluster is not held up either");
            release.countDown();
        }
    }

    @Test
    void monitorCompletesAtOnceForAnUnconnectedNodeAndOnLeaveAndOnLocalStop() throws Exception {
        try (TestCluster c = TestCluster.of("mon", 3)) {
            ClusterNode a = c.get(0);
            MembershipEvent.NodeDown absent = a.monitor("nobody@127.0.0.1").get(1, TimeUnit.SECONDS);
            assertEquals(DownReason.NOT_CONNECTED, absent.reason());
            assertEquals(DownReason.NOT_CONNECTED, a.monitor(null).get(1, TimeUnit.SECONDS).reason());
            String leaver = c.get(1).selfNode();
            CompletableFuture<MembershipEvent.NodeDown> leaving = a.monitor(leaver);
            CompletableFuture<MembershipEvent.NodeDown> staying = a.monitor(c.get(2).selfNode());
            assertFalse(leaving.isDone());
            c.get(1).close();
            assertEquals(new MembershipEvent.NodeDown(leaver, DownReason.LEFT), leaving.get(2, TimeUnit.SECONDS));
            assertFalse(staying.isDone());
            a.close();
            assertEquals(DownReason.LOCAL_STOP, staying.get(2, TimeUnit.SECONDS).reason());
            assertEquals(DownReason.LOCAL_STOP, a.monitor("x@127.0.0.1").get(1, TimeUnit.SECONDS).reason());
        }
    }

    @Test
    void aNodeKilledAndRestartedUnderItsNameIsDownThenUpAndOnlyTheOldMonitorCompletes() throws Exception {
        int port = Ports.next();
        String x = "phoenix@127.0.0.1:" + port;
        try (TestCluster c = TestCluster.of("watch", 1)) {
            ClusterNode a = c.get(0);
            Recorder r = new Recorder();
            CompletableFuture<MembershipEvent.NodeDown> oldOne;
            try (ChildNode first = ChildNode.start(x, COOKIE, 2000, port, 1)) {
                assertEquals(Result.ok(), a.connect(x));
                a.subscribe(r);
                oldOne = a.monitor(x);
                first.kill();
            }
            // The same name and port, a new process: a new incarnation.
            try (ChildNode second = ChildNode.start(x, COOKIE, 2000, port, 1)) {
                // Ok, or ignored: the new incarnation listens where the old one did, and MERGE3 may have found it
                // and merged it in before this connect (both mean: connected).
                Result<Void, ConnectError> back = a.connect(x, RetryPolicy.defaults().withMaxAttempts(10));
                assertTrue(back.isOk() || (back instanceof Result.Err<Void, ConnectError> e
                        && e.error() instanceof ConnectError.ConnectIgnored), back.toString());
                await().atMost(Duration.ofSeconds(5)).until(() -> r.snapshot().size() >= 3);
                assertEquals(List.of(new MembershipEvent.NodeUp(x), new MembershipEvent.NodeDown(x, DownReason.CRASHED),
                        new MembershipEvent.NodeUp(x)), r.snapshot());
                assertEquals(new MembershipEvent.NodeDown(x, DownReason.CRASHED), oldOne.get(1, TimeUnit.SECONDS));
                CompletableFuture<MembershipEvent.NodeDown> newOne = a.monitor(x);
                assertFalse(newOne.isDone(), "the new incarnation is up: its monitor waits");
                assertEquals("BYE", second.ask("exit", "BYE", 10));
                assertEquals(new MembershipEvent.NodeDown(x, DownReason.LEFT), newOne.get(3, TimeUnit.SECONDS));
                await().atMost(Duration.ofSeconds(2)).until(() -> r.snapshot().size() >= 4);
                assertEquals(new MembershipEvent.NodeDown(x, DownReason.LEFT), r.snapshot().get(3));
                assertEquals(4, r.snapshot().size());
                assertEquals(1, r.maxInFlight.get());
            }
        }
    }

    @Test
    void crashIsCrashedAndFreezeIsUnresponsiveAndHealBringsNodeUp() throws Exception {
        try (TestCluster c = TestCluster.of("obs", 2);
             ChildNode victim = ChildNode.start("victim@127.0.0.1:" + Ports.next(), COOKIE, 2000);
             ChildNode ice = ChildNode.start("ice@127.0.0.1:" + Ports.next(), COOKIE, 2000)) {
            Recorder r = new Recorder();
            c.get(1).subscribe(r);
            assertEquals(Result.ok(), c.get(0).connect(victim.name));
            assertEquals(Result.ok(), c.get(0).connect(ice.name));
            await().atMost(Duration.ofSeconds(3)).until(() -> r.has(new MembershipEvent.NodeUp(ice.name)));

            victim.kill();
            await().atMost(Duration.ofSeconds(2)).until(() -> r.snapshot().stream().anyMatch(e -> e.node().equals(victim.name)
                    && e instanceof MembershipEvent.NodeDown));
            assertTrue(r.has(new MembershipEvent.NodeDown(victim.name, DownReason.CRASHED)), r.snapshot().toString());

            ice.signal("STOP");
            await().atMost(Duration.ofSeconds(5)).until(() -> r.snapshot().stream().anyMatch(e -> e.node().equals(ice.name)
                    && e instanceof MembershipEvent.NodeDown));
            assertTrue(r.has(new MembershipEvent.NodeDown(ice.name, DownReason.UNRESPONSIVE)), r.snapshot().toString());

            ice.signal("CONT");
            // the coordinator's heal probes find it again (HealProbes)
            await().atMost(Duration.ofSeconds(15)).until(() -> r.snapshot().stream()
                    .filter(e -> e.equals(new MembershipEvent.NodeUp(ice.name))).count() == 2);
            assertEquals(1, r.maxInFlight.get());
        }
    }

    @Test
    void connectWithRetryWaitsForALateNodeButNotForARejectedCookie() throws Exception {
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = c.start("retrier");
            int port = Ports.next();
            Thread starter = new Thread(() -> {
                // Late: the retrier's first attempts find nobody (and it lists nobody meanwhile).
                await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> a.nodes().isEmpty());
                c.add(ClusterNode.start("late@127.0.0.1:" + port, COOKIE, TestCluster.testConfig().build()).orElseThrow());
            });
            starter.start();
            RetryPolicy policy = RetryPolicy.defaults().withMaxAttempts(20).withBaseDelayMs(50).withMaxDelayMs(200);
            assertEquals(Result.ok(), a.connect("late@127.0.0.1:" + port, policy));
            starter.join();
            ClusterNode foreign = c.add(ClusterNode.start("alien@127.0.0.1:" + Ports.next(), "some-other-cookie-000000",
                    TestCluster.testConfig().build()).orElseThrow());
            long t0 = System.nanoTime();
            Result<Void, ConnectError> r = a.connect(foreign.selfNode(), RetryPolicy.conservative().withMaxAttempts(5));
            assertTrue(r.isErr() && ((Result.Err<Void, ConnectError>) r).error().describe().contains("rejected our cookie"));
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 400, "a rejected cookie is not retried");
        }
    }
}
