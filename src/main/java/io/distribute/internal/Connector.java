package io.distribute.internal;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.internal.ConnectFailure.Kind;
import org.jgroups.Address;
import org.jgroups.PhysicalAddress;
import org.jgroups.View;
import org.jgroups.ViewId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code connect}: finds the target by an authenticated probe, merges our cluster with its cluster, and returns
 * {@code Ok} only when both sides list each other in the same view. The members to wait for follow the views as they
 * change: a member that dies meanwhile costs its detection time, not the connect timeout.
 */
final class Connector {

    private static final Logger LOG = LoggerFactory.getLogger(Connector.class);
    private static final long PROBE_STEP = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long PING_STEP = TimeUnit.MILLISECONDS.toNanos(100);
    /** How long to let a peer that has not installed our view yet get on with it before asking again. */
    private static final long AGREE_PAUSE = TimeUnit.MILLISECONDS.toNanos(5);
    /** How long to wait for our copy of a merged view that the peer's side already has before asking again. */
    private static final long OWN_VIEW_PATIENCE = TimeUnit.SECONDS.toNanos(1);
    /** How often to look again whether our previous incarnation is still listed where we connect. */
    private static final long FORMER_SELF_PAUSE_MS = 50;

    private final NodeName self;
    private final ClusterConfig config;
    private final InetSocketAddress bound;
    private final NodeProtocol protocol;
    private final NodeFinder finder;
    private final ViewTracker views;
    private final PingCall pings;

    Connector(NodeName self, ClusterConfig config, InetSocketAddress bound, NodeProtocol protocol, NodeFinder finder,
              ViewTracker views, PingCall pings) {
        this.self = self;
        this.config = config;
        this.bound = bound;
        this.protocol = protocol;
        this.finder = finder;
        this.views = views;
        this.pings = pings;
    }

    /** {@code connect(target)} as a user calls it: with the connections it will need opened ahead (see below). */
    Result<Void, ConnectFailure> connect(String target) {
        return connect(target, true);
    }

    /**
     * @param openAhead whether to open the connections to the peer and its coordinator while probing (see {@link
     *                  PreparedConnections}); not for seeds at start, where every island's coordinator reaches for
     *                  the same seeds at once and the extra handshakes slowed formation (16 nodes at once, 4 JVMs, one
     *                  view after 1.7-3.6 s, median 3.1 s, in 7 runs; without: 1.6-1.8 s in 6 of 8 runs, 8.4 and 8.6 s
     *                  in the others)
     */
    Result<Void, ConnectFailure> connect(String target, boolean openAhead) {
        if (views.isClosed()) {
            return Result.err(ConnectFailure.refused(Kind.NOT_STARTED, "this node is not started"));
        }
        Result<NodeName, String> parsed = NodeName.parse(target);
        if (parsed instanceof Result.Err<NodeName, String> e) {
            return Result.err(ConnectFailure.refused(Kind.INVALID_NAME, "invalid node name: " + e.error()));
        }
        NodeName t = parsed.orElseThrow();
        if (t.text().equals(self.text()) || views.names().contains(t.text())) {
            return Result.err(ConnectFailure.ignored());
        }
        long deadline = System.nanoTime() + config.connectTimeout().toNanos();
        Result<List<PhysicalAddress>, ConnectFailure> where = NodeFinder.targets(t, config, bound);
        if (where instanceof Result.Err<List<PhysicalAddress>, ConnectFailure> e) {
            return Result.err(e.error());
        }
        PreparedConnections prepared = new PreparedConnections(openAhead ? protocol.getTransport() : null);
        Result<Void, ConnectFailure> r = findAndJoin(t, where.orElseThrow(), deadline, prepared);
        if (r.isErr()) {
            prepared.closeUnused(views.view(), protocol);
        }
        return r;
    }

