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
 * GMS discards a suspicion or a leave request that arrives while a merge holds its queue, and VERIFY_SUSPECT2 and
 * the crash check raise a suspicion only once: a node killed (or left) just after a merge would then stay listed
 * until heartbeats time out. This raises it again every 250 ms until the member is out of the view, at most 40
 * times. A suspicion is raised again through the same verification as the first time (VERIFY_SUSPECT2 asks the
 * member; an answer stops the relay), never straight to GMS; a leave request is the member's own word and goes to
 * GMS directly. The repeats run on JGroups' thread pool, not on its single timer thread: raising a suspicion can
 * send (a connect to a frozen peer) and GMS may install the view on the raising thread, waiting for acks.
 */
final class SuspicionRelay {

    private static final long RETRY_MS = 250;
    private static final int RETRIES = 40;

    private enum Kind { SUSPECTED, LEFT }

    private record Pending(Kind kind, int raised) {}

    private final Map<Address, Pending> pending = new ConcurrentHashMap<>();
    private final Supplier<TimeScheduler> timer;
    private final Supplier<View> view;
    private final Consumer<Address> verify;
    private final Consumer<Address> raise;

    /**
     * @param verify raises a suspicion below the verifier, which passes it up only if the member does not answer
     * @param raise  raises a suspicion straight to GMS
     */
    SuspicionRelay(Supplier<TimeScheduler> timer, Supplier<View> view, Consumer<Address> verify,
                   Consumer<Address> raise) {
        this.timer = timer;
        this.view = view;
        this.verify = verify;
        this.raise = raise;
    }

    /** {@code member} was confirmed suspect: verify it again until it is gone or answers. */
    void suspected(Address member) {
        start(member, Kind.SUSPECTED);
    }

    /** {@code member} asked to leave: raise it until it is gone. */
    void left(Address member) {
        // A leave request outranks a suspicion of the same member: it needs no answer to stop.
        if (member != null && pending.put(member, new Pending(Kind.LEFT, 0)) == null) {
            schedule(member);
        }
    }

    /** {@code member} answered a verification: stop suspecting it (a leaver still leaves). */
    void alive(Address member) {
        pending.computeIfPresent(member, (a, p) -> p.kind == Kind.SUSPECTED ? null : p);
    }

    /** Forgets members no longer in {@code v}. */
    void viewChanged(View v) {
        pending.keySet().removeIf(a -> !v.containsMember(a));
    }

    /** The node stops: pending repeats end at their next turn. */
    void stop() {
        pending.clear();
    }

    int size() {
        return pending.size();
    }

    private void start(Address member, Kind kind) {
        if (member != null && pending.putIfAbsent(member, new Pending(kind, 0)) == null) {
            schedule(member);
        }
    }

    private void schedule(Address member) {
        TimeScheduler t = timer.get();
        if (t != null && !t.isShutdown()) {
            t.schedule(() -> again(member), RETRY_MS, TimeUnit.MILLISECONDS, true); // true: run on the pool
        }
    }

    private void again(Address a) {
        Pending p = pending.get(a);
        View v = view.get();
        if (p == null || v == null || !v.containsMember(a) || p.raised >= RETRIES) {
            pending.remove(a);
            return;
        }
        if (!pending.replace(a, p, new Pending(p.kind, p.raised + 1))) {
            schedule(a); // changed meanwhile (answered, or a leave request came): look again next turn
            return;
        }
        if (p.kind == Kind.LEFT) {
            raise.accept(a);
        } else {
            verify.accept(a);
        }
        schedule(a);
    }
}
