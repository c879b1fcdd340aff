package io.distribute.internal;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import org.jgroups.Address;
import org.jgroups.PhysicalAddress;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * {@code ping}: a member answers over the channel (a PING/PONG round trip; a lost PING is sent again); any other
 * node is asked by an authenticated probe, which joins nothing.
 */
final class PingCall {

    private final NodeName self;
    private final ClusterConfig config;
    private final InetSocketAddress bound;
    private final NodeProtocol protocol;
    private final NodeFinder finder;
    private final ViewTracker views;

    PingCall(NodeName self, ClusterConfig config, InetSocketAddress bound, NodeProtocol protocol, NodeFinder finder,
             ViewTracker views) {
        this.self = self;
        this.config = config;
        this.bound = bound;
        this.protocol = protocol;
        this.finder = finder;
        this.views = views;
    }

    /** True if {@code target} answers within the ping timeout. */
    boolean ping(String target) {
        if (views.isClosed() || target == null) {
            return false;
        }
        long timeoutNanos = config.pingTimeout().toNanos();
        // The hot path, a member: no parsing, one map lookup.
        Address member = views.member(target);
        if (member != null) {
            return member(member, timeoutNanos) >= 0;
        }
        Result<NodeName, String> parsed = NodeName.parse(target);
        if (parsed.isErr()) {
            return false;
        }
        NodeName t = parsed.orElseThrow();
        if (t.text().equals(self.text())) {
            return true;
        }
        long deadline = System.nanoTime() + timeoutNanos;
        Result<List<PhysicalAddress>, ConnectFailure> where = NodeFinder.targets(t, config, bound);
        if (where.isErr()) {
            return false;
        }
        try {
            return finder.find(where.orElseThrow(), t.name(), deadline).found() != null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Round trip to a member in nanoseconds, or -1 on timeout. */
    long member(Address member, long timeoutNanos) {
        try {
            return protocol.ping(member, timeoutNanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
