package io.distribute.cluster;

import io.distribute.Result;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static io.distribute.testing.TestCluster.COOKIE;
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
