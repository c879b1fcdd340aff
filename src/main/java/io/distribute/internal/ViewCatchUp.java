package io.distribute.internal;

import org.jgroups.Address;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A coordinator's successor asking the members for their views before it takes over ({@link MembershipGms}): one of
 * them may hold the crashed coordinator's last view, which never reached the successor. Counts the answers and waits
 * until every member asked has answered, or the patience runs out (a member that is gone too never answers).
 */
final class ViewCatchUp {

    private final Set<Address> awaited = new HashSet<>(); // guarded by this

    /** A view message came from {@code from}: if we were waiting for its answer, that was it. */
    synchronized void heardFrom(Address from) {
        if (awaited.remove(from) && awaited.isEmpty()) {
            notifyAll();
        }
    }

    /**
     * Asks each of {@code members} with {@code ask} and waits for all answers, at most {@code patienceMillis}.
     *
     * @return the members that did not answer in time
     */
    Set<Address> askAll(Collection<Address> members, Consumer<Address> ask, long patienceMillis) {
        synchronized (this) {
            awaited.clear();
            awaited.addAll(members);
        }
        members.forEach(ask);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(patienceMillis);
        synchronized (this) {
            try {
                for (long left = deadline - System.nanoTime(); !awaited.isEmpty() && left > 0;
                        left = deadline - System.nanoTime()) {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the channel is closing: take over with what we have
            }
            Set<Address> silent = new HashSet<>(awaited);
            awaited.clear();
            return silent;
        }
    }
}