    private Result<Void, ConnectFailure> findAndJoin(NodeName t, List<PhysicalAddress> where, long deadline,
                                                     PreparedConnections prepared) {
        try {
            long started = System.nanoTime();
            if (where.size() == 1) {
                // One port to look at: whoever answers there is the peer we will send to; connect while we probe.
                prepared.open(where);
            }
            NodeFinder.Lookup lookup = finder.find(where, t.name(), deadline);
            if (lookup.found() == null) {
                if (lookup.cookieRejected()) {
                    return Result.err(ConnectFailure.refused(Kind.COOKIE_REJECTED, "node " + t.text()
                            + " rejected our cookie: it belongs to a cluster with another cookie"));
                }
                if (lookup.noConnection()) {
                    return Result.err(ConnectFailure.refused(Kind.UNREACHABLE, "host " + t.host() + " is unreachable: "
                            + "no port of it accepted a connection within the connect timeout (host down, or packets "
                            + "dropped by a firewall)"));
                }
                // Silent until (about) the deadline is a timeout; a probe's whole-millisecond timeout can end it a
                // fraction of a millisecond early, which once made a frozen peer "not found".
                boolean heldToTheEnd = deadline - System.nanoTime() < NodeFinder.LAST_TRY_NANOS;
                return Result.err(lookup.silent() && heldToTheEnd ? ConnectFailure.timeout()
                        : ConnectFailure.notFound());
            }
            long found = System.nanoTime();
            Result<Void, ConnectFailure> r = join(lookup.found(), deadline, prepared);
            if (LOG.isDebugEnabled()) {
                LOG.debug("{}: connect to {}: found in {} us, agreed in {} us: {}", self.text(), t.text(),
                        (found - started) / 1000, (System.nanoTime() - found) / 1000, r);
            }
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.err(ConnectFailure.refused(Kind.INTERRUPTED, "interrupted while connecting to " + t.text()));
        }
    }

    /**
     * Merges with the cluster {@code found} belongs to until the peer and we list each other in one view. Members of
     * its cluster that a busy coordinator left out of the merge are merged again, while they still answer.
     */
    private Result<Void, ConnectFailure> join(ProbeAnswers.Answer found, long deadline, PreparedConnections prepared)
            throws InterruptedException {
        View mine = views.view();
        if (mine != null && mine.containsMember(found.from())) {
            return Result.err(ConnectFailure.ignored());
        }
        Result<Void, ConnectFailure> clash = checkNames(mine, found);
        // A node restarted at once under its name and port can find its previous incarnation still listed there (its
        // leave or its crash check not through yet): wait for that to end instead of refusing a duplicate name.
        while (clash != null && UniqueNames.listsFormerSelf(found.view(), found.mappings(), self.text(), bound)
                && System.nanoTime() < deadline) {
            Thread.sleep(FORMER_SELF_PAUSE_MS);
            ProbeAnswers.Answer again = probe(found.physical(), found.name(), deadline);
            if (again == null) {
                break;
            }
            found = again;
            clash = checkNames(mine, found);
        }
        if (clash != null) {
            return clash;
        }
        prepared.open(peerAndCoordinator(found));
        Set<Address> waitFor = new LinkedHashSet<>(found.view() == null ? List.of() : found.view().getMembers());
        Map<Address, PhysicalAddress> where = new HashMap<>(found.mappings());
        ProbeAnswers.Answer merge = found;
        Address awaited = found.from(); // the member the last merge request should bring into our view
        MergePacing pacing = new MergePacing();
        long listedSince = 0; // when a probe answer first listed us, while our own view does not yet
        while (System.nanoTime() < deadline) {
            if (merge != null) {
                protocol.triggerMerge(merge.view(), merge.mappings());
                where.putAll(merge.mappings());
                merge = null;
            }
            views.awaitMember(awaited, Math.min(deadline, System.nanoTime() + pacing.wait));
            View v = views.view();
            if (v == null) {
                continue;
            }
            if (!v.containsMember(found.from())) {
                // Not merged yet: ask the peer for its view as it is now, and merge with that.
                awaited = found.from();
                pacing.next();
                merge = probe(found.physical(), found.name(), deadline);
                if (merge != null && (clash = checkNames(v, merge)) != null) {
                    return clash;
                }
                if (merge != null && listsUs(merge.view())) {
                    // Their side has taken us in; our copy of the merged view is on its way (at 64 nodes it came
                    // after the probe had seen theirs). Asking now starts a merge we take part in while our part of
                    // the first one still waits for that view: we drop its request, and its coordinator holds every
                    // membership change (a crash, a leave) until it gives up (merge_timeout, 2 s). Wait for our view;
                    // ask only if it has still not come after a while, the way a newcomer that missed it recovers.
                    long now = System.nanoTime();
                    listedSince = listedSince == 0 ? now : listedSince;
                    if (now - listedSince < OWN_VIEW_PATIENCE) {
                        merge = null;
                        continue;
                    }
                }
                listedSince = 0;
                if (merge != null) {
                    protocol.checkStale(merge.view());
                }
                continue;
            }
            waitFor.removeIf(v::containsMember);
            if (!waitFor.isEmpty()) {
                Address missing = waitFor.iterator().next();
                ProbeAnswers.Answer answer = probe(where.get(missing), NodeAddress.nameOf(missing), deadline);
                if (answer == null || !answer.from().equals(missing)) {
                    waitFor.remove(missing); // gone (or back as a new incarnation): nothing to wait for
                    awaited = found.from();
                } else {
                    merge = answer;
                    awaited = missing;
                    pacing.next();
                }
                continue;
            }
            awaited = found.from();
            if (agreed(found.from(), v, deadline)) {
                LOG.debug("{}: connected to {}", self.text(), found.name());
                return Result.ok();
            }
        }
        return Result.err(ConnectFailure.timeout());
    }

