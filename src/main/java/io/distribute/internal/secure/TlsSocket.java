package io.distribute.internal.secure;

import io.distribute.internal.secure.HandshakeFailed.Refusal;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.bouncycastle.tls.TlsServerProtocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
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
            HandshakeDeadline din = new HandshakeDeadline(super.getInputStream(), this, deadline,
                    handshakeBudgetNanos == 0, () -> hungUpInHandshake = true);
            TlsClientProtocol tls = new TlsClientProtocol(buffered(din), super.getOutputStream());
            int saved = getSoTimeout();
            TlsClientPeer client = new TlsClientPeer(trust, identity);
            tls.connect(client);
            opened(tls.getInputStream(), tls.getOutputStream());
            if (trust.certificateMode()) {
                proveCookieAsClient(client.exporter());
            }
            din.done();
            setSoTimeout(saved);
        } catch (TlsFatalAlertReceived alert) {
            super.close();
            throw HandshakeFailed.refusedBy(alert, endpoint);
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
    TlsServerPeer accept(String namePart, boolean acceptJGroups, long deadline, Runnable proven) throws IOException {
        setTcpNoDelay(true);
        HandshakeDeadline din = new HandshakeDeadline(super.getInputStream(), this, deadline, true,
                () -> hungUpInHandshake = true);
        TlsServerProtocol tls = new TlsServerProtocol(buffered(din), super.getOutputStream());
        TlsServerPeer server = new TlsServerPeer(trust, namePart, acceptJGroups, proven);
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
        this.in = new QuietTlsInput(tlsIn);
        this.out = tlsOut;
    }

    /** The peer asked for another node by name (see {@link TlsServerPeer#askedForAnotherNode()}). */
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
}
