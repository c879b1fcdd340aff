package io.distribute.internal;

import io.distribute.cluster.MembershipEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * One subscriber's events: a bounded queue drained by at most one task at a time, so the listener is called one
 * event at a time, in order, and never on two threads at once. {@link #offer} never blocks, so it may be called under
 * the view lock.
 *
 * <p>Policy for a subscriber that falls far behind (its listener blocks or is slower than the churn): when more than
 * {@code capacity} events wait, the backlog is collapsed to its net change ({@link BacklogCollapse}) — for each node at
 * most a {@code NodeDown} then a {@code NodeUp} — and one WARN names the subscriber. It keeps receiving events and
 * ends with the true members; it misses only intermediate flaps. Dropping the subscriber instead would leave it
 * believing stale members forever, and blocking would hold up the cluster.
 */
public final class SubscriberQueue {

    /** The default bound: far more than any burst of a healthy cluster, small enough to cost little memory. */
    public static final int DEFAULT_CAPACITY = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(SubscriberQueue.class);

    private final String owner;
    private final Consumer<MembershipEvent> listener;
    private final Executor executor;
    private final int capacity;
    private final ArrayDeque<MembershipEvent> queue = new ArrayDeque<>();
    /** The nodes up as far as the listener has been handed events: where a collapse starts from. */
    private final Set<String> handedUp = new HashSet<>();
    private boolean draining;
    private boolean closed;
    private int collapses;

    /** {@code owner} names whose events these are, in logs. */
    public SubscriberQueue(String owner, Consumer<MembershipEvent> listener, Executor executor, int capacity) {
        this.owner = owner;
        this.listener = listener;
        this.executor = executor;
        this.capacity = capacity;
    }

    /** Queues {@code e} and starts delivery if none is running; never blocks, never runs the listener here. */
    public void offer(MembershipEvent e) {
        synchronized (this) {
            if (closed) {
                return;
            }
            queue.add(e);
            if (queue.size() > capacity) {
                collapse();
            }
            if (draining) {
                return;
            }
            draining = true;
        }
        submit();
    }

    /** Stops delivery: what is queued is dropped; an event being delivered finishes. Idempotent. */
    public synchronized void close() {
        closed = true;
        queue.clear();
    }

    /** Events waiting (for tests). */
    synchronized int backlog() {
        return queue.size();
    }

    /** How often the backlog was collapsed (for tests). */
    synchronized int collapses() {
        return collapses;
    }

    private void submit() {
        try {
            executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                draining = false;
            }
            LOG.warn("{}: no thread to deliver membership events to {}: {}", owner, listener, e.toString());
        }
    }

    private void drain() {
        // A batch per task, so a subscriber that never runs dry still gives its thread back now and then.
        for (int i = 0; i < capacity; i++) {
            MembershipEvent e;
            synchronized (this) {
                e = closed ? null : queue.poll();
                if (e == null) {
                    draining = false;
                    return;
                }
                if (e instanceof MembershipEvent.NodeUp) {
                    handedUp.add(e.node());
                } else {
                    handedUp.remove(e.node());
                }
            }
            try {
                listener.accept(e);
            } catch (RuntimeException | Error t) {
                LOG.warn("{}: a membership subscriber threw on {}", owner, e, t);
            }
        }
        submit(); // still draining: the next batch
    }

    private void collapse() {
        int behind = queue.size();
        List<MembershipEvent> net = BacklogCollapse.collapse(handedUp, queue);
        queue.clear();
        queue.addAll(net);
        if (collapses++ == 0) {
            LOG.warn("{}: membership subscriber {} fell {} events behind; its backlog was collapsed to the net change "
                    + "({} events): it still ends with the true members, but misses intermediate ups and downs", owner,
                    listener, behind, net.size());
        } else {
            LOG.debug("{}: membership subscriber {} collapsed again ({} -> {} events)", owner, listener, behind,
                    net.size());
        }
    }
}
