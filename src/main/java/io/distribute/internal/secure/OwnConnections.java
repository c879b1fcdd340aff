package io.distribute.internal.secure;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The connections a node opens itself, beside JGroups' own: probes (a TLS connection to a port that asks "are you
 * node {@code name}?" and gets the node's own description back) and watches (an authenticated connection held open
 * to a node whose abrupt close means its process is gone). Both leave from the node's own address.
 */
final class OwnConnections {

    /** Logged under SecureLayer's name, as before this was a class of its own. */
    private static final Logger LOG = LoggerFactory.getLogger(SecureLayer.class);
    /** A probe answer is a view and a few addresses; a larger one is not from a node of ours. */
    static final int MAX_PROBE_ANSWER = 1 << 20;

    private final Trust trust;
    private final String owner;
    /** The node's own address, as the source of the connections it opens itself (probes, watches); null: any. */
    private volatile InetAddress outgoingFrom;

    /** @param owner the node's name, for log lines and the watch threads' log */
    OwnConnections(Trust trust, String owner) {
        this.trust = trust;
        this.owner = owner;
    }

    /**
     * Opens these connections from {@code address}, the node's address, as JGroups' connections are (the transport's
     * {@code client_bind_addr}): a peer sees each node as the source it advertises, which is what its per-source
     * limits on unauthenticated connections count.
     */
    void outgoingFrom(InetAddress address) {
        this.outgoingFrom = address == null || address.isAnyLocalAddress() ? null : address;
    }

    /**
     * Binds {@code s} to the node's address for a connection to {@code to}; not from a loopback address to another
     * host, which no packet could leave (the kernel would refuse it at once, and a blackholed host would look like a
     * closed port instead of an unreachable one).
     */
    private TlsSocket bound(TlsSocket s, InetSocketAddress to) throws IOException {
        InetAddress from = outgoingFrom;
        InetAddress target = to.getAddress();
        if (from != null && (!from.isLoopbackAddress() || (target != null && target.isLoopbackAddress()))) {
            s.bind(new InetSocketAddress(from, 0));
        }
        return s;
    }

    /**
     * Holds an authenticated connection open to the node named {@code name} at {@code target}; when it closes
     * without that node's goodbye, its process is gone (its kernel closed the socket) and {@code onCrash} runs.
     * Connecting and waiting happen on a thread of the watch's own; {@link Watch#cancel()} ends it.
     */
    Watch watch(InetSocketAddress target, String name, int timeoutMillis, Runnable onCrash) {
        TlsSocket s = new TlsSocket(trust, TlsPeers.WATCH_PREFIX + name);
        try {
            bound(s, target);
        } catch (IOException e) {
            LOG.debug("{}: cannot bind a watch of {} to {}: {}", owner, name, outgoingFrom, e.toString());
        }
        Watch w = new Watch(s, target, timeoutMillis, onCrash);
        w.start(owner + " watches " + name);
        return w;
    }

    /**
     * Asks the port {@code target} whether it is the node named {@code name} (the part before '@');
     * {@code track} gets the socket, to close it early.
     */
    ProbeResult probe(InetSocketAddress target, String name, int timeoutMillis,
                      java.util.function.Consumer<java.io.Closeable> track) {
        TlsSocket s = new TlsSocket(trust, TlsPeers.PROBE_PREFIX + name).budget(timeoutMillis);
        track.accept(s);
        try {
            s.setTcpNoDelay(true);
            bound(s, target);
            try {
                s.connect(target, Math.max(1, timeoutMillis));
            } catch (java.net.SocketTimeoutException | java.net.NoRouteToHostException e) {
                // From the TCP connect itself: the handshake's own failures come wrapped in HandshakeFailed.
                return new ProbeResult.NoConnection(e.toString());
            }
            s.setSoTimeout(Math.max(1, timeoutMillis));
            DataInputStream in = new DataInputStream(s.getInputStream());
            int n = in.readInt();
            if (n < 0 || n > MAX_PROBE_ANSWER) {
                return new ProbeResult.NoAnswer("answer of " + n + " bytes");
            }
            byte[] body = new byte[n];
            in.readFully(body);
            return new ProbeResult.Answer(body);
        } catch (HandshakeFailed e) {
            if (e.getCause() instanceof ConnectException) {
                return new ProbeResult.Refused();
            }
            return switch (e.refusal) {
                case COOKIE_REJECTED -> new ProbeResult.CookieRejected();
                case NOT_THIS_NODE -> new ProbeResult.OtherNode();
                case OTHER -> new ProbeResult.NoAnswer(e.getMessage());
            };
        } catch (ConnectException e) {
            return new ProbeResult.Refused();
        } catch (IOException e) {
            return new ProbeResult.NoAnswer(e.toString());
        } finally {
            try {
                s.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }
}
