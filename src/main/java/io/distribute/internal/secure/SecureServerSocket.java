package io.distribute.internal.secure;

import org.jgroups.util.ThreadCreator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A server socket that hands out only connections whose TLS handshake has finished. Its own thread accepts TCP
 * connections and gives each to a handshake thread; {@link #accept()} (JGroups' acceptor) returns the
 * authenticated ones. Until a peer has proved the PSK it holds a connection slot and a few KiB of handshake buffer,
 * nothing else: no JGroups state, no address mapping, no suspicion when it closes. Slots are capped per source
 * address and in total until the peer has shown it holds the key (see {@link PendingHandshakes}), and a handshake that
 * has not finished within 1 s is dropped.
 *
 * <p>A connection that asked for a probe is answered here (the node's name, view and members' addresses, from
 * {@link AcceptingSide#probeAnswer()}) and closed; JGroups never sees it.
 */
final class SecureServerSocket extends ServerSocket {

    private static final Logger LOG = LoggerFactory.getLogger(SecureServerSocket.class);
    static final int MAX_PENDING_PER_SOURCE = PendingHandshakes.MAX_UNPROVEN_PER_SOURCE;
    static final int MAX_PENDING = PendingHandshakes.MAX_UNPROVEN;
    /** One sentinel wakes JGroups' acceptor when we close. */
    private static final Socket CLOSED = new Socket();

    /**
     * Handshake threads shared by every node of this JVM: up to 256, created on demand, gone after 5 s idle. Beyond
     * that, handshakes wait in line rather than being refused (nodes of a cluster started together in one JVM open
     * more at once); the line is bounded by the nodes' caps on pending connections, and a handshake that waited past
     * its deadline fails at its first read.
     */
    private static final ExecutorService HANDSHAKES = handshakeThreads();

    private static ExecutorService handshakeThreads() {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(256, 256, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "distribute-tls-handshake");
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private final AcceptingSide side;
    private final boolean forJGroups;
    private final LinkedBlockingQueue<Socket> ready = new LinkedBlockingQueue<>();
    /** Connections whose handshake has not finished. Guarded by itself. */
    private final PendingHandshakes<Socket> pending = new PendingHandshakes<>();
    private volatile Thread acceptor;

    /** @param forJGroups whether authenticated JGroups connections are accepted (else probes only) */
    SecureServerSocket(AcceptingSide side, boolean forJGroups) throws IOException {
        this.side = side;
        this.forJGroups = forJGroups;
    }

    @Override
    public void bind(SocketAddress endpoint, int backlog) throws IOException {
        super.bind(endpoint, backlog);
        // A virtual thread where the JDK has them (21+), as JGroups' own threads there: it only waits in accept().
        Thread t = ThreadCreator.createThread(this::acceptLoop, "distribute-tls-acceptor[" + getLocalPort() + "]", true,
                ThreadCreator.hasVirtualThreads());
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

    /**
     * Closes the port and returns once it is free again. The JDK only marks a listening socket closed while a thread
     * is blocked in accept() on it and the kernel frees the port when that accept returns: under load that took long
     * enough for a node restarted on the same port (a redeploy) to find it still in use (6 in 1,000 cycles).
     */
    @Override
    public void close() throws IOException {
        super.close();
        ready.add(CLOSED);
        Thread t = acceptor;
        if (t != null && t != Thread.currentThread()) {
            t.interrupt();
            try {
                t.join(2000);
                if (t.isAlive()) {
                    LOG.warn("{}: the accepting thread did not end within 2 s of close", t.getName());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
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
            TlsSocket s = new TlsSocket(side.trust());
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

    /** Takes a new connection into the handshake (see {@link PendingHandshakes} for who makes room at a cap). */
    private void admit(TlsSocket s) {
        InetAddress source = s.getInetAddress();
        Socket evicted;
        synchronized (pending) {
            evicted = pending.admit(s, source);
        }
        drop(evicted);
        long deadline = System.nanoTime() + TlsSocket.HANDSHAKE_TIMEOUT_NANOS;
        try {
            HANDSHAKES.execute(() -> handshake(s, source, deadline));
        } catch (RejectedExecutionException e) {
            if (release(s)) {
                side.handshakes().refused(source, "no handshake thread free");
            }
            closeQuietly(s);
        }
    }

    /** The peer showed it holds the key: its connection leaves the unproven stage. */
    private void proven(Socket s) {
        Socket evicted;
        synchronized (pending) {
            evicted = pending.prove(s);
        }
        drop(evicted);
    }

    private void drop(Socket evicted) {
        if (evicted != null) {
            side.handshakes().refused(evicted.getInetAddress(), "too many unauthenticated connections");
            closeQuietly(evicted);
        }
    }

    private void handshake(TlsSocket s, InetAddress source, long deadline) {
        boolean keep = false;
        String failure = null;
        boolean harmless = false; // ended without sign of a wrong cookie: counted, not warned about
        boolean slow = false; // showed our key, then ran out of time: a busy cookie holder (or a replay)
        java.util.concurrent.atomic.AtomicBoolean showedKey = new java.util.concurrent.atomic.AtomicBoolean();
        try {
            TlsServerPeer server = s.accept(side.namePart(), forJGroups, deadline, () -> {
                showedKey.set(true);
                proven(s);
            });
            if (!release(s)) {
                return; // evicted while it finished: closed already
            }
            side.handshakes().authenticated();
            switch (server.purpose()) {
                case PROBE -> answerProbe(s);
                case WATCH -> keep = side.watchers().watched(s);
                case JGROUPS -> {
                    if (!isClosed()) {
                        keep = true;
                        ready.add(s);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            failure = "handshake failed: " + e.getMessage();
            harmless = s.hungUpInHandshake() || hungUp(e) || s.askedForAnotherNode();
            slow = !harmless && showedKey.get() && timedOut(e);
            if (s.askedForAnotherNode()) {
                failure = "it asked for another node";
            }
        } finally {
            // An evicted connection was counted when it was evicted.
            if (release(s) && failure != null) {
                if (slow) {
                    side.handshakes().slowHandshake(source, failure);
                } else if (harmless) {
                    side.handshakes().droppedHarmless(source, failure);
                } else {
                    side.handshakes().refused(source, failure);
                }
            }
            if (!keep) {
                closeQuietly(s);
            }
        }
    }

    /** The handshake's deadline passed (the TLS layer may have wrapped the timeout). */
    private static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The peer closed or reset the connection before the handshake finished: no evidence of a wrong cookie (a node
     * that gave up on a connection it no longer needs does this while a cluster forms), so not worth a warning.
     */
    private static boolean hungUp(Exception e) {
        String m = String.valueOf(e.getMessage());
        return e instanceof java.io.EOFException || m.contains("Broken pipe") || m.contains("Connection reset");
    }

    private void answerProbe(TlsSocket s) throws IOException {
        byte[] answer = side.probeAnswer();
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
        synchronized (pending) {
            return pending.release(s);
        }
    }

    /** Connections that have not finished their handshake (for tests). */
    int pending() {
        synchronized (pending) {
            return pending.size();
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
