package io.distribute.internal;

import io.distribute.cluster.DownReason;
import io.distribute.cluster.MembershipEvent;
import io.distribute.cluster.MembershipEvent.NodeDown;
import io.distribute.cluster.MembershipEvent.NodeUp;
import org.jgroups.Address;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Events and monitors without a channel, fed the member lists a view change gives it (real JGroups addresses, as
 * {@link NodeProtocol} makes them): incarnations, monitor bookkeeping, the bound on a subscriber's queue.
 */
class MembershipTest {

    private static Member member(String name) {
        return new Member(name, NodeAddress.create(name));
    }

    /** Records events in arrival order. */
    private static final class Recorder implements java.util.function.Consumer<MembershipEvent> {
        final List<MembershipEvent> events = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void accept(MembershipEvent e) {
            events.add(e);
        }

        List<MembershipEvent> snapshot() {
            synchronized (events) {
                return List.copyOf(events);
            }
        }
    }

    @Test
    void cancelledMonitorsOfALiveNodeAreNotKept() {
        Membership m = new Membership("self@h");
        Member x = member("x@h");
        try {
            m.changed(List.of(x), Map.of());
            for (int i = 0; i < 100_000; i++) {
                m.monitor("x@h").cancel(true);
            }
            assertEquals(0, m.waitingMonitors());
            CompletableFuture<NodeDown> kept = m.monitor("x@h");
            assertEquals(1, m.waitingMonitors());
            m.changed(List.of(), Map.of(x.address(), DownReason.CRASHED));
            assertEquals(new NodeDown("x@h", DownReason.CRASHED), kept.join());
            await().atMost(Duration.ofSeconds(1)).until(() -> m.waitingMonitors() == 0);
        } finally {
            m.stop();
        }
    }

    @Test
    void aNameBackUnderANewAddressInOneViewIsDownThenUpAndItsOldMonitorCompletes() throws Exception {
        Membership m = new Membership("self@h");
        Member y = member("y@h");
        Member xOld = member("x@h");
        Member xNew = member("x@h");
        Recorder r = new Recorder();
        try {
            m.changed(List.of(y, xOld), Map.of());
            m.subscribe(r);
            CompletableFuture<NodeDown> old = m.monitor("x@h");
            // One view drops x's old address and adds its new one: a name diff would see no change at all.
            m.changed(List.of(y, xNew), Map.of(xOld.address(), DownReason.CRASHED));
            assertEquals(new NodeDown("x@h", DownReason.CRASHED), old.get(1, TimeUnit.SECONDS));
            CompletableFuture<NodeDown> current = m.monitor("x@h");
            List<MembershipEvent> expected = List.of(new NodeUp("y@h"), new NodeUp("x@h"),
                    new NodeDown("x@h", DownReason.CRASHED), new NodeUp("x@h"));
            await().atMost(Duration.ofSeconds(1)).until(() -> r.snapshot().size() >= expected.size());
            assertEquals(expected, r.snapshot());
            assertFalse(current.isDone(), "a monitor of the new incarnation waits for the new one");
            assertEquals(1, m.waitingMonitors());
            m.changed(List.of(y), Map.of(xNew.address(), DownReason.LEFT));
            assertEquals(new NodeDown("x@h", DownReason.LEFT), current.get(1, TimeUnit.SECONDS));
        } finally {
            m.stop();
        }
    }

    @Test
    void aSubscriberFarBehindIsCollapsedToTheNetChangeWhileOthersGetEverything() throws Exception {
        int capacity = 100;
        Membership m = new Membership("self@h", capacity);
        Member stable = member("stable@h");
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger blockedCalls = new AtomicInteger();
        Recorder blocked = new Recorder();
        Recorder fast = new Recorder();
        try {
            m.changed(List.of(stable), Map.of());
            // The first event it is handed blocks it, as a listener stuck on I/O would.
            m.subscribe(e -> {
                if (blockedCalls.getAndIncrement() == 0) {
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                    }
                }
                blocked.accept(e);
            });
            m.subscribe(fast);
            await().atMost(Duration.ofSeconds(1)).until(() -> blockedCalls.get() == 1);
            // Churn: 3 x capacity joins and leaves at the pace the fast subscriber keeps up with, then one restart
            // of "stable" and a newcomer that stays.
            int churn = 3 * capacity;
            for (int i = 0; i < churn; i++) {
                Member flap = member("flap" + (i % 7) + "@h");
                m.changed(List.of(stable, flap), Map.of());
                m.changed(List.of(stable), Map.of(flap.address(), DownReason.LEFT));
                int seen = 1 + 2 * (i + 1);
                await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(2))
                        .until(() -> fast.snapshot().size() == seen);
                assertTrue(m.largestBacklog() <= capacity, "backlog " + m.largestBacklog());
            }
            Member restarted = member("stable@h");
            Member newcomer = member("new@h");
            m.changed(List.of(restarted, newcomer), Map.of(stable.address(), DownReason.CRASHED));

            int fastTotal = 1 + 2 * churn + 3;
            await().atMost(Duration.ofSeconds(5)).until(() -> fast.snapshot().size() == fastTotal);
            assertTrue(m.collapses() >= 1, "the policy was applied");
            release.countDown();
            List<MembershipEvent> expected = List.of(new NodeUp("stable@h"),
                    new NodeDown("stable@h", DownReason.CRASHED), new NodeUp("stable@h"), new NodeUp("new@h"));
            await().atMost(Duration.ofSeconds(5)).until(() -> blocked.snapshot().size() >= expected.size());
            assertEquals(expected, blocked.snapshot(), "the net change, in order: the restart is not hidden");
            assertEquals(fastTotal, fast.snapshot().size(), "the fast subscriber got every event");
        } finally {
            release.countDown();
            m.stop();
        }
    }

    @Test
    void stopHandsEverySubscriberItsFinalLocalStop() {
        for (int round = 0; round < 200; round++) {
            Membership m = new Membership("self@h");
            Recorder r = new Recorder();
            Member a = member("a@h");
            m.changed(List.of(a, member("b@h")), Map.of());
            m.subscribe(r);
            m.changed(List.of(a), Map.of());
            m.stop();
            int n = round;
            await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(2))
                    .until(() -> r.snapshot().size() >= 4);
            assertEquals(new NodeDown("a@h", DownReason.LOCAL_STOP), r.snapshot().get(3), "round " + n);
        }
    }
}
