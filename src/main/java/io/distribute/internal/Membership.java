package io.distribute.internal;

import io.distribute.cluster.DownReason;
import io.distribute.cluster.MembershipEvent;
import org.jgroups.Address;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Turns successive member lists into {@link MembershipEvent}s for subscribers and monitors.
 *
 * <p>Members are incarnations ({@link Member}): a name that comes back under a new address is a new member, so its
 * subscribers get {@code NodeDown(old)} then {@code NodeUp(new)}, even when one view both drops the old address and
 * adds the new one, and monitors of the old incarnation complete.
 *
 * <p>Callers hold the node's view lock around {@link #changed}, {@link #subscribe}, {@link #attach}, {@link #monitor}
 * and {@link #stop}: a new subscriber gets the current members as {@code NodeUp} and then every later change, with no
 * gap and no duplicate. Each subscriber has its own {@link SubscriberQueue}, so its events arrive in order and never
 * concurrently, and a slow or throwing subscriber holds up nobody else. User code never runs on a JGroups thread.
 */
final class Membership {

    private static final Logger LOG = LoggerFactory.getLogger(Membership.class);

    private final String self;
    private final ThreadPoolExecutor executor = EventThreads.pool("node", 2000);
    private final int capacity;
    /** Where each event goes: the offer of a subscriber's queue, or an attached sink. */
    private final List<Consumer<MembershipEvent>> sinks = new CopyOnWriteArrayList<>();
    /** The queues of {@link #subscribe}d listeners (for tests: their backlogs). */
    private final List<SubscriberQueue> queues = new CopyOnWriteArrayList<>();
    /** Waiting monitors by incarnation; a monitor that completes or is cancelled removes itself. */
    private final Map<Address, Set<CompletableFuture<MembershipEvent.NodeDown>>> monitors = new ConcurrentHashMap<>();
    /** The current members by address, in view order. */
    private Map<Address, Member> members = Map.of();
    private boolean stopped;

    Membership(String self) {
        this(self, SubscriberQueue.DEFAULT_CAPACITY);
    }

    /** With each subscriber's queue bounded at {@code capacity} events (see {@link SubscriberQueue}). */
    Membership(String self, int capacity) {
        this.self = self;
        this.capacity = capacity;
    }

    /** A new member list (without self) and, for each departed member's address, why it left. */
    void changed(List<Member> now, Map<Address, DownReason> reasons) {
        if (stopped) {
            return;
        }
        Map<Address, Member> next = new LinkedHashMap<>();
        now.forEach(m -> next.put(m.address(), m));
        List<MembershipEvent> events = new ArrayList<>();
        List<Address> departed = new ArrayList<>();
        // Departures first: a name that left and came back in this one view reads NodeDown(old), NodeUp(new).
        for (Member m : members.values()) {
            if (!next.containsKey(m.address())) {
                events.add(new MembershipEvent.NodeDown(m.name(),
                        reasons.getOrDefault(m.address(), DownReason.UNRESPONSIVE)));
                departed.add(m.address());
            }
        }
        for (Member m : next.values()) {
            if (!members.containsKey(m.address())) {
                events.add(new MembershipEvent.NodeUp(m.name()));
            }
        }
        members = next;
        for (MembershipEvent e : events) {
            LOG.info("{}: {}", self, e);
            sinks.forEach(s -> s.accept(e));
        }
        int d = 0;
        for (MembershipEvent e : events) {
            if (e instanceof MembershipEvent.NodeDown down) {
                completeMonitors(departed.get(d++), down);
            }
        }
    }

    /** Subscribes {@code listener} through its own queue; the current members arrive first as NodeUp. */
    AutoCloseable subscribe(Consumer<MembershipEvent> listener) {
        SubscriberQueue q = new SubscriberQueue(self, listener, executor, capacity);
        AutoCloseable detach = attach(q::offer);
        queues.add(q);
        return () -> {
            q.close();
            queues.remove(q);
            detach.close();
        };
    }

    /**
     * Attaches {@code sink}, called on the caller's thread (a JGroups thread, under the view lock) with the current
     * members as NodeUp and then every event, until detached: it must only hand the event on, never block.
     * At {@link #stop()} it gets the final LOCAL_STOP events before stop returns.
     */
    AutoCloseable attach(Consumer<MembershipEvent> sink) {
        if (stopped) {
            return () -> { };
        }
        for (Member m : members.values()) {
            sink.accept(new MembershipEvent.NodeUp(m.name()));
        }
        sinks.add(sink);
        return () -> sinks.remove(sink);
    }

    /** Completes with the node's NodeDown; at once if it is not connected (or this node stopped). */
    CompletableFuture<MembershipEvent.NodeDown> monitor(String node) {
        CompletableFuture<MembershipEvent.NodeDown> f = new CompletableFuture<>();
        Address watched = stopped || node == null ? null : addressOf(node);
        if (stopped) {
            complete(f, new MembershipEvent.NodeDown(String.valueOf(node), DownReason.LOCAL_STOP));
        } else if (watched == null) {
            complete(f, new MembershipEvent.NodeDown(String.valueOf(node), DownReason.NOT_CONNECTED));
        } else {
            monitors.computeIfAbsent(watched, k -> ConcurrentHashMap.newKeySet()).add(f);
            f.whenComplete((down, t) -> monitors.computeIfPresent(watched, (k, set) -> {
                set.remove(f);
                return set.isEmpty() ? null : set;
            }));
        }
        return f;
    }

    /**
     * This node stops: subscribers and sinks get NodeDown(LOCAL_STOP) for every member, monitors complete with
     * LOCAL_STOP. Queued events are still delivered; the event threads end soon after.
     */
    void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        for (Member m : members.values()) {
            MembershipEvent down = new MembershipEvent.NodeDown(m.name(), DownReason.LOCAL_STOP);
            sinks.forEach(s -> s.accept(down));
            completeMonitors(m.address(), (MembershipEvent.NodeDown) down);
        }
        members = Map.of();
        sinks.clear();
        queues.clear();
        // The pool is not shut down: a queue still draining must be able to hand on (an event offered at the end of
        // a drain would otherwise be refused and lost). Its threads end once idle, and quickly from now on.
        executor.setKeepAliveTime(10, TimeUnit.MILLISECONDS);
    }

    /** Monitors still waiting (for tests). */
    int waitingMonitors() {
        return monitors.values().stream().mapToInt(Set::size).sum();
    }

    /** The longest backlog of any subscriber (for tests). */
    int largestBacklog() {
        return queues.stream().mapToInt(SubscriberQueue::backlog).max().orElse(0);
    }

    /** How often subscribers' backlogs were collapsed (for tests). */
    int collapses() {
        return queues.stream().mapToInt(SubscriberQueue::collapses).sum();
    }

    /** The address of the current member called {@code node}, or null. */
    private Address addressOf(String node) {
        for (Member m : members.values()) {
            if (m.name().equals(node)) {
                return m.address();
            }
        }
        return null;
    }

    private void completeMonitors(Address incarnation, MembershipEvent.NodeDown down) {
        Set<CompletableFuture<MembershipEvent.NodeDown>> waiting = monitors.remove(incarnation);
        if (waiting != null) {
            waiting.forEach(f -> complete(f, down));
        }
    }

    /** Completes off the caller's thread: dependent stages are user code and must not run on JGroups' threads. */
    private void complete(CompletableFuture<MembershipEvent.NodeDown> f, MembershipEvent.NodeDown down) {
        try {
            executor.execute(() -> f.complete(down));
        } catch (RejectedExecutionException e) {
            f.complete(down); // cannot happen with an unbounded pool that is never shut down; never lose a completion
        }
    }
}
