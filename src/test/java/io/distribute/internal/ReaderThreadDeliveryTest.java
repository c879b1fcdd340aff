package io.distribute.internal;

import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.MembershipEvent;
import io.distribute.cluster.Subscription;
import io.distribute.testing.TestCluster;
import org.jgroups.protocols.TP;
import org.jgroups.util.ThreadPool;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Pings, their answers and heartbeats go up on the thread that read them ({@link ReaderThreadDelivery}), not through
 * the transport's message threads: a member whose message threads are all busy still answers pings, hears the answers
 * to its own, and keeps hearing its peers' heartbeats, so nobody is reported gone for it.
 */
class ReaderThreadDeliveryTest {

    @Test
    void aMemberWhoseMessageThreadsAreAllBusyStillPingsAnswersAndHearsHeartbeats() throws Exception {
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = c.start("rta", TestCluster.testConfig().failureDetectionTimeout(Duration.ofSeconds(1))
                    .build());
            ClusterNode b = c.start("rtb", TestCluster.testConfig().failureDetectionTimeout(Duration.ofSeconds(1))
                    .build());
            assertTrue(a.connect(b.selfNode()).isOk());
            c.awaitAgreement();
            TP transport = Channels.of(b).getProtocolStack().getTransport();
            ThreadPool pool = transport.getThreadPool();
            assumeTrue(pool.getThreadPool() instanceof ThreadPoolExecutor,
                    "message threads are virtual on this JDK: there is no pool to fill");
            List<MembershipEvent> seenByB = new CopyOnWriteArrayList<>();
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger started = new AtomicInteger();
            Runnable blocker = () -> {
                started.incrementAndGet();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            try (Subscription s = b.subscribe(seenByB::add)) {
                pool.setMaxThreads(1);
                // Threads left idle from the connect exit only once they notice the new maximum; until then one of
                // them may take a task. So fill the pool until it refuses: then every live thread is ours.
                int accepted = 0;
                while (accepted < 500 && pool.execute(blocker)) {
                    accepted++;
                }
                assertTrue(accepted >= 1 && accepted < 500, "b's pool accepted " + accepted + " blocking tasks");
                int expected = accepted;
                await().atMost(Duration.ofSeconds(5)).until(() -> started.get() == expected);
                // The pool is full: any message b's transport hands to it now is dropped (JGroups' "abort" policy).
                assertFalse(pool.execute(() -> { }), "b's message threads should all be busy");
                for (int i = 0; i < 20; i++) {
                    assertTrue(a.ping(b.selfNode()), "b did not answer ping " + i);
                    assertTrue(b.ping(a.selfNode()), "b did not hear a's answer to ping " + i);
                }
                // Three failure-detection timeouts without a free message thread: b still hears a's heartbeats.
                await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4))
                        .until(() -> b.nodes().contains(a.selfNode()) && a.nodes().contains(b.selfNode()));
                assertEquals(List.of(), seenByB.stream().filter(e -> !(e instanceof MembershipEvent.NodeUp)).toList(),
                        "b reported a member gone while only its message threads were busy");
            } finally {
                release.countDown();
            }
        }
    }
}
