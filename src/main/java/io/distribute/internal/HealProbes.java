package io.distribute.internal;

import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.DownReason;
import org.jgroups.Address;
import org.jgroups.PhysicalAddress;
import org.jgroups.View;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Heals a partition by targeted work instead of cluster-wide chatter. MERGE3 at a sub-second interval costs every
 * idle cluster O(N²) messages a round on TCP; here only the coordinator works, and only while something is missing:
 * members removed without a graceful leave or proof of a crash (a cut link, a frozen process), and seeds not in the
 * view once the seed joiner is done. It probes a few of them per round (an authenticated probe, {@link NodeFinder}),
 * every 250 ms at first, then every 500 ms, never waiting for a slow one; the first one that answers from another view is merged
 * with at once ({@link NodeProtocol#triggerMerge}). A target is dropped when it is back, when its address refuses
 * connections (the process is gone), when a new incarnation answers there, or after {@link #GIVE_UP_NANOS}; MERGE3,
 * at JGroups' own 10-30 s, remains the backstop.
 */
final class HealProbes {

    private static final Logger LOG = LoggerFactory.getLogger(HealProbes.class);
    static final long FIRST_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    static final long CAP_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    static final long GIVE_UP_NANOS = TimeUnit.MINUTES.toNanos(5);
    /** Probes per round: any member of the other side answers for all of it, so a few suffice. */
    static final int PER_ROUND = 2;
    private static final int PROBE_TIMEOUT_MS = 500;

    /** Rounds run here, never on a JGroups thread: daemon, shared by the nodes of this JVM, idle threads exit. */
    private static final ScheduledThreadPoolExecutor ROUNDS;

    static {
        ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(4, r -> {
            Thread t = new Thread(r, "distribute-heal");
            t.setDaemon(true);
            return t;
        });
        ex.setKeepAliveTime(5, TimeUnit.SECONDS);
        ex.allowCoreThreadTimeOut(true);
        ex.setRemoveOnCancelPolicy(true);
        ROUNDS = ex;
    }

    /** Something to find again: a lost member (address known) or a missing seed (ports to search). */
    private record Target(String name, Address member, PhysicalAddress where, NodeName seed, long since) {}

    private final NodeName self;
    private final ClusterConfig config;
    private final InetSocketAddress bound;
    private final NodeProtocol protocol;
    private final NodeFinder finder;
    private final Supplier<View> view;
    private final List<NodeName> seeds;
    private final LongSupplier clock;
    /** By name: a member lost twice, or lost and a seed, is one target. */
    private final Map<String, Target> targets = new LinkedHashMap<>();
    private boolean seedsDue;
    private long interval = FIRST_NANOS;
    private int cursor;
    /** Probes started and not finished: at most {@link #PER_ROUND}, however slow the network. */
    private int inFlight;
    private Future<?> next;
    private boolean stopped;

    HealProbes(NodeName self, ClusterConfig config, InetSocketAddress bound, NodeProtocol protocol, NodeFinder finder,
               Supplier<View> view, List<NodeName> seeds, LongSupplier nanoClock) {
        this.self = self;
        this.config = config;
        this.bound = bound;
        this.protocol = protocol;
        this.finder = finder;
        this.view = view;
        this.seeds = List.copyOf(seeds);
        this.clock = nanoClock;
    }

    /** A new view: {@code lost} are the members it removed, with the reason each was removed for. */
    synchronized void viewChanged(View v, Map<Address, DownReason> lost) {
        if (stopped || v == null) {
            return;
        }
        long now = clock.getAsLong();
        boolean added = false;
        for (Map.Entry<Address, DownReason> e : lost.entrySet()) {
            // Who left or is known dead will not come back at that address; a restart joins by itself.
            if (e.getValue() == DownReason.UNRESPONSIVE || e.getValue() == DownReason.NOT_CONNECTED) {
                String name = NodeAddress.nameOf(e.getKey());
                PhysicalAddress where = protocol.physicalAddressOf(e.getKey());
                if (name != null && where != null) {
                    targets.put(name, new Target(name, e.getKey(), where, null, now));
                    added = true;
                }
            }
        }
        added |= addMissingSeeds(v, now);
        targets.values().removeIf(t -> listed(v, t.name));
        if (added) {
            interval = FIRST_NANOS; // a fresh loss: look for it fast again
        }
        schedule(v);
    }

    /** The seed joiner is done: from now on seeds missing from the view are looked for too. */
    synchronized void seedsJoined() {
        seedsDue = true;
        View v = view.get();
        if (!stopped && v != null && addMissingSeeds(v, clock.getAsLong())) {
            interval = FIRST_NANOS;
            schedule(v);
        }
    }

    synchronized void stop() {
        stopped = true;
        targets.clear();
        if (next != null) {
            next.cancel(false);
            next = null;
        }
    }

    /** How many members and seeds are being looked for (for tests). */
    synchronized int pending() {
        return targets.size();
    }

    private boolean addMissingSeeds(View v, long now) {
        boolean added = false;
        if (!seedsDue) {
            return false;
        }
        for (NodeName s : seeds) {
            if (!s.text().equals(self.text()) && !listed(v, s.text()) && !targets.containsKey(s.text())) {
                targets.put(s.text(), new Target(s.text(), null, null, s, now));
                added = true;
            }
        }
        return added;
    }

    private static boolean listed(View v, String name) {
        for (Address a : v.getMembersRaw()) {
            if (name.equals(NodeAddress.nameOf(a))) {
                return true;
            }
        }
        return false;
    }

    /** Only an island's coordinator reaches out: one merge per island instead of one per member. */
    private void schedule(View v) {
        boolean coordinator = v.getCoord().equals(protocol.getAddress());
        if (targets.isEmpty() || !coordinator) {
            if (next != null) {
                next.cancel(false);
                next = null;
            }
            return;
        }
        if (next == null) {
            next = ROUNDS.schedule(this::round, interval, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Starts this round's probes without waiting for them (a probe into a cut link waits out its timeout) and plans
     * the next round: after a link comes back, the next probe is at most one interval away.
     */
    private void round() {
        List<Target> batch = new ArrayList<>(PER_ROUND);
        synchronized (this) {
            next = null;
            if (stopped) {
                return;
            }
            long now = clock.getAsLong();
            targets.values().removeIf(t -> now - t.since > GIVE_UP_NANOS);
            List<Target> all = new ArrayList<>(targets.values());
            for (int i = 0; i < Math.min(PER_ROUND - inFlight, all.size()); i++) {
                batch.add(all.get(Math.floorMod(cursor++, all.size())));
            }
            inFlight += batch.size();
            interval = Math.min(CAP_NANOS, interval * 3 / 2);
            View v = view.get();
            if (v != null) {
                schedule(v);
            }
        }
        for (Target t : batch) {
            ROUNDS.execute(() -> {
                try {
                    ProbeAnswers.Answer answer = probe(t);
                    if (answer != null) {
                        mergeWith(answer);
                    }
                } finally {
                    synchronized (this) {
                        inFlight--;
                    }
                }
            });
        }
    }

    /** The target's answer, or null; drops a target that is gone for good. */
    private ProbeAnswers.Answer probe(Target t) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROBE_TIMEOUT_MS);
        try {
            if (t.seed != null) {
                var ports = NodeFinder.targets(t.seed, config, bound);
                return ports.isOk() ? finder.find(ports.orElseThrow(), t.seed.name(), deadline).found() : null;
            }
            NodeFinder.Reply r = finder.probe(t.where, NodeFinder.nameOnly(t.name), deadline);
            boolean gone = r.result() instanceof io.distribute.internal.secure.ProbeResult.Refused
                    || (r.found() && !r.answer().from().equals(t.member));
            if (gone) {
                synchronized (this) {
                    targets.remove(t.name, t);
                }
                return null;
            }
            return r.answer();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private void mergeWith(ProbeAnswers.Answer theirs) {
        View ours = view.get();
        if (ours == null || theirs.view() == null || theirs.view().getViewId().equals(ours.getViewId())
                || UniqueNames.clash(Arrays.asList(ours, theirs.view())) != null) {
            return; // already together, or a merge that names would refuse
        }
        LOG.debug("{}: {} answered from another view ({}): merging", self.text(), theirs.name(), theirs.view());
        if (theirs.view().containsMember(protocol.getAddress())) {
            // A member back from a freeze can still hold the old view that lists us (its suspicions of us are
            // answered, so it never drops us): merge the two views as MERGE3 would, keyed by who holds each.
            theirs.mappings().forEach(protocol::addMapping);
            Map<Address, View> views = new java.util.HashMap<>(); // GMS changes the map it is given
            views.put(protocol.getAddress(), ours);
            views.put(theirs.from(), theirs.view());
            protocol.passUp(new org.jgroups.Event(org.jgroups.Event.MERGE, views));
            return;
        }
        protocol.triggerMerge(theirs.view(), theirs.mappings());
    }
}
