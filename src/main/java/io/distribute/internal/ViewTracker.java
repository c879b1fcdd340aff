package io.distribute.internal;

import io.distribute.cluster.DownReason;
import io.distribute.cluster.MembershipEvent;
import org.jgroups.Address;
import org.jgroups.Receiver;
import org.jgroups.View;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The node's view of its cluster: the current JGroups view, the member names {@code nodes()} returns, and the
 * membership events each view change turns into. Views are applied under one lock, in order; the lock is never held
 * while calling into JGroups (JGroups holds its own locks when it hands us a view).
 */
final class ViewTracker {

    private final Object lock = new Object();
    private final Supplier<Address> self;
    private final Function<Address, Departure> departures;
    private final Membership membership;
    private volatile View view;
    private volatile List<String> peers = List.of();
    /** The current members (not this node) by name; replaced whole on each view change. */
    private volatile Map<String, Address> membersByName = Map.of();
    private final AtomicReference<CompletableFuture<View>> nextView = new AtomicReference<>(new CompletableFuture<>());
    private volatile boolean closed;
    /** Told of each applied view and the members it removed, with their reasons (must be quick). */
    private volatile java.util.function.BiConsumer<View, Map<Address, DownReason>> onChange = (v, lost) -> { };

    /**
     * @param self       this node's address in the channel
     * @param departures why a member left a view (crashed, left, ...), as the protocol observed it
     */
    ViewTracker(String selfName, Supplier<Address> self, Function<Address, Departure> departures) {
        this.self = self;
        this.departures = departures;
        this.membership = new Membership(selfName);
    }

    Receiver receiver() {
        return new Receiver() {
            @Override
            public void viewAccepted(View v) {
                accept(v);
            }
        };
    }

    /** Applies {@code v} unless it is the current view or the node is closing. */
    void accept(View v) {
        synchronized (lock) {
            applyView(v);
        }
    }

    private void applyView(View v) {
        if (closed || v == null || (view != null && v.getViewId().equals(view.getViewId()))) {
            return;
        }
        View previous = view;
        view = v;
        Address me = self.get();
        List<String> names = new ArrayList<>(v.size());
        Map<String, Address> byName = new HashMap<>();
        for (Address a : v.getMembersRaw()) {
            if (!a.equals(me)) {
                String n = NodeAddress.nameOf(a);
                names.add(n != null ? n : String.valueOf(a));
                if (n != null) {
                    byName.put(n, a);
                }
            }
        }
        peers = List.copyOf(names);
        membersByName = byName;
        List<Member> incarnations = new ArrayList<>(v.size());
        for (Address a : v.getMembersRaw()) {
            if (!a.equals(me)) {
                incarnations.add(Member.of(a));
            }
        }
        Map<Address, DownReason> reasons = new HashMap<>();
        if (previous != null) {
            for (Address a : previous.getMembersRaw()) {
                if (!v.containsMember(a)) {
                    reasons.put(a, downReason(departures.apply(a)));
                }
            }
        }
        membership.changed(incarnations, reasons);
        onChange.accept(v, reasons);
        nextView.getAndSet(new CompletableFuture<>()).complete(v);
    }

    private static DownReason downReason(Departure d) {
        return switch (d) {
            case LEFT -> DownReason.LEFT;
            case CRASHED -> DownReason.CRASHED;
            case UNRESPONSIVE -> DownReason.UNRESPONSIVE;
        };
    }

    /** Sets who is told of each view change and of the members it removed (see {@link HealProbes}). */
    void onChange(java.util.function.BiConsumer<View, Map<Address, DownReason>> listener) {
        this.onChange = listener;
    }

    /** The current view (null before the first). */
    View view() {
        return view;
    }

    /** The names of the current members, this node excluded. */
    List<String> names() {
        return closed ? List.of() : peers;
    }

    /** The member of that name, or null. */
    Address member(String nodeName) {
        return membersByName.get(nodeName);
    }

    /** Subscribes to membership events: current members first as NodeUp, then every change. */
    AutoCloseable subscribe(Consumer<MembershipEvent> listener) {
        synchronized (lock) {
            return membership.subscribe(listener);
        }
    }

    /**
     * Attaches a sink that gets every event synchronously, on the thread that applies the view and under the view
     * lock (it must only enqueue); when the node closes it gets the final LOCAL_STOP events before close returns.
     */
    AutoCloseable attach(Consumer<MembershipEvent> sink) {
        synchronized (lock) {
            return membership.attach(sink);
        }
    }

    /** Completes with {@code node}'s NodeDown; at once (NOT_CONNECTED) if it is not connected. */
    CompletableFuture<MembershipEvent.NodeDown> monitor(String node) {
        synchronized (lock) {
            return membership.monitor(node);
        }
    }

    /** Waits until {@code member} is in the view or the deadline passes. */
    boolean awaitMember(Address member, long deadlineNanos) throws InterruptedException {
        while (true) {
            CompletableFuture<View> next = nextView.get();
            View v = view;
            if (v != null && v.containsMember(member)) {
                return true;
            }
            if (!awaitNext(next, deadlineNanos)) {
                return false;
            }
        }
    }

    /** Waits until the view is another than {@code seen} or the deadline passes; returns the view then. */
    View awaitChange(View seen, long deadlineNanos) throws InterruptedException {
        while (true) {
            CompletableFuture<View> next = nextView.get();
            View v = view;
            if (v != seen || !awaitNext(next, deadlineNanos)) {
                return v;
            }
        }
    }

    /** False when the deadline passed or the node closed; true when {@code next} completed (or may have). */
    private boolean awaitNext(CompletableFuture<View> next, long deadlineNanos) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0 || closed) {
            return false;
        }
        try {
            next.get(left, TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // the caller re-checks the view, then the deadline
        }
        return true;
    }

    /** Stops applying views; false if it was already closed. Later views are ignored (the node is leaving). */
    boolean close() {
        synchronized (lock) {
            if (closed) {
                return false;
            }
            closed = true;
            return true;
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** After the channel closed: subscribers get their final events, waiters wake up. */
    void finish() {
        peers = List.of();
        membersByName = Map.of();
        synchronized (lock) {
            membership.stop();
        }
        nextView.get().complete(null);
    }
}
