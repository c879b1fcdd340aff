package io.distribute.internal;

import io.distribute.internal.secure.SecureLayer;
import io.distribute.internal.secure.SecureLayer.ProbeResult;
import org.jgroups.PhysicalAddress;
import org.jgroups.stack.IpAddress;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Finds a node by name among the ports where it may listen: one authenticated probe per port, all at once (see
 * {@link SecureLayer#probe}). Used by connect and by ping of a node that is not a member.
 */
final class NodeFinder {

    /** What one port said. */
    record Reply(PhysicalAddress where, ProbeResult result, ProbeAnswers.Answer answer) {
        boolean found() {
            return answer != null;
        }
    }

    /** Probe threads: daemon, idle ones exit; a burst beyond the cap runs in the caller. */
    private static final ExecutorService PROBES = new ThreadPoolExecutor(0, 32, 5, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "distribute-probe");
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.CallerRunsPolicy());

    private final SecureLayer layer;

    NodeFinder(SecureLayer layer) {
        this.layer = layer;
    }

    /** Probes every target for the node whose name part is {@code name}; replies arrive in the returned queue. */
    BlockingQueue<Reply> search(List<PhysicalAddress> targets, String name, long deadlineNanos) {
        BlockingQueue<Reply> replies = new LinkedBlockingQueue<>();
        for (PhysicalAddress target : targets) {
            PROBES.execute(() -> replies.add(probe(target, name, deadlineNanos)));
        }
        return replies;
    }

    /**
     * Probes one port; an answer that says nothing (a handshake cut short, e.g. by the peer's 1 s handshake deadline
     * on a loaded machine) is asked again while time is left. Refusals and answers are final.
     */
    Reply probe(PhysicalAddress target, String name, long deadlineNanos) {
        for (int attempt = 1; ; attempt++) {
            Reply r = probeOnce(target, name, deadlineNanos);
            long left = deadlineNanos - System.nanoTime();
            if (!(r.result() instanceof ProbeResult.NoAnswer) || left < TimeUnit.MILLISECONDS.toNanos(100)) {
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

    private Reply probeOnce(PhysicalAddress target, String name, long deadlineNanos) {
        int timeout = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
        IpAddress ip = (IpAddress) target;
        ProbeResult r = layer.probe(new java.net.InetSocketAddress(ip.getIpAddress(), ip.getPort()), name, timeout);
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
