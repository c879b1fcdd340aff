package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.ViewId;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * PING/PONG round trips to members over the channel. A PONG carries the responder's view id, so that connect can
 * tell when a peer installed the view that lists us.
 */
final class Pinger {

    private static final ViewId NO_VIEW = new ViewId();

    private final Map<Long, CompletableFuture<Long>> pending = new ConcurrentHashMap<>();
    /** The view id each member reported in its last PONG (bounded by the members we ping; pruned on view change). */
    private final Map<Address, ViewId> lastViews = new ConcurrentHashMap<>();
    private final AtomicLong requestIds = new AtomicLong(System.nanoTime());
    private final BiConsumer<Address, Long> sendPing;

    /** @param sendPing sends a PING with the given request id to a member */
    Pinger(BiConsumer<Address, Long> sendPing) {
        this.sendPing = sendPing;
    }

    /** A round trip to a member: completes with System.nanoTime() at the answer, or null when stopped. */
    CompletableFuture<Long> ping(Address member) {
        long req = requestIds.incrementAndGet();
        CompletableFuture<Long> f = new CompletableFuture<>();
        pending.put(req, f);
        f.whenComplete((v, e) -> pending.remove(req));
        sendPing.accept(member, req);
        return f;
    }

    /** A PONG arrived. */
    void pong(Address from, long requestId, ViewId theirView) {
        lastViews.put(from, theirView == null ? NO_VIEW : theirView);
        CompletableFuture<Long> f = pending.remove(requestId);
        if (f != null) {
            f.complete(System.nanoTime());
        }
    }

    /** The view id {@code member} reported in its last answer to a ping, or null. */
    ViewId lastViewOf(Address member) {
        ViewId v = lastViews.get(member);
        return v == NO_VIEW ? null : v;
    }

    void retainOnly(java.util.function.Predicate<Address> member) {
        lastViews.keySet().removeIf(a -> !member.test(a));
    }

    /** Completes every waiting ping with null (the node stops). */
    void stop() {
        pending.values().forEach(f -> f.complete(null));
        pending.clear();
    }
}
