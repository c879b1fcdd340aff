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
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

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
    /** Connections whose handshake has not finished, oldest first, by source address. Guarded by itself. */
    private final Map<InetAddress, ArrayDeque<Socket>> pendingBySource = new HashMap<>();
    private int pending;
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

    /**
     * Takes a new connection into the handshake. At a cap, the newcomer is not the one refused: the oldest pending
     * connection of its own source makes room (per-source cap), or else the oldest of the source holding the most
     * (total cap). A flood, from one address or many, thus evicts itself, and a cookie holder's handshake (a few ms)
     * gets through.
     */
    private void admit(TlsSocket s) {
        InetAddress source = s.getInetAddress();
        Socket evicted = null;
        synchronized (pendingBySource) {
            ArrayDeque<Socket> mine = pendingBySource.computeIfAbsent(source, a -> new ArrayDeque<>());
            if (mine.size() >= MAX_PENDING_PER_SOURCE) {
                evicted = mine.pollFirst();
                pending--;
            } else if (pending >= MAX_PENDING) {
                ArrayDeque<Socket> biggest = mine;
                InetAddress biggestSource = source;
                for (Map.Entry<InetAddress, ArrayDeque<Socket>> e : pendingBySource.entrySet()) {
                    if (e.getValue().size() > biggest.size()) {
                        biggest = e.getValue();
                        biggestSource = e.getKey();
                    }
                }
                evicted = biggest.pollFirst();
                pending--;
                if (biggest.isEmpty() && biggest != mine) {
                    pendingBySource.remove(biggestSource);
                }
            }
            mine.addLast(s);
            pending++;
        }
        if (evicted != null) {
            layer.refused(evicted.getInetAddress(), "too many unauthenticated connections");
            closeQuietly(evicted);
        }
        long deadline = System.nanoTime() + TlsSocket.HANDSHAKE_TIMEOUT_NANOS;
        try {
            HANDSHAKES.execute(() -> handshake(s, source, deadline));
        } catch (RejectedExecutionException e) {
            if (release(s)) {
                layer.refused(source, "no handshake thread free");
            }
            closeQuietly(s);
        }
    }

    private void handshake(TlsSocket s, InetAddress source, long deadline) {
        boolean keep = false;
        String failure = null;
        try {
            TlsPeers.Server server = s.accept(layer.namePart(), forJGroups, deadline);
            if (!release(s)) {
                return; // evicted while it finished: closed already
            }
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
            failure = "handshake failed: " + e.getMessage();
        } finally {
            // An evicted connection was counted when it was evicted.
            if (release(s) && failure != null) {
                layer.refused(source, failure);
            }
            if (!keep) {
                closeQuietly(s);
            }
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

    /** Takes {@code s} out of the pending connections; false if it was not there (evicted, or released before). */
    private boolean release(Socket s) {
        synchronized (pendingBySource) {
            ArrayDeque<Socket> q = pendingBySource.get(s.getInetAddress());
            if (q == null || !q.remove(s)) {
                return false;
            }
            pending--;
            if (q.isEmpty()) {
                pendingBySource.remove(s.getInetAddress());
            }
            return true;
        }
    }

    /** Connections that have not finished their handshake (for tests). */
    int pending() {
        synchronized (pendingBySource) {
            return pending;
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
