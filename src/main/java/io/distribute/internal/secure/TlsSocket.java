package io.distribute.internal.secure;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.bouncycastle.tls.TlsServerProtocol;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;

/**
 * A TCP socket whose bytes travel only in TLS 1.3 records (see {@link TlsPeers}). The connecting side runs the
 * handshake inside {@link #connect}; the accepting side runs it in {@link SecureServerSocket} before the socket is
 * handed to JGroups. Either way nobody reads or writes a byte of application data before both ends proved the PSK.
 */
final class TlsSocket extends Socket {

    /**
     * A handshake that has not finished by then is dropped, however slowly its bytes trickle in (collection pauses of
     * this JVM not counted, see {@link GcPauses}).
     */
    static final long HANDSHAKE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Why a handshake failed, as far as the other end told us. */
    enum Refusal {
        /** The node we asked for holds another cookie: its PSK binder check failed (RFC 8446 §4.2.11). */
        COOKIE_REJECTED,
        /** Something answered TLS but is not the node we asked for. */
        NOT_THIS_NODE,
        /** Anything else: not TLS, closed, too slow. */
        OTHER
    }

    /** A failed handshake, with what the peer's answer says about it. */
    static final class HandshakeFailed extends SocketException {
        private static final long serialVersionUID = 1L;
        final Refusal refusal;

        HandshakeFailed(Refusal refusal, String message, Throwable cause) {
            super(message);
            this.refusal = refusal;
            initCause(cause);
        }
    }

    private final Trust trust;
    private final String identity;
    /** If set, connect and handshake together get this long (a probe must not outlive its caller's timeout). */
    private long handshakeBudgetNanos;
    private volatile InputStream in;
    /** The peer closed its end before the handshake finished (BouncyCastle reports that as handshake_failure). */
    private volatile boolean hungUpInHandshake;
    private volatile OutputStream out;

    /** A connecting socket that will offer {@code identity}. */
    TlsSocket(Trust trust, String identity) {
        this.trust = trust;
        this.identity = identity;
    }

