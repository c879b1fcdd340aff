package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.ViewId;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * PING/PONG round trips to members over the channel. A PONG carries the responder's view id, so that connect can
 * tell when a peer installed the view that lists us.
 * <p>
 * A PING and its PONG are unreliable messages (no retransmission below us, so a ping costs one message each way),
 * and one can be lost: a UDP datagram, or a message sent on a TCP connection that JGroups closes because the peer
 * connected to us at the same moment (of two simultaneous connections, one is dropped with what was sent on it).
 * So a round trip sends the PING again, under the same request id, at growing intervals until answered or out of time.
 */
final class Pinger {

    private static final ViewId NO_VIEW = new ViewId();
    /** First wait before sending a PING again: far above a round trip (~0.1 ms), short against a ping timeout. */
    private static final long FIRST_RESEND_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final Map<Long, CompletableFuture<Long>> pending = new ConcurrentHashMap<>();
    /** The view id each member reported in its last PONG (bounded by the members we ping; pruned on view change). */
    private final Map<Address, ViewId> lastViews = new ConcurrentHashMap<>();
    private final AtomicLong requestIds = new AtomicLong(System.nanoTime());
    private final BiConsumer<Address, Long> sendPing;

    /** @param sendPing sends a PING with the given request id to a member */
    Pinger(BiConsumer<Address, Long> sendPing) {
        this.sendPing = sendPing;
    }

    /**
     * A round trip to a member within {@code timeoutNanos}: its length in nanoseconds, or -1 if no answer came in time
     * or the node stopped. The PING is sent again after 50 ms, then after doubling intervals.
     */
    long roundTrip(Address member, long timeoutNanos) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + Math.max(0, timeoutNanos);
        long req = requestIds.incrementAndGet();
        CompletableFuture<Long> answer = new CompletableFuture<>();
        pending.put(req, answer);
        try {
            long wait = FIRST_RESEND_NANOS;
            while (true) {
                sendPing.accept(member, req);
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return -1;
                }
                try {
                    Long end = answer.get(Math.min(wait, left), TimeUnit.NANOSECONDS);
                    return end == null ? -1 : end - start;
                } catch (TimeoutException e) {
                    if (deadline - System.nanoTime() <= 0) {
                        return -1;
                    }
                    wait *= 2;
                } catch (ExecutionException e) {
                    return -1;
                }
            }
        } finally {
            pending.remove(req);
        }
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
