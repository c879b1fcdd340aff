package io.distribute.internal.secure;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A server socket that hands out only connections whose TLS handshake has finished. Its own thread accepts TCP
 * connections and gives each to a handshake thread; {@link #accept()} (JGroups' acceptor) returns the
 * authenticated ones. Until a peer has proved the PSK it holds a connection slot and a few KiB of handshake buffer,
 * nothing else: no JGroups state, no address mapping, no suspicion when it closes. Slots are capped per source
 * address and in total, and a handshake that has not finished within 1 s is dropped.
 *
 * <p>A connection that asked for a probe is answered here (the node's name, view and members' addresses, from
 * {@link SecureLayer#probeAnswer()}) and closed; JGroups never sees it.
 */
final class SecureServerSocket extends ServerSocket {

    private static final Logger LOG = LoggerFactory.getLogger(SecureServerSocket.class);
    static final int MAX_PENDING_PER_SOURCE = 8;
    static final int MAX_PENDING = 64;
    /** One sentinel wakes JGroups' acceptor when we close. */
    private static final Socket CLOSED = new Socket();

    /** Handshake threads shared by every node of this JVM: created on demand, gone after 5 s idle. */
    private static final ExecutorService HANDSHAKES = new ThreadPoolExecutor(0, 256, 5, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "distribute-tls-handshake");
                t.setDaemon(true);
                return t;
            });

    private final SecureLayer layer;
    private final boolean forJGroups;
    private final BlockingQueue<Socket> ready = new LinkedBlockingQueue<>();
    private final Map<InetAddress, AtomicInteger> pendingBySource = new ConcurrentHashMap<>();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Thread acceptor;

    /** @param forJGroups whether authenticated JGroups connections are accepted (else probes only) */
    SecureServerSocket(SecureLayer layer, boolean forJGroups) throws IOException {
        this.layer = layer;
        this.forJGroups = forJGroups;
    }

    @Override
    public void bind(SocketAddress endpoint, int backlog) throws IOException {
        super.bind(endpoint, backlog);
        Thread t = new Thread(this::acceptLoop, "distribute-tls-acceptor[" + getLocalPort() + "]");
        t.setDaemon(true);
        acceptor = t;
        t.start();
    }

    /** The next authenticated connection (for JGroups' acceptor). */
    @Override
    public Socket accept() throws IOException {
        while (true) {
            if (isClosed()) {
                throw new SocketException("Socket is closed");
            }
            Socket s;
            try {
                s = ready.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SocketException("interrupted");
            }
            if (s != CLOSED) {
                return s;
            }
            ready.add(CLOSED); // for any other waiter
        }
    }

    @Override
    public void close() throws IOException {
        super.close();
        ready.add(CLOSED);
        Thread t = acceptor;
        if (t != null) {
            t.interrupt();
        }
        for (Socket s; (s = ready.poll()) != null; ) {
            if (s != CLOSED) {
                closeQuietly(s);
            }
        }
        ready.add(CLOSED);
    }

    private void acceptLoop() {
        while (!isClosed()) {
            TlsSocket s = new TlsSocket(layer.trust());
            try {
                implAccept(s);
            } catch (IOException e) {
                closeQuietly(s);
                if (isClosed()) {
                    return;
                }
                LOG.debug("accept on {}: {}", getLocalSocketAddress(), e.toString());
                continue;
            }
            admit(s);
        }
    }

    private void admit(TlsSocket s) {
        InetAddress source = s.getInetAddress();
        AtomicInteger fromSource = pendingBySource.computeIfAbsent(source, a -> new AtomicInteger());
        int fromThere = fromSource.incrementAndGet();
        int all = pending.incrementAndGet();
        if (fromThere > MAX_PENDING_PER_SOURCE || all > MAX_PENDING) {
            layer.refused(source, "too many unauthenticated connections");
            release(source, fromSource, s, true);
            return;
        }
        long deadline = System.nanoTime() + TlsSocket.HANDSHAKE_TIMEOUT_NANOS;
        try {
            HANDSHAKES.execute(() -> handshake(s, source, fromSource, deadline));
        } catch (RejectedExecutionException e) {
            layer.refused(source, "no handshake thread free");
            release(source, fromSource, s, true);
        }
    }

    private void handshake(TlsSocket s, InetAddress source, AtomicInteger fromSource, long deadline) {
        boolean keep = false;
        try {
            TlsPeers.Server server = s.accept(layer.namePart(), forJGroups, deadline);
            layer.authenticated();
            switch (server.purpose()) {
                case PROBE -> answerProbe(s);
                case WATCH -> keep = layer.watched(s);
                case JGROUPS -> {
                    if (!isClosed()) {
                        keep = true;
                        ready.add(s);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            layer.refused(source, "handshake failed: " + e.getMessage());
        } finally {
            release(source, fromSource, s, !keep);
        }
    }

    private void answerProbe(TlsSocket s) throws IOException {
        byte[] answer = layer.probeAnswer();
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.writeInt(answer.length);
        out.write(answer);
        out.flush();
        // The client closes first once it has read the answer; wait briefly for that so our close cannot reset
        // the connection before the answer is read.
        s.setSoTimeout(1000);
        try {
            while (s.getInputStream().read() >= 0) {
                // nothing is expected
            }
        } catch (IOException e) {
            // closed or timed out: either way done
        }
    }

    private void release(InetAddress source, AtomicInteger fromSource, Socket s, boolean close) {
        pending.decrementAndGet();
        if (fromSource.decrementAndGet() <= 0) {
            pendingBySource.remove(source, fromSource);
        }
        if (close) {
            closeQuietly(s);
        }
    }

    /** Connections that have not finished their handshake (for tests). */
    int pending() {
        return Math.max(0, pending.get());
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
