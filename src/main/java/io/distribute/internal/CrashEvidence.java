package io.distribute.internal;

import io.distribute.internal.secure.ProbeResult;
import io.distribute.internal.secure.SecureLayer;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.Message;
import org.jgroups.PhysicalAddress;
import org.jgroups.View;
import org.jgroups.blocks.cs.BaseServer;
import org.jgroups.blocks.cs.Connection;
import org.jgroups.blocks.cs.ConnectionListener;
import org.jgroups.protocols.TCP;
import org.jgroups.stack.IpAddress;
import org.jgroups.stack.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Evidence that a member's process is gone, which makes its removal a CRASHED one. A closed connection is only a
 * hint: JGroups closes one of two connections opened at once, a network can reset one, a frozen process keeps its
 * own. On such a hint (a transport connection that closes without JGroups' graceful-close marker on TCP stacks; the
 * crash watch connection on udp, see {@link CrashWatch}) the member's address is probed: if nothing listens there
 * any more, or a new incarnation answers, the process is gone. That probe is the verification: the member is
 * suspected straight to GMS (VERIFY_SUSPECT2's one unanswered message would add no evidence, only its timeout), and
 * the coordinator is told, which probes the address itself before it acts. If the member answers, or
 * does not answer at all (frozen, cut off), nothing happens: heartbeats decide. Only authenticated connections exist
 * below JGroups, so a stranger's connection is never even a hint.
 */
final class CrashEvidence {

    private static final Logger LOG = LoggerFactory.getLogger(CrashEvidence.class);
    private static final int CHECK_TIMEOUT_MS = 500;

    /** Checks run here, never on a JGroups thread: daemon, few, idle ones exit. */
    private static final ExecutorService CHECKS;

    static {
        ThreadPoolExecutor ex = new ThreadPoolExecutor(4, 4, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(1024), r -> {
            Thread t = new Thread(r, "distribute-crash-check");
            t.setDaemon(true);
            return t;
        });
        ex.allowCoreThreadTimeOut(true);
        CHECKS = ex;
    }

    private final NodeProtocol node;
    private final Departures departures;
    private final java.util.function.Consumer<Address> confirmed;
    private final MemberChecks<Address> checks = new MemberChecks<>(CHECKS, this::run);
    /** Members a check found gone, until a view drops them: further hints about them have nothing to add. */
    private final Set<Address> gone = ConcurrentHashMap.newKeySet();
    /** CRASHED reports this node received (for tests: only a coordinator should get any). */
    private final java.util.concurrent.atomic.AtomicLong reportsReceived = new java.util.concurrent.atomic.AtomicLong();
    private volatile SecureLayer layer;
    private volatile CrashWatch watch;
    /**
     * Set when the node stops: its own closing connections are no hints, and the check threads are shared by every
     * node of the JVM. A stopped node's checks (each refused by its closed layer, asked again 3 times 50 ms apart) held
     * them for seconds, while the nodes still running waited to check a member that had really been killed.
     */
    private volatile boolean stopped;
    /** Checks run so far (for tests). */
    private final java.util.concurrent.atomic.AtomicLong checksRun = new java.util.concurrent.atomic.AtomicLong();

    /** @param confirmed raises a suspicion of a member whose process is known gone, straight to GMS */
    CrashEvidence(NodeProtocol node, Departures departures, java.util.function.Consumer<Address> confirmed) {
        this.node = node;
        this.departures = departures;
        this.confirmed = confirmed;
    }

    /** The layer probes go through; set before the channel connects. */
    void useLayer(SecureLayer layer) {
        this.layer = layer;
    }

    /** udp: watch the next member's process over the secure layer. */
    void watchWith(SecureLayer layer, int timeoutMillis) {
        this.layer = layer;
        watch = new CrashWatch(layer, node::physicalAddressOf, this::hint, timeoutMillis);
    }

    /** TCP: listen to the transport's connections (TCP keeps its server in a protected field with no getter). */
    void listenTo(Protocol transport) {
        if (!(transport instanceof TCP tcp)) {
            return;
        }
        try {
            java.lang.reflect.Field f = TCP.class.getDeclaredField("srv");
            f.setAccessible(true);
            if (f.get(tcp) instanceof BaseServer server) {
                server.addConnectionListener(new ConnectionListener() {
                    @Override
                    public void connectionClosed(Connection conn) {
                        closed(conn);
                    }

                    @Override
                    public void connectionEstablished(Connection conn) {
                    }
                });
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("{}: cannot watch TCP connections ({}); crashes will be reported as unresponsive",
                    node.getAddress(), e.toString());
        }
    }

    void viewChanged(View v) {
        gone.retainAll(v.getMembers());
        CrashWatch w = watch;
        if (w != null) {
            w.viewChanged(v, node.getAddress());
        }
    }

    void stop() {
        stopped = true;
        CrashWatch w = watch;
        if (w != null) {
            w.stop();
        }
    }

    /** A transport connection closed: a hint about the member at its far end, if it was not a graceful close. */
    private void closed(Connection conn) {
        View v = node.view();
        if (stopped || conn.isClosedGracefully() || !(conn.peerAddress() instanceof PhysicalAddress peer) || v == null) {
            return;
        }
        for (Address m : v.getMembersRaw()) {
            if (peer.equals(node.physicalAddressOf(m))) {
                hint(m);
            }
        }
    }

    /** Something suggests {@code member} died: check its address off the JGroups thread. */
    void hint(Address member) {
        check(member, true);
    }

    /** Checks {@code member}'s address on a check thread; {@code report}: tell the others if it is gone. */
    private void check(Address member, boolean report) {
        View v = node.view();
        if (stopped || v == null || !v.containsMember(member) || member.equals(node.getAddress())) {
            return;
        }
        checks.request(member, report);
    }

    /** One check of {@code member}, on a check thread. */
    private void run(Address member, boolean report) {
        View v = node.view();
        if (stopped || v == null || !v.containsMember(member) || gone.contains(member)) {
            return; // stopped or removed meanwhile, or already found gone
        }
        checksRun.incrementAndGet();
        Verdict verdict = verdict(member);
        LOG.debug("{}: crash check of {}: {}", node.getAddress(), NodeAddress.nameOf(member), verdict);
        switch (verdict) {
            case GONE -> {
                gone.add(member);
                crashSeen(member, report);
            }
            // Its own process answered: a crash someone reported does not label a later removal.
            case ANSWERED -> departures.alive(member);
            case UNKNOWN -> { }
        }
    }

    /** What a probe of a member's address says of its process. */
    private enum Verdict { GONE, ANSWERED, UNKNOWN }

    /**
     * GONE when {@code member}'s address refuses connections, or another incarnation of its name answers there;
     * ANSWERED when the member itself answers; UNKNOWN otherwise (frozen, cut off, too slow).
     */
    private Verdict verdict(Address member) {
        SecureLayer l = layer;
        String name = NodeAddress.nameOf(member);
        if (l == null || name == null || !(node.physicalAddressOf(member) instanceof IpAddress ip)) {
            return Verdict.UNKNOWN;
        }
        int at = name.indexOf('@');
        InetSocketAddress where = new InetSocketAddress(ip.getIpAddress(), ip.getPort());
        String namePart = at < 0 ? name : name.substring(0, at);
        ProbeResult r = l.probe(where, namePart, CHECK_TIMEOUT_MS);
        // A process being killed may still accept on its port for a moment and then drop the connection: ask again
        // shortly (on this check thread) before concluding anything.
        for (int i = 0; i < 3 && r instanceof ProbeResult.NoAnswer && !stopped; i++) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Verdict.UNKNOWN;
            }
            r = l.probe(where, namePart, CHECK_TIMEOUT_MS);
        }
        if (r instanceof ProbeResult.Refused) {
            return Verdict.GONE;
        }
        if (r instanceof ProbeResult.Answer a) {
            try {
                return member.equals(ProbeAnswers.read(a.body()).from()) ? Verdict.ANSWERED : Verdict.GONE;
            } catch (java.io.IOException e) {
                return Verdict.UNKNOWN;
            }
        }
        LOG.debug("{}: {} closed a connection but its address still listens ({}): not a crash", node.getAddress(),
                name, r);
        return Verdict.UNKNOWN;
    }

    /**
     * {@code member}'s process is gone: label the removal, tell the coordinator (which checks for itself), suspect it.
     * Only the coordinator removes members and it sends its labels on the view, so it is the one to tell: when each
     * member told every other, one kill in a 32-node cluster sent up to 32 x 31 reports, each read and acted on.
     */
    private void crashSeen(Address member, boolean report) {
        departures.record(member, Departure.CRASHED);
        View v = node.view();
        Address coordinator = v == null ? null : coordinatorWithout(v, member);
        if (report && coordinator != null && !coordinator.equals(node.getAddress())) {
            NodeHeader hdr = new NodeHeader(NodeHeader.CRASHED, 0)
                    .reasons(new Address[] {member}, new byte[] {Departure.CRASHED.code});
            // Reliable, unlike distribute's other messages: the coordinator must hear it to label the removal.
            node.sendDown(new BytesMessage(coordinator).putHeader(node.getId(), hdr).setFlag(Message.Flag.OOB));
        }
        if (v != null && v.containsMember(member) && !member.equals(node.getAddress())) {
            confirmed.accept(member);
        }
    }

    /** Who removes {@code gone}: the coordinator, or the member that takes over if {@code gone} is the coordinator. */
    static Address coordinatorWithout(View v, Address gone) {
        for (Address m : v.getMembersRaw()) {
            if (!m.equals(gone)) {
                return m;
            }
        }
        return null;
    }

    /**
     * Another member found {@code hdr.members[0]} gone and told us as its coordinator (or next in line). Its word labels
     * the removal, but this node suspects only on its own evidence: it probes the address too (a member cut off from
     * us, not gone, still answers here).
     */
    void received(NodeHeader hdr) {
        reportsReceived.incrementAndGet();
        departures.learn(hdr);
        if (hdr.members.length == 1) {
            check(hdr.members[0], false);
        }
    }

    long checksRun() {
        return checksRun.get();
    }

    long reportsReceived() {
        return reportsReceived.get();
    }
}
