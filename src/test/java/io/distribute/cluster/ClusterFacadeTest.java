package io.distribute.cluster;

import io.distribute.Result;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The static facade: one default node per JVM. */
class ClusterFacadeTest {

    @AfterEach
    void stop() {
        Cluster.stop();
    }

    @Test
    void lifecycleAsInTheSeed() {
        assertEquals("nonode@nohost", Cluster.selfNode());
        assertEquals(List.of(), Cluster.nodes());
        String name = "facade@127.0.0.1:" + Ports.next();
        assertEquals(Result.ok(), Cluster.startNode(name, COOKIE, TestCluster.testConfig().build()));
        assertEquals(name, Cluster.selfNode());
        Result<Void, StartError> again = Cluster.startNode("other@127.0.0.1:" + Ports.next(), COOKIE);
        assertInstanceOf(StartError.AlreadyStarted.class, ((Result.Err<Void, StartError>) again).error());
        try (TestCluster c = new TestCluster()) {
            ClusterNode peer = c.start("facade-peer");
            assertEquals(Result.ok(), Cluster.connect(peer.selfNode()));
            assertEquals(List.of(peer.selfNode()), Cluster.nodes());
            assertTrue(Cluster.ping(peer.selfNode()));
            Cluster.stop();
            assertEquals("nonode@nohost", Cluster.selfNode());
            assertEquals(List.of(), Cluster.nodes());
        }
        // startNode works again after stop
        assertEquals(Result.ok(), Cluster.startNode(name, COOKIE, TestCluster.testConfig().build()));
    }

    @Test
    void oneListenerAcrossStopAndStartIsCalledOneEventAtATimeWithEveryLocalStopBeforeTheNextNodeUp() {
        int cycles = 5;
        String name = "facade-cycle@127.0.0.1:" + Ports.next();
        // A LOCAL_STOP takes the listener 200 ms, longer than the next start and connect: delivered from the old
        // node's own thread, it would overlap the new node's NodeUp, or follow it.
        MembershipEventsTest.Recorder r = new MembershipEventsTest.Recorder(e -> e instanceof MembershipEvent.NodeDown d
                && d.reason() == DownReason.LOCAL_STOP ? 200_000_000L : 0L);
        try (TestCluster peers = TestCluster.of("facade-peer", 2); Subscription s = Cluster.subscribe(r)) {
            Set<String> peerNames = Set.of(peers.get(0).selfNode(), peers.get(1).selfNode());
            for (int i = 0; i < cycles; i++) {
                assertEquals(Result.ok(), Cluster.startNode(name, COOKIE, TestCluster.testConfig().build()));
                assertEquals(Result.ok(), Cluster.connect(peers.get(0).selfNode()));
                assertEquals(peerNames, Set.copyOf(Cluster.nodes()));
                Cluster.stop();
            }
            // Every cycle's final LOCAL_STOP events are delivered, the last one's too.
            await().atMost(Duration.ofSeconds(10)).until(() -> r.snapshot().size() >= 4 * cycles);
            List<MembershipEvent> events = r.snapshot();
            assertEquals(4 * cycles, events.size(), events.toString());
            for (int i = 0; i < cycles; i++) {
                List<MembershipEvent> cycle = events.subList(4 * i, 4 * i + 4);
                Set<MembershipEvent> ups = Set.copyOf(cycle.subList(0, 2));
                Set<MembershipEvent> downs = Set.copyOf(cycle.subList(2, 4));
                assertEquals(peerNames.stream().map(MembershipEvent.NodeUp::new).collect(Collectors.toSet()), ups,
                        "cycle " + i + ": " + events);
                assertEquals(peerNames.stream().map(p -> new MembershipEvent.NodeDown(p, DownReason.LOCAL_STOP))
                        .collect(Collectors.toSet()), downs, "cycle " + i + ": " + events);
            }
            assertEquals(1, r.maxInFlight.get(), "the listener was called on two threads at once");
        }
    }

    @Test
    void concurrentStartsGiveExactlyOneOk() throws InterruptedException {
        int port = Ports.block(8);
        List<Result<Void, StartError>> results = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int k = i;
            threads.add(new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                results.add(Cluster.startNode("race" + k + "@127.0.0.1:" + (port + k), COOKIE,
                        TestCluster.testConfig().build()));
            }));
        }
        threads.forEach(Thread::start);
        go.countDown();
        for (Thread t : threads) {
            t.join(30_000);
        }
        assertEquals(8, results.size());
        assertEquals(1, results.stream().filter(Result::isOk).count(), results.toString());
        assertTrue(results.stream().filter(Result::isErr)
                .allMatch(r -> ((Result.Err<Void, StartError>) r).error() instanceof StartError.AlreadyStarted));
    }
}
