package io.distribute.internal;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.internal.ConnectFailure.Kind;
import io.distribute.internal.secure.ProbeResult;
import io.distribute.internal.secure.SecureLayer;
import org.jgroups.PhysicalAddress;
import org.jgroups.stack.IpAddress;

import java.io.Closeable;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Finds a node by name among the ports of its host where it may listen: one authenticated probe per port, all at once (see
 * {@link SecureLayer#probe}). Used by connect and by ping of a node that is not a member. A search is closed as soon
 * as its caller has its answer: the probes still running (a silent port holds one until the deadline) are cut off,
 * so they never pile up.
 */
final class NodeFinder {

    /**
     * A port that said nothing is asked again only while more than this is left before the deadline: a silent answer
     * with less left held us until the deadline (a probe's timeout is whole milliseconds, so it may end a little
     * before it).
     */
    static final long LAST_TRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** What one port said. */
    record Reply(PhysicalAddress where, ProbeResult result, ProbeAnswers.Answer answer) {
        boolean found() {
            return answer != null;
        }
    }

    /**
     * Probe threads: daemon, idle ones exit. Beyond 64 running probes, up to 512 wait; past that a probe is answered
     * "busy" at once rather than run on the caller's thread.
     */
    private static final ExecutorService PROBES;

    static {
        ThreadPoolExecutor ex = new ThreadPoolExecutor(64, 64, 5, TimeUnit.SECONDS, new ArrayBlockingQueue<>(512), r -> {
            Thread t = new Thread(r, "distribute-probe");
            t.setDaemon(true);
            return t;
        });
        ex.allowCoreThreadTimeOut(true);
        PROBES = ex;
    }

    private final SecureLayer layer;

    NodeFinder(SecureLayer layer) {
        this.layer = layer;
    }

    /**
     * What a search for one node found: its answer; else whether a port rejected our cookie, whether one accepted a
     * connection but stayed silent, and whether no port let us connect at all (the host drops our packets).
     */
    record Lookup(ProbeAnswers.Answer found, boolean cookieRejected, boolean silent, boolean noConnection) {
    }

    /**
     * The ports where {@code t} may listen: its own port if the name gives one, else the configured range on its
     * host ({@code self}, this node's own address, excluded); or why there are none.
     */
    static Result<List<PhysicalAddress>, ConnectFailure> targets(NodeName t, ClusterConfig config,
                                                                   InetSocketAddress self) {
        InetAddress host;
        try {
            host = InetAddress.getByName(t.host());
        } catch (UnknownHostException e) {
            return Result.err(ConnectFailure.refused(Kind.UNRESOLVABLE, "cannot resolve host '" + t.host() + "'"));
        }
        int first = t.hasPort() ? t.port() : config.port();
        int count = t.hasPort() ? 1 : config.portRange();
        // A connected UDP socket sends nothing, but fails at once when there is no route to the host.
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(new InetSocketAddress(host, first));
        } catch (IOException | RuntimeException e) {
            return Result.err(ConnectFailure.refused(Kind.UNREACHABLE, "host " + t.host() + " is unreachable: "
                    + e.getMessage()));
        }
        List<PhysicalAddress> out = new ArrayList<>(count);
        for (int p = first; p < first + count && p <= 65535; p++) {
            if (!(host.equals(self.getAddress()) && p == self.getPort())) {
                out.add(new IpAddress(host, p));
            }
        }
        return Result.ok(out);
    }

    /**
     * Probes every target for the node whose name part is {@code name}; returns as soon as it answers, or when every
     * port has replied or the deadline passed.
     */
    Lookup find(List<PhysicalAddress> targets, String name, long deadlineNanos) throws InterruptedException {
        boolean rejected = false;
        boolean silent = false;
        int unconnected = 0;
        try (Search search = search(targets, name, deadlineNanos)) {
            for (int n = 0; n < targets.size(); n++) {
                long left = deadlineNanos - System.nanoTime();
                Reply reply = left > 0 ? search.replies.poll(left, TimeUnit.NANOSECONDS) : null;
                if (reply == null) {
                    // Probes still run at the deadline: handshakes that got no answer, or TCP connects that did not
                    // even get that far (every other reply so far was one too: the host drops our packets).
                    boolean none = unconnected == n && !search.anyConnected();
                    return new Lookup(null, rejected, !none, none);
                }
                if (reply.found() && name.equals(nameOnly(reply.answer().name()))) {
                    return new Lookup(reply.answer(), false, false, false);
                }
                if (reply.result() instanceof ProbeResult.CookieRejected) {
                    rejected = true;
                } else if (reply.result() instanceof ProbeResult.NoAnswer) {
                    silent = true;
                } else if (reply.result() instanceof ProbeResult.NoConnection) {
                    unconnected++;
                }
            }
        }
        return new Lookup(null, rejected, silent, !targets.isEmpty() && unconnected == targets.size());
    }

    /** The name part of a node name ({@code a} of {@code a@host}). */
    static String nameOnly(String nodeName) {
        if (nodeName == null) {
            return null;
        }
        int at = nodeName.indexOf('@');
        return at < 0 ? nodeName : nodeName.substring(0, at);
    }

    /** The probes of one connect or ping; replies arrive in {@link #replies()}; close it when done. */
    static final class Search implements AutoCloseable {
        private final BlockingQueue<Reply> replies = new LinkedBlockingQueue<>();
        private final Set<Closeable> open = ConcurrentHashMap.newKeySet();
        private volatile boolean closed;

        BlockingQueue<Reply> replies() {
            return replies;
        }

        /** Whether any probe of this search got a TCP connection (whatever came of it). */
        private boolean anyConnected() {
            return open.stream().anyMatch(c -> c instanceof java.net.Socket s && s.isConnected());
        }

        private void track(Closeable c) {
            open.add(c);
            if (closed) {
                closeQuietly(c);
            }
        }

        @Override
        public void close() {
            closed = true;
            open.forEach(Search::closeQuietly);
        }

        private static void closeQuietly(Closeable c) {
            try {
                c.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }

    /** Probes every target for the node whose name part is {@code name}. */
    Search search(List<PhysicalAddress> targets, String name, long deadlineNanos) {
        Search search = new Search();
        for (PhysicalAddress target : targets) {
            try {
                PROBES.execute(() -> search.replies.add(probe(target, name, deadlineNanos, search)));
            } catch (RejectedExecutionException e) {
                search.replies.add(new Reply(target, new ProbeResult.NoAnswer("too many probes running"), null));
            }
        }
        return search;
    }

    /** One probe, on the caller's thread. */
    Reply probe(PhysicalAddress target, String name, long deadlineNanos) {
        try (Search s = new Search()) {
            return probe(target, name, deadlineNanos, s);
        }
    }

    /**
     * Probes one port; an answer that says nothing (a handshake cut short, e.g. by the peer's 1 s handshake deadline
     * on a loaded machine) is asked again while time is left. Refusals and answers are final.
     */
    private Reply probe(PhysicalAddress target, String name, long deadlineNanos, Search search) {
        for (int attempt = 1; ; attempt++) {
            Reply r = probeOnce(target, name, deadlineNanos, search);
            long left = deadlineNanos - System.nanoTime();
            if (!(r.result() instanceof ProbeResult.NoAnswer) || left < LAST_TRY_NANOS
                    || search.closed) {
                return r;
            }
            try {
                // A short pause on this probe thread before asking again (never on a caller's or JGroups' thread).
                Thread.sleep(Math.min(50L * attempt, 250));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return r;
            }
        }
    }

    private Reply probeOnce(PhysicalAddress target, String name, long deadlineNanos, Search search) {
        int timeout = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
        IpAddress ip = (IpAddress) target;
        ProbeResult r = layer.probe(new java.net.InetSocketAddress(ip.getIpAddress(), ip.getPort()), name, timeout,
                search::track);
        ProbeAnswers.Answer answer = null;
        if (r instanceof ProbeResult.Answer a) {
            try {
                answer = ProbeAnswers.read(a.body());
            } catch (IOException e) {
                r = new ProbeResult.NoAnswer(e.getMessage());
            }
        }
        return new Reply(target, r, answer);
    }
}