    private boolean listsUs(View theirs) {
        Address us = protocol.getAddress();
        return theirs != null && us != null && theirs.containsMember(us);
    }

    /**
     * True once {@code peer} answers a ping from the view we are in: then both sides list each other. A peer ahead of
     * us means our next view is coming; a peer behind is given a moment to install ours.
     */
    private boolean agreed(Address peer, View v, long deadline) throws InterruptedException {
        long step = Math.min(deadline, System.nanoTime() + PING_STEP);
        if (pings.member(peer, step - System.nanoTime()) < 0) {
            return false;
        }
        ViewId theirs = protocol.lastViewOf(peer);
        if (v.getViewId().equals(theirs)) {
            return true;
        }
        boolean ahead = theirs != null && theirs.compareToIDs(v.getViewId()) > 0;
        views.awaitChange(v, ahead ? step : Math.min(deadline, System.nanoTime() + AGREE_PAUSE));
        return false;
    }

    /**
     * Where the peer and its coordinator listen: the merge request goes to the coordinator, the agreement ping to
     * the peer. The other members' connections open when first used; opening them here too competed for the CPU
     * with the merge (3-node cluster, 2 cores: 32.4 ms median connect against 28.2 ms, 6 runs of 30 each).
     */
    private static List<PhysicalAddress> peerAndCoordinator(ProbeAnswers.Answer found) {
        List<PhysicalAddress> out = new java.util.ArrayList<>(2);
        out.add(found.physical());
        Address coord = found.view() == null ? null : found.view().getCoord();
        PhysicalAddress at = coord == null ? null : found.mappings().get(coord);
        if (at != null && !at.equals(found.physical())) {
            out.add(at);
        }
        return out;
    }

    /** The node's current answer at {@code where}, or null if it did not answer as that node in time. */
    private ProbeAnswers.Answer probe(PhysicalAddress where, String nodeName, long deadline) {
        String name = NodeFinder.nameOnly(nodeName);
        if (where == null || name == null) {
            return null;
        }
        return finder.probe(where, name, Math.min(deadline, System.nanoTime() + PROBE_STEP)).answer();
    }

    /** A refusal if merging with {@code theirs} would list a name twice: held by two different addresses. */
    private Result<Void, ConnectFailure> checkNames(View ours, ProbeAnswers.Answer theirs) {
        String clash = UniqueNames.clash(java.util.Arrays.asList(ours, theirs.view()));
        if (clash == null) {
            return null;
        }
        return Result.err(ConnectFailure.refused(Kind.DUPLICATE_NAME, "a node named " + clash
                + " is already in the cluster of " + theirs.name() + "; names must be unique"));
    }
}
