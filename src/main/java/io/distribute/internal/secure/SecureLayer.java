package io.distribute.internal.secure;

import org.jgroups.util.SocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One node's secure connection layer, plugged in below JGroups as its transport's {@link SocketFactory}: every TCP
 * socket JGroups opens or accepts is a {@link TlsSocket} keyed by the cluster's PSK. Sockets that would bypass it
 * (NIO channels, as TCP_NIO2 and FD_SOCK2 use) cannot be made: the stack check refuses those protocols first, and
 * this factory fails them if one slips through.
 *
 * <p>It also answers and makes probes: a TLS connection to a port that asks "are you node {@code name}?" and gets the
 * node's own description back (see {@link #probe}).
 */
public final class SecureLayer implements SocketFactory {

    private static final Logger LOG = LoggerFactory.getLogger(SecureLayer.class);
    /** A probe answer is a view and a few addresses; a larger one is not from a node of ours. */
    static final int MAX_PROBE_ANSWER = 1 << 20;

    private final Trust trust;
    private final DatagramSeal seal;
    private final String namePart;
    private final String owner;
    private volatile Supplier<byte[]> probeAnswer = () -> new byte[0];
    /** The node's own address, as the source of the connections it opens itself (probes, watches); null: any. */
    private volatile InetAddress outgoingFrom;
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong authenticated = new AtomicLong();
    private final PeerLogLimit<InetAddress> refusalLog = PeerLogLimit.perMinute();
    private final PeerLogLimit<InetAddress> slowLog = PeerLogLimit.perMinute();

    /**
     * A layer whose connections are authenticated by the cookie's pre-shared key.
     *
     * @param psk      the 32-byte TLS pre-shared key derived from the cookie (copied)
     * @param sealKey  the 32-byte key datagrams are sealed with, derived from the cookie (copied)
     * @param namePart the part of this node's name before '@': probes for it are answered
     * @param owner    the node's name, for log lines
     */
    public SecureLayer(byte[] psk, byte[] sealKey, String namePart, String owner) {
        this(psk, sealKey, psk, null, namePart, owner);
    }

    /**
     * A layer in certificate mode when {@code certificates} is not null: connections are authenticated by certificates
     * of the site's PKI, then by a proof of the cookie under {@code bindingKey} bound to each connection.
     */
    public SecureLayer(byte[] psk, byte[] sealKey, byte[] bindingKey, Certificates certificates, String namePart,
                       String owner) {
        this.trust = new Trust(psk, bindingKey, certificates);
        warmUp();
        this.seal = new DatagramSeal(sealKey);
        this.namePart = namePart;
        this.owner = owner;
    }

