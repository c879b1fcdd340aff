package io.distribute.security;

import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.DownReason;
import io.distribute.cluster.MembershipEvent;
import io.distribute.cluster.Subscription;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/** Every membership event one node reports while subscribed: what a user's listener would have seen. */
final class Events implements Consumer<MembershipEvent>, AutoCloseable {

    private final List<MembershipEvent> events = Collections.synchronizedList(new ArrayList<>());
    private final Subscription subscription;
    final String owner;

    private Events(ClusterNode node) {
        this.owner = node.selfNode();
        this.subscription = node.subscribe(this);
    }

    /** Subscribes to {@code node}; the current members arrive first as NodeUp. */
    static Events of(ClusterNode node) {
        return new Events(node);
    }

    @Override
    public void accept(MembershipEvent e) {
        events.add(e);
    }

    List<MembershipEvent> snapshot() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** The NodeDown events reported so far. */
    List<MembershipEvent.NodeDown> downs() {
        return snapshot().stream().filter(e -> e instanceof MembershipEvent.NodeDown)
                .map(e -> (MembershipEvent.NodeDown) e).toList();
    }

    boolean has(String node, DownReason reason) {
        return snapshot().contains(new MembershipEvent.NodeDown(node, reason));
    }

    @Override
    public void close() {
        subscription.close();
    }

    @Override
    public String toString() {
        return owner + " saw " + snapshot();
    }
}
