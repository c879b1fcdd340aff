package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.View;
import org.jgroups.util.TimeScheduler3;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The relay on a real JGroups timer, without a channel: what it raises, through which path, on which thread. */
class SuspicionRelayTest {

    private final TimeScheduler3 timer = new TimeScheduler3();
    private final Address self = UUID.randomUUID();
    private final Address b = UUID.randomUUID();
    private volatile View view = View.create(self, 1, self, b);
    private final List<Address> verified = new CopyOnWriteArrayList<>();
    private final List<Address> raised = new CopyOnWriteArrayList<>();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final SuspicionRelay relay = new SuspicionRelay(() -> timer, () -> view,
            a -> {
                threads.add(Thread.currentThread());
                verified.add(a);
            },
            a -> {
                threads.add(Thread.currentThread());
                raised.add(a);
            });

    @AfterEach
    void stop() {
        timer.stop();
    }

    @Test
    void aSuspicionIsVerifiedAgainUntilTheMemberAnswers() {
        relay.suspected(b);
        await().atMost(Duration.ofSeconds(3)).until(() -> verified.size() >= 2);
        assertEquals(List.of(), raised, "a suspicion never bypasses verification");
        relay.alive(b);
        int after = verified.size();
        await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(2)).until(() -> verified.size() <= after + 1);
        assertEquals(0, relay.size());
    }

    @Test
    void aLeaveIsRaisedDirectlyUntilTheMemberIsOutOfTheView() {
        relay.left(b);
        relay.alive(b); // answering a verification does not cancel a leave
        await().atMost(Duration.ofSeconds(3)).until(() -> raised.size() >= 2);
        assertEquals(List.of(), verified);
        view = View.create(self, 2, self);
        relay.viewChanged(view);
        int after = raised.size();
        await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(2)).until(() -> raised.size() <= after + 1);
        assertEquals(0, relay.size());
    }

    @Test
    void repeatsNeverRunOnTheTimerThread() throws Exception {
        AtomicReference<Thread> timerThread = new AtomicReference<>();
        timer.schedule(() -> timerThread.set(Thread.currentThread()), 1, TimeUnit.MILLISECONDS, false);
        relay.suspected(b);
        relay.left(UUID.randomUUID()); // not a member: dropped at its first turn
        await().atMost(Duration.ofSeconds(3)).until(() -> timerThread.get() != null && verified.size() >= 2);
        assertFalse(threads.contains(timerThread.get()), "ran on JGroups' timer thread " + timerThread.get());
    }
}