    private static final java.util.concurrent.atomic.AtomicBoolean WARM = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * The first handshake in a JVM loads a few hundred classes and initialises the JCE; on a busy machine that alone
     * can take longer than the 1 s a peer allows for a handshake. Do it once per JVM in the background, off the
     * start path.
     */
    private static void warmUp() {
        if (!WARM.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                java.security.KeyPairGenerator.getInstance("X25519").generateKeyPair();
                javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
                javax.crypto.Mac.getInstance("HmacSHA256");
                for (String c : List.of("org.bouncycastle.tls.TlsClientProtocol", "org.bouncycastle.tls.TlsServerProtocol",
                        "org.bouncycastle.tls.TlsUtils", "org.bouncycastle.tls.TlsExtensionsUtils")) {
                    Class.forName(c, true, SecureLayer.class.getClassLoader());
                }
                TlsPeers.CRYPTO.createSecret(new byte[32]);
            } catch (ReflectiveOperationException | java.security.GeneralSecurityException | RuntimeException e) {
                LOG.debug("TLS warm-up: {}", e.toString());
            }
        }, "distribute-tls-warmup");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Opens this layer's own connections (probes, watches) from {@code address}, the node's address, as JGroups'
     * connections are (the transport's {@code client_bind_addr}): a peer sees each node as the source it
     * advertises, which is what its per-source limits on unauthenticated connections count.
     */
    public void outgoingFrom(InetAddress address) {
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

    /** What this node tells a prober that holds our cookie. */
    public void probeAnswer(Supplier<byte[]> answer) {
        this.probeAnswer = answer;
    }

    byte[] probeAnswer() {
        byte[] a = probeAnswer.get();
        return a == null ? new byte[0] : a;
    }

    Trust trust() {
        return trust;
    }

    String namePart() {
        return namePart;
    }

    void authenticated() {
        authenticated.incrementAndGet();
    }

    /** Counts a connection dropped before it authenticated; logs once a minute per source at most. */
    void refused(InetAddress source, String why) {
        refused.incrementAndGet();
        if (trust().destroyed()) {
            // this node is closing: handshakes still under way are cut short here, nobody failed to authenticate
            LOG.debug("{}: closed; dropped a handshake from {} ({})", owner, source.getHostAddress(), why);
            return;
        }
        long unlogged = refusalLog.admit(source);
        if (unlogged >= 0) {
            LOG.warn("{}: dropped a connection from {} that did not authenticate ({}{}); further ones from there "
                    + "are counted, not logged, for a minute", owner, source.getHostAddress(), why,
                    PeerLogLimit.since(unlogged));
        }
    }

    /**
     * Counts a connection whose ClientHello showed our key (certificate mode: a trusted certificate) but whose
     * handshake did not finish in time: a cookie holder on a busy peer or machine (many nodes forming at once on few
     * cores do this), or a replayed ClientHello. Not a failure to authenticate, so INFO, at most once a minute per
     * source.
     */
    void slowHandshake(InetAddress source, String why) {
        refused.incrementAndGet();
        if (trust().destroyed()) {
            LOG.debug("{}: closed; dropped a handshake from {} ({})", owner, source.getHostAddress(), why);
            return;
        }
        long unlogged = slowLog.admit(source);
        if (unlogged >= 0) {
            LOG.info("{}: a handshake from {} showed our cookie{} but did not finish in time ({}{}): a busy peer or "
                    + "machine, or a replayed ClientHello; further ones from there are counted, not logged, for a "
                    + "minute", owner, source.getHostAddress(), trust().certificateMode() ? " (a trusted certificate)"
                    : "", why, PeerLogLimit.since(unlogged));
        }
    }

    /**
     * Counts a connection that ended before it authenticated without sign of a wrong cookie (its peer hung up, or
     * asked for another node by name); logged at DEBUG only (see its caller).
     */
    void droppedHarmless(InetAddress source, String why) {
        refused.incrementAndGet();
        LOG.debug("{}: a connection from {} ended before it authenticated ({})", owner, source.getHostAddress(), why);
    }

    /** Connections dropped before they authenticated. */
    public long refusedConnections() {
        return refused.get();
    }

    /** Datagrams dropped because they did not open: forged, tampered, replayed, or sealed under another cookie. */
    public long droppedDatagrams() {
        return seal.dropped();
    }

    /** Handshakes that completed as the accepting side. */
    public long authenticatedConnections() {
        return authenticated.get();
    }

    // ------------------------------------------------------------------------------------------------ watching

    /** Watch connections this node accepted, newest last; a ring has one watcher per node, older ones are stale. */
    private final java.util.ArrayDeque<Socket> watchers = new java.util.ArrayDeque<>();
    private static final int MAX_WATCHERS = 4;
    private boolean farewell;

    /** Keeps an accepted watch connection open; false if this node is already saying goodbye. */
    boolean watched(Socket s) {
        synchronized (watchers) {
            if (farewell) {
                return false;
            }
            watchers.addLast(s);
            while (watchers.size() > MAX_WATCHERS) {
                closeQuietly(watchers.removeFirst());
            }
            return true;
        }
    }

    /** Tells every watcher this node is leaving on purpose (one byte), then closes their connections. */
    public void farewell() {
        List<Socket> all;
        synchronized (watchers) {
            farewell = true;
            all = new ArrayList<>(watchers);
            watchers.clear();
        }
        for (Socket s : all) {
            try {
                s.getOutputStream().write(Watch.BYE);
                s.getOutputStream().flush();
            } catch (IOException e) {
                // the watcher is gone already
            }
            closeQuietly(s);
        }
    }

    /**
     * Holds an authenticated connection open to the node named {@code name} at {@code target}; when it closes
     * without that node's goodbye, its process is gone (its kernel closed the socket) and {@code onCrash} runs.
     * Connecting and waiting happen on a thread of the watch's own; {@link Watch#cancel()} ends it.
     */
    public Watch watch(InetSocketAddress target, String name, int timeoutMillis, Runnable onCrash) {
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

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    /** A listener for probes only (stacks whose transport is not TCP), bound to {@code address}. */
    public ServerSocket probeListener(InetSocketAddress address) throws IOException {
        ServerSocket s = new SecureServerSocket(this, false);
        try {
            s.setReuseAddress(true);
            s.bind(address, 50);
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    // ------------------------------------------------------------------------------------------------- probing

    /** What a probe of one port found. */
    public sealed interface ProbeResult {
        /** The named node answered with its description. */
        record Answer(byte[] body) implements ProbeResult {}

        /** A node of that name is there and failed our cookie (its PSK binder check). */
        record CookieRejected() implements ProbeResult {}

        /** A TLS peer that is not the named node (another node of ours, or of another cluster). */
        record OtherNode() implements ProbeResult {}

        /** Nothing listens there. */
        record Refused() implements ProbeResult {}

        /** Something listens but gave no usable answer: not TLS, closed, or too slow. */
        record NoAnswer(String why) implements ProbeResult {}

        /** No TCP connection could be opened in time: the host drops packets (blackholed, firewalled) or is down. */
        record NoConnection(String why) implements ProbeResult {}
    }

    /** Asks the port {@code target} whether it is the node named {@code name} (the part before '@'). */
    public ProbeResult probe(InetSocketAddress target, String name, int timeoutMillis) {
        return probe(target, name, timeoutMillis, c -> { });
    }

    /** As {@link #probe(InetSocketAddress, String, int)}; {@code track} gets the socket, to close it early. */
    public ProbeResult probe(InetSocketAddress target, String name, int timeoutMillis,
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
        } catch (TlsSocket.HandshakeFailed e) {
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

    // ------------------------------------------------------------------------------------------ SocketFactory

    @Override
    public Socket createSocket(String serviceName) {
        return new TlsSocket(trust, TlsPeers.JGROUPS_IDENTITY);
    }

    @Override
    public Socket createSocket(String serviceName, String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(String serviceName, InetAddress address, int port) throws IOException {
        return connected(new InetSocketAddress(address, port), null);
    }

    @Override
    public Socket createSocket(String serviceName, String host, int port, InetAddress localAddr, int localPort)
            throws IOException {
        return connected(new InetSocketAddress(host, port), new InetSocketAddress(localAddr, localPort));
    }

    @Override
    public Socket createSocket(String serviceName, InetAddress address, int port, InetAddress localAddr,
                               int localPort) throws IOException {
        return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddr, localPort));
    }

    private Socket connected(InetSocketAddress to, SocketAddress local) throws IOException {
        Socket s = createSocket("distribute");
        if (local != null) {
            s.bind(local);
        }
        s.connect(to);
        return s;
    }

    @Override
    public ServerSocket createServerSocket(String serviceName) throws IOException {
        return new SecureServerSocket(this, true);
    }

    @Override
    public ServerSocket createServerSocket(String serviceName, int port) throws IOException {
        return createServerSocket(serviceName, port, 50, null);
    }

    @Override
    public ServerSocket createServerSocket(String serviceName, int port, int backlog) throws IOException {
        return createServerSocket(serviceName, port, backlog, null);
    }

    @Override
    public ServerSocket createServerSocket(String serviceName, int port, int backlog, InetAddress bindAddr)
            throws IOException {
        ServerSocket s = createServerSocket(serviceName);
        s.bind(new InetSocketAddress(bindAddr, port), backlog);
        return s;
    }

    @Override
    public SocketChannel createSocketChannel(String serviceName) throws IOException {
        throw unsupported(serviceName);
    }

    @Override
    public ServerSocketChannel createServerSocketChannel(String serviceName) throws IOException {
        throw unsupported(serviceName);
    }

    private static IOException unsupported(String serviceName) {
        return new IOException(serviceName + ": NIO sockets would bypass distribute's secure connection layer");
    }

    // Every datagram socket seals what it sends and opens what it receives (see DatagramSeal): UDP's unicast and
    // multicast sockets are MulticastSockets, and one kind serves every call.

    @Override
    public DatagramSocket createDatagramSocket(String serviceName) throws SocketException {
        return sealed((SocketAddress) new InetSocketAddress(0));
    }

    @Override
    public DatagramSocket createDatagramSocket(String serviceName, SocketAddress bindaddr) throws SocketException {
        return sealed(bindaddr);
    }

    @Override
    public DatagramSocket createDatagramSocket(String serviceName, int port) throws SocketException {
        return sealed((SocketAddress) new InetSocketAddress(port));
    }

    @Override
    public DatagramSocket createDatagramSocket(String serviceName, int port, InetAddress laddr) throws SocketException {
        return sealed((SocketAddress) new InetSocketAddress(laddr, port));
    }

    @Override
    public MulticastSocket createMulticastSocket(String serviceName) throws IOException {
        return sealed((SocketAddress) new InetSocketAddress(0));
    }

    @Override
    public MulticastSocket createMulticastSocket(String serviceName, int port) throws IOException {
        return sealed((SocketAddress) new InetSocketAddress(port));
    }

    @Override
    public MulticastSocket createMulticastSocket(String serviceName, SocketAddress bindaddr) throws IOException {
        return sealed(bindaddr);
    }

    private SealedMulticastSocket sealed(SocketAddress bindaddr) throws SocketException {
        try {
            return new SealedMulticastSocket(seal, bindaddr);
        } catch (SocketException e) {
            throw e;
        } catch (IOException e) {
            throw (SocketException) new SocketException(e.getMessage()).initCause(e);
        }
    }

    @Override
    public void close(Socket sock) throws IOException {
        if (sock != null) {
            sock.close();
        }
    }

    @Override
    public void close(ServerSocket sock) throws IOException {
        if (sock != null) {
            sock.close();
        }
    }

    @Override
    public void close(DatagramSocket sock) {
        if (sock != null) {
            sock.close();
        }
    }

    @Override
    public String toString() {
        return "SecureLayer[" + owner + ", TLS 1.3 " + (trust.certificateMode() ? "certificates" : "PSK")
                + ", keys redacted]";
    }

    /** Zeroes the key copy; the layer is unusable afterwards. */
    public void destroy() {
        trust.destroy();
    }
}
