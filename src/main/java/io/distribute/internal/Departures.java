package io.distribute.internal;

import org.jgroups.Address;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What this node saw of members that may be removed soon (leave requests, connections lost), so that a removal can
 * be reported with its reason. The coordinator that removes a member sends its observations on the view message
 * itself (see {@link NodeProtocol}), so every member reports the same reason. Observations expire: an old lost
 * connection says nothing about a later freeze.
 */
final class Departures {

    private static final long REASON_TTL_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final long CRASH_TTL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private record Observed(Departure reason, long at) {}

    private final Map<Address, Observed> observed = new ConcurrentHashMap<>();
    private final LongSupplier clock;

    Departures(LongSupplier nanoClock) {
        this.clock = nanoClock;
    }

    void record(Address member, Departure reason) {
        if (member == null || reason == null) {
            return;
        }
        // A leave request is the strongest evidence: a graceful leave also closes connections.
        observed.merge(member, new Observed(reason, clock.getAsLong()),
                (old, now) -> old.reason == Departure.LEFT && now.reason != Departure.LEFT ? old : now);
    }

    /** The member answered a suspicion check: a connection of its that closed did not mean it died. */
    void alive(Address member) {
        observed.computeIfPresent(member, (a, o) -> o.reason == Departure.CRASHED ? null : o);
    }

    /** Why {@code member} left the view, as observed here or by the coordinator that removed it. */
    Departure reasonFor(Address member) {
        Observed o = observed.get(member);
        return o != null && fresh(o, clock.getAsLong()) ? o.reason : Departure.UNRESPONSIVE;
    }

    /** Whether {@code member} asked to leave: it is never a merge partner again (a restart has a new address). */
    boolean left(Address member) {
        Observed o = member == null ? null : observed.get(member);
        return o != null && o.reason == Departure.LEFT;
    }

    /** The fresh observations, at most {@code max}, as members and wire codes (for the view message). */
    NodeHeader header(int max) {
        long now = clock.getAsLong();
        List<Address> members = new ArrayList<>();
        List<Byte> codes = new ArrayList<>();
        for (Map.Entry<Address, Observed> e : observed.entrySet()) {
            if (fresh(e.getValue(), now) && members.size() < max) {
                members.add(e.getKey());
                codes.add(e.getValue().reason.code);
            }
        }
        if (members.isEmpty()) {
            return null;
        }
        byte[] b = new byte[codes.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = codes.get(i);
        }
        return new NodeHeader(NodeHeader.REASONS, 0).reasons(members.toArray(new Address[0]), b);
    }

    /** Takes the reasons another node sent on a view. */
    void learn(NodeHeader hdr) {
        for (int i = 0; i < hdr.members.length; i++) {
            record(hdr.members[i], Departure.of(hdr.reasons[i]));
        }
    }

    /** Drops expired observations. */
    void sweep() {
        long now = clock.getAsLong();
        observed.values().removeIf(o -> now - o.at > REASON_TTL_NANOS);
    }

    int size() {
        return observed.size();
    }

    private static boolean fresh(Observed o, long now) {
        long ttl = o.reason == Departure.CRASHED ? CRASH_TTL_NANOS : REASON_TTL_NANOS;
        return now - o.at < ttl;
    }
}
