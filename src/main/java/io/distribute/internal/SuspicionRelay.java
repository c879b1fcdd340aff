package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.View;
import org.jgroups.util.TimeScheduler;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * GMS discards a suspicion that arrives while a merge holds its queue, and VERIFY_SUSPECT2 raises it only once: a
 * node killed just after a merge would then stay listed until heartbeats time out. This re-raises a confirmed
 * suspicion (or a leave GMS may have dropped) every 250 ms until the member is out of the view, at most 40 times.
 */
final class SuspicionRelay {

    private static final long RETRY_MS = 250;
    private static final int RETRIES = 40;

    private final Map<Address, Integer> suspects = new ConcurrentHashMap<>();
    private final Supplier<TimeScheduler> timer;
    private final Supplier<View> view;
    private final Consumer<Address> raise;

    SuspicionRelay(Supplier<TimeScheduler> timer, Supplier<View> view, Consumer<Address> raise) {
        this.timer = timer;
        this.view = view;
        this.raise = raise;
    }

    /** {@code member} was confirmed suspect (or asked to leave): keep raising it until it is gone. */
    void suspected(Address member) {
        if (member != null && suspects.putIfAbsent(member, 0) == null) {
            schedule(member);
        }
    }

    /** {@code member} answered: stop. */
    void alive(Address member) {
        suspects.remove(member);
    }

    /** Forgets members no longer in {@code v}. */
    void viewChanged(View v) {
        suspects.keySet().removeIf(a -> !v.containsMember(a));
    }

    private void schedule(Address member) {
        timer.get().schedule(() -> again(member), RETRY_MS, TimeUnit.MILLISECONDS, false);
    }

    private void again(Address a) {
        Integer n = suspects.get(a);
        View v = view.get();
        if (n == null || v == null || !v.containsMember(a) || n >= RETRIES) {
            suspects.remove(a);
            return;
        }
        suspects.put(a, n + 1);
        raise.accept(a);
        schedule(a);
    }
}
