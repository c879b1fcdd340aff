package io.distribute.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Opens connections off the transport's sender thread. JGroups sends to every peer from one thread and opens a
 * missing connection on it; here opening one is a TLS handshake, which a frozen peer (its kernel still accepts the
 * TCP connection) leaves hanging until the handshake deadline. Meanwhile nobody else heard from this node: with two
 * frozen members whose connections had been reset, the live members missed each other's heartbeats and removed each
 * other. Now the first message to a peer without a connection, and those that follow until the connection is open,
 * wait in a queue of that peer's (in order, bounded) while a thread of their own opens it and sends them.
 *
 * @param <A> the peer address type
 */
final class ConnectionOpener<A> implements AutoCloseable {

    /** Sends bytes to a peer, opening the connection if needed (may block for a handshake). */
    interface Sender<A> {
        void send(A peer, byte[] data, int offset, int length) throws Exception;

        /** Opens the connection to a peer without sending anything; a no-op if it is open (or nothing opens one). */
        default void connect(A peer) throws Exception {
        }

        /** Closes the connection to a peer, if one is open. */
        default void close(A peer) {
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionOpener.class);
    /** Bytes queued for one peer at most: beyond, messages are dropped (reliable ones are retransmitted). */
    static final int MAX_QUEUED_BYTES = 4 << 20;

    private final Sender<A> sender;
    private final String owner;
    private final Map<A, PeerBacklog> opening = new ConcurrentHashMap<>();
    private final ExecutorService threads;
    private final AtomicLong dropped = new AtomicLong();

    ConnectionOpener(Sender<A> sender, String owner) {
        this.sender = sender;
        this.owner = owner;
        // A thread per peer being connected to, only while it is (idle ones exit).
        ThreadPoolExecutor pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 5, TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "distribute-connect-" + owner);
                    t.setDaemon(true);
                    return t;
                });
        this.threads = pool;
    }

    /**
     * Queues a copy of the message if a connection to {@code peer} is being opened, or, when {@code connected} is
     * false, starts opening one with this message first. Returns false when the caller should send it itself (the
     * connection is open and nothing is queued for the peer).
     */
    boolean offer(A peer, boolean connected, byte[] data, int offset, int length) {
        while (true) {
            PeerBacklog q = opening.get(peer);
            if (q != null) {
                if (q.add(data, offset, length)) {
                    return true;
                }
                opening.remove(peer, q); // drained just now
                continue;
            }
            if (connected) {
                return false;
            }
            PeerBacklog fresh = new PeerBacklog(peer, false);
            fresh.add(data, offset, length);
            if (start(fresh)) {
                return true;
            }
        }
    }

    /**
     * Starts opening a connection to {@code peer} before anything is sent to it, unless one is open ({@code
     * connected}) or being opened; messages offered meanwhile wait for it as usual.
     */
    void prepare(A peer, boolean connected) {
        if (!connected && !opening.containsKey(peer)) {
            start(new PeerBacklog(peer, true));
        }
    }

    /**
     * The connection {@link #prepare prepared} for {@code peer} is not wanted after all: if it is still being opened
     * and nothing waits for it, it is closed once open. (A connection already open is the caller's to close.)
     */
    void abandon(A peer) {
        PeerBacklog q = opening.get(peer);
        if (q != null && q.connectFirst) {
            q.abandoned = true;
        }
    }

    /** Runs {@code fresh} unless another backlog of its peer is there; false if it is. */
    private boolean start(PeerBacklog fresh) {
        if (opening.putIfAbsent(fresh.peer, fresh) != null) {
            return false;
        }
        try {
            threads.execute(fresh::drain);
        } catch (RejectedExecutionException e) {
            opening.remove(fresh.peer, fresh); // closed: what it holds is dropped
        }
        return true;
    }

    /** Messages dropped because a peer's queue was full or its connection could not be opened. */
    long dropped() {
        return dropped.get();
    }

    @Override
    public void close() {
        threads.shutdownNow();
        opening.clear();
    }

    /** One peer's messages, in order, while its connection is being opened. */
    private final class PeerBacklog {
        private final A peer;
        private final boolean connectFirst; // opened ahead of any message (see prepare)
        private volatile boolean abandoned; // see abandon
        private final ArrayDeque<byte[]> messages = new ArrayDeque<>();
        private int bytes;
        private boolean done; // drained and removed: a new offer must not join it

        PeerBacklog(A peer, boolean connectFirst) {
            this.peer = peer;
            this.connectFirst = connectFirst;
        }

        synchronized boolean add(byte[] data, int offset, int length) {
            if (done) {
                return false;
            }
            if (bytes + length > MAX_QUEUED_BYTES) {
                dropped.incrementAndGet();
                return true; // dropped, but in order: nothing may overtake the queued ones
            }
            messages.add(Arrays.copyOfRange(data, offset, offset + length));
            bytes += length;
            return true;
        }

        private synchronized byte[] next() {
            byte[] m = messages.poll();
            if (m == null) {
                done = true;
                opening.remove(peer, this);
            } else {
                bytes -= m.length;
            }
            return m;
        }

        /** Sends the queued messages, opening the connection with the first; gives up on a batch that fails. */
        void drain() {
            if (connectFirst) {
                try {
                    sender.connect(peer);
                } catch (Exception e) {
                    // Nothing lost: what was queued meanwhile is sent below, each send trying again.
                    LOG.debug("{}: cannot open a connection to {} ahead of use ({})", owner, peer, e.toString());
                }
                if (abandoned && isEmpty()) {
                    sender.close(peer);
                }
            }
            for (byte[] m = next(); m != null; m = next()) {
                try {
                    sender.send(peer, m, 0, m.length);
                } catch (Exception e) {
                    // The connection could not be opened: the rest queued so far would fail the same way.
                    int n = discardQueued();
                    dropped.addAndGet(n + 1L);
                    LOG.debug("{}: cannot open a connection to {} ({}): {} messages dropped", owner, peer,
                            e.toString(), n + 1);
                }
            }
        }

        private synchronized boolean isEmpty() {
            return messages.isEmpty();
        }

        private synchronized int discardQueued() {
            int n = messages.size();
            messages.clear();
            bytes = 0;
            return n;
        }
    }
}