    /** Limits connect plus handshake to {@code millis} in all. */
    TlsSocket budget(int millis) {
        this.handshakeBudgetNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, millis));
        return this;
    }

    /** An unconnected socket that will offer the same identity (for another attempt). */
    TlsSocket fresh() {
        return new TlsSocket(trust, identity);
    }

    /** An accepting socket (see {@link SecureServerSocket}). */
    TlsSocket(Trust trust) {
        this(trust, null);
    }

    @Override
    public void connect(SocketAddress endpoint) throws IOException {
        connect(endpoint, 0);
    }

    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
        long deadline = System.nanoTime() + (handshakeBudgetNanos > 0 ? handshakeBudgetNanos
                : HANDSHAKE_TIMEOUT_NANOS + TimeUnit.MILLISECONDS.toNanos(timeout));
        if (trust.destroyed()) {
            throw new HandshakeFailed(Refusal.OTHER, "this node is closed", null);
        }
        super.connect(endpoint, timeout);
        // The handshake is a few small writes each way: Nagle plus delayed ACKs would add ~40 ms to each.
        setTcpNoDelay(true);
        try {
            Deadline din = new Deadline(super.getInputStream(), deadline, handshakeBudgetNanos == 0);
            TlsClientProtocol tls = new TlsClientProtocol(buffered(din), super.getOutputStream());
            int saved = getSoTimeout();
            TlsPeers.Client client = new TlsPeers.Client(trust, identity);
            tls.connect(client);
            opened(tls.getInputStream(), tls.getOutputStream());
            if (trust.certificateMode()) {
                proveCookieAsClient(client.exporter());
            }
            din.done();
            setSoTimeout(saved);
        } catch (TlsFatalAlertReceived alert) {
            super.close();
            Refusal r = switch (alert.getAlertDescription()) {
                case AlertDescription.decrypt_error -> Refusal.COOKIE_REJECTED;
                case AlertDescription.missing_extension, AlertDescription.no_application_protocol -> Refusal.NOT_THIS_NODE;
                default -> Refusal.OTHER;
            };
            throw new HandshakeFailed(r, "TLS handshake with " + endpoint + " refused: "
                    + AlertDescription.getText(alert.getAlertDescription()), alert);
        } catch (HandshakeFailed e) {
            super.close();
            throw e;
        } catch (IOException | RuntimeException e) {
            super.close();
            throw new HandshakeFailed(Refusal.OTHER, "TLS handshake with " + endpoint + " failed: " + e, e);
        }
    }

    private static final int ACCEPTED = 1;

    /**
     * Certificate mode: the certificate said who the server is; now both ends prove the cookie, bound to this
     * connection. We send ours; the server answers whether it accepted it, and its own.
     */
    private void proveCookieAsClient(byte[] exporter) throws IOException {
        OutputStream o = getOutputStream();
        o.write(trust.bind("client", exporter));
        o.flush();
        java.io.DataInputStream i = new java.io.DataInputStream(getInputStream());
        int status = i.read();
        if (status != ACCEPTED) {
            throw new HandshakeFailed(status == 0 ? Refusal.COOKIE_REJECTED : Refusal.OTHER,
                    "the node refused our cookie proof", null);
        }
        byte[] theirs = new byte[32];
        i.readFully(theirs);
        if (!Trust.same(theirs, trust.bind("server", exporter))) {
            throw new HandshakeFailed(Refusal.COOKIE_REJECTED, "the node's certificate is trusted but it does not"
                    + " hold our cookie", null);
        }
    }

    private void proveCookieAsServer(byte[] exporter) throws IOException {
        byte[] theirs = new byte[32];
        new java.io.DataInputStream(getInputStream()).readFully(theirs);
        OutputStream o = getOutputStream();
        if (!Trust.same(theirs, trust.bind("client", exporter))) {
            o.write(0);
            o.flush();
            throw new SocketException("the peer's certificate is trusted but it does not hold our cookie");
        }
        o.write(ACCEPTED);
        o.write(trust.bind("server", exporter));
        o.flush();
    }

    /**
     * Runs the accepting side of the handshake; returns the server, which tells what the client asked for.
     * {@code proven} runs as soon as the client has shown it holds the key, before the key exchange.
     */
    TlsPeers.Server accept(String namePart, boolean acceptJGroups, long deadline, Runnable proven) throws IOException {
        setTcpNoDelay(true);
        Deadline din = new Deadline(super.getInputStream(), deadline, true);
        TlsServerProtocol tls = new TlsServerProtocol(buffered(din), super.getOutputStream());
        TlsPeers.Server server = new TlsPeers.Server(trust, namePart, acceptJGroups, proven);
        try {
            tls.accept(server);
        } finally {
            askedForAnotherNode = server.askedForAnotherNode();
        }
        opened(tls.getInputStream(), tls.getOutputStream());
        if (trust.certificateMode()) {
            proveCookieAsServer(server.exporter());
        }
        din.done();
        setSoTimeout(0);
        return server;
    }

    /**
     * The TLS layer reads each record as a 5-byte header and then its body: read through a buffer, so that a record
     * (or several) costs one read from the socket rather than two or more.
     */
    private static InputStream buffered(InputStream in) {
        return new java.io.BufferedInputStream(in, 17 * 1024);
    }

    private void opened(InputStream tlsIn, OutputStream tlsOut) {
        this.in = new Quiet(tlsIn);
        this.out = tlsOut;
    }

    /** The peer asked for another node by name (see {@link TlsPeers.Server#askedForAnotherNode()}). */
    private volatile boolean askedForAnotherNode;

    boolean askedForAnotherNode() {
        return askedForAnotherNode;
    }

    /** Whether the peer closed its end before the handshake finished, rather than send something wrong. */
    boolean hungUpInHandshake() {
        return hungUpInHandshake;
    }

    @Override
    public InputStream getInputStream() throws IOException {
        InputStream i = in;
        if (i == null) {
            throw new SocketException("TLS handshake not done");
        }
        return i;
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        OutputStream o = out;
        if (o == null) {
            throw new SocketException("TLS handshake not done");
        }
        return o;
    }

    /**
     * Closes the TCP connection without a close_notify: JGroups marks graceful closes in its own stream, and writing
     * an alert could block behind a sender stuck on a frozen peer.
     */
    @Override
    public synchronized void close() throws IOException {
        super.close();
    }

    @Override
    public String toString() {
        return "TlsSocket[" + getLocalSocketAddress() + " -> " + getRemoteSocketAddress() + "]";
    }

    /**
     * Bounds the whole handshake: every read waits at most until the deadline. Unless the handshake has a caller's
     * budget (a probe), time the JVM spent in collection pauses meanwhile moves the deadline (see {@link GcPauses}).
     */
    private final class Deadline extends FilterInputStream {
        private volatile long deadline;
        private final boolean pausesExcluded;
        private final long pausesAtStart;

        Deadline(InputStream in, long deadline, boolean pausesExcluded) {
            super(in);
            this.deadline = deadline;
            this.pausesExcluded = pausesExcluded;
            this.pausesAtStart = pausesExcluded ? GcPauses.nanos() : 0;
        }

        void done() {
            deadline = Long.MAX_VALUE;
        }

        /** Nanoseconds left, or Long.MAX_VALUE once the handshake is done. */
        private long left() {
            long d = deadline;
            if (d == Long.MAX_VALUE) {
                return Long.MAX_VALUE;
            }
            long paused = pausesExcluded ? GcPauses.nanos() - pausesAtStart : 0;
            return d + paused - System.nanoTime();
        }

        private void arm() throws IOException {
            long left = left();
            if (left == Long.MAX_VALUE) {
                return;
            }
            if (left <= 0) {
                throw new SocketTimeoutException("TLS handshake not finished in time");
            }
            setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }

        @Override
        public int read() throws IOException {
            while (true) {
                arm();
                try {
                    return atEnd(super.read());
                } catch (SocketTimeoutException e) {
                    if (left() <= 0) {
                        throw e;
                    } // else a collection pause moved the deadline: wait on
                }
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (true) {
                arm();
                try {
                    return atEnd(super.read(b, off, len));
                } catch (SocketTimeoutException e) {
                    if (left() <= 0) {
                        throw e;
                    }
                }
            }
        }

        private int atEnd(int n) {
            if (n < 0 && deadline != Long.MAX_VALUE) {
                hungUpInHandshake = true;
            }
            return n;
        }
    }

    /**
     * JGroups treats EOF and socket errors as a closed connection and logs anything else at WARN per connection; a
     * TLS record that fails to authenticate is a closed connection too.
     */
    private static final class Quiet extends FilterInputStream {
        Quiet(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (EOFException | SocketException e) {
                throw e;
            } catch (IOException e) {
                throw (SocketException) new SocketException("TLS connection failed: " + e).initCause(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (EOFException | SocketException e) {
                throw e;
            } catch (IOException e) {
                throw (SocketException) new SocketException("TLS connection failed: " + e).initCause(e);
            }
        }
    }
}
