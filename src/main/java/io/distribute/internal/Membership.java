package io.distribute.internal;

import io.distribute.cluster.DownReason;
import io.distribute.cluster.MembershipEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Turns successive member lists into {@link MembershipEvent}s for subscribers and monitors.
 *
 * <p>Callers hold the node's view lock around {@link #changed}, {@link #subscribe} and {@link #monitor}: a new
 * subscriber gets the current members as {@code NodeUp} and then every later change, with no gap and no duplicate.
 * Each subscriber has its own queue, drained on this node's event threads one event at a time, so one subscriber's
 * events arrive in order and never concurrently, and a slow or throwing subscriber holds up nobody else. User code
 * never runs on a JGroups thread.
 */
final class Membership {

    private static final Logger LOG = LoggerFactory.getLogger(Membership.class);
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final String self;
    private final ExecutorService executor;
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    /** Waiting monitors by node; a monitor that completes or is cancelled removes itself. */
    private final Map<String, Set<CompletableFuture<MembershipEvent.NodeDown>>> monitors =
            new java.util.concurrent.ConcurrentHashMap<>();
    private Set<String> members = Set.of();
    private boolean stopped;

    Membership(String self) {
        this.self = self;
        int pool = POOLS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        // A thread per subscriber that has events to deliver (none when idle): a slow subscriber holds only its own.
        ThreadPoolExecutor ex = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 2, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "distribute-events-" + pool + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.executor = ex;
    }

    /** A new member list (names, without self) and, for each departed member, why it left. */
    void changed(List<String> now, Map<String, DownReason> reasons) {
        if (stopped) {
            return;
        }
        Set<String> next = new LinkedHashSet<>(now);
        List<MembershipEvent> events = new ArrayList<>();
        for (String m : members) {
            if (!next.contains(m)) {
                events.add(new MembershipEvent.NodeDown(m, reasons.getOrDefault(m, DownReason.UNRESPONSIVE)));
            }
        }
        for (String m : next) {
            if (!members.contains(m)) {
                events.add(new MembershipEvent.NodeUp(m));
            }
        }
        members = next;
        for (MembershipEvent e : events) {
            LOG.info("{}: {}", self, e);
            for (Subscriber s : subscribers) {
                s.offer(e);
            }
            if (e instanceof MembershipEvent.NodeDown down) {
                Set<CompletableFuture<MembershipEvent.NodeDown>> waiting = monitors.remove(down.node());
                if (waiting != null) {
                    waiting.forEach(f -> complete(f, down));
                }
            }
        }
    }

    /** Subscribes; the current members arrive first as NodeUp. */
    AutoCloseable subscribe(Consumer<MembershipEvent> listener) {
        Subscriber s = new Subscriber(listener);
        if (stopped) {
            return s::close;
        }
        for (String m : members) {
            s.offer(new MembershipEvent.NodeUp(m));
        }
        subscribers.add(s);
        return s::close;
    }

    /** Completes with the node's NodeDown; at once if it is not connected (or this node stopped). */
    CompletableFuture<MembershipEvent.NodeDown> monitor(String node) {
        CompletableFuture<MembershipEvent.NodeDown> f = new CompletableFuture<>();
        if (stopped) {
            complete(f, new MembershipEvent.NodeDown(String.valueOf(node), DownReason.LOCAL_STOP));
        } else if (node == null || !members.contains(node)) {
            complete(f, new MembershipEvent.NodeDown(String.valueOf(node), DownReason.NOT_CONNECTED));
        } else {
            monitors.compute(node, (k, set) -> {
                Set<CompletableFuture<MembershipEvent.NodeDown>> s = set != null ? set
                        : java.util.concurrent.ConcurrentHashMap.newKeySet();
                s.add(f);
                return s;
            });
            f.whenComplete((down, t) -> monitors.computeIfPresent(node, (k, set) -> {
                set.remove(f);
                return set.isEmpty() ? null : set;
            }));
        }
        return f;
    }

    /**
     * This node stops: subscribers get NodeDown(LOCAL_STOP) for every member, monitors complete with LOCAL_STOP,
     * queued events are still delivered, then the event threads end.
     */
    void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        for (String m : members) {
            MembershipEvent down = new MembershipEvent.NodeDown(m, DownReason.LOCAL_STOP);
            subscribers.forEach(s -> s.offer(down));
        }
        members = Set.of();
        for (Map.Entry<String, Set<CompletableFuture<MembershipEvent.NodeDown>>> e : monitors.entrySet()) {
            MembershipEvent.NodeDown down = new MembershipEvent.NodeDown(e.getKey(), DownReason.LOCAL_STOP);
            e.getValue().forEach(f -> complete(f, down));
        }
        monitors.clear();
        subscribers.clear();
        executor.shutdown();
    }

    /** Monitors still waiting (for tests). */
    int waitingMonitors() {
        return monitors.values().stream().mapToInt(Set::size).sum();
    }

    /** Waits (bounded) until queued events are delivered and the event threads have ended. */
    void awaitStopped(long millis) {
        try {
            executor.awaitTermination(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Completes off the caller's thread: dependent stages are user code and must not run on JGroups' threads. */
    private void complete(CompletableFuture<MembershipEvent.NodeDown> f, MembershipEvent.NodeDown down) {
        try {
            executor.execute(() -> f.complete(down));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            f.complete(down); // executor shut down: we are on the stopping thread, not a JGroups one
        }
    }

    /** One subscriber: a queue drained by at most one task at a time. */
    private final class Subscriber {
        private final Consumer<MembershipEvent> listener;
        private final Queue<MembershipEvent> queue = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean draining = new AtomicBoolean();
        private volatile boolean closed;

        Subscriber(Consumer<MembershipEvent> listener) {
            this.listener = listener;
        }

        void offer(MembershipEvent e) {
            queue.add(e);
            schedule();
        }

        private void schedule() {
            if (!closed && !queue.isEmpty() && draining.compareAndSet(false, true)) {
                try {
                    executor.execute(this::drain);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    draining.set(false);
                }
            }
        }

        private void drain() {
            try {
                MembershipEvent e;
                while (!closed && (e = queue.poll()) != null) {
                    try {
                        listener.accept(e);
                    } catch (RuntimeException | Error t) {
                        LOG.warn("{}: a membership subscriber threw on {}", self, e, t);
                    }
                }
            } finally {
                draining.set(false);
            }
            schedule(); // an event offered while we were finishing
        }

        void close() {
            closed = true;
            subscribers.remove(this);
            queue.clear();
        }
    }
}
