package io.distribute.internal.secure;

import org.jgroups.util.SocketFactory;

import java.io.IOException;
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
import java.util.function.Supplier;

/**
 * One node's secure connection layer, plugged in below JGroups as its transport's {@link SocketFactory}: every TCP
 * socket JGroups opens or accepts is a {@link TlsSocket} keyed by the cluster's PSK. Sockets that would bypass it
 * (NIO channels, as TCP_NIO2 and FD_SOCK2 use) cannot be made: the stack check refuses those protocols first, and
 * this factory fails them if one slips through.
 *
 * <p>It also answers and makes probes: a TLS connection to a port that asks "are you node {@code name}?" and gets the
 * node's own description back (see {@link #probe}).
 *
 * <p>Its parts: {@link AcceptingSide} (what its listening sockets answer and count), {@link OwnConnections} (the
 * probes and watches it opens itself), {@link TlsWarmUp} (once per JVM).
 */
public final class SecureLayer implements SocketFactory {

    private final Trust trust;
    private final DatagramSeal seal;
    private final String owner;
    private final AcceptingSide accepting;
    private final OwnConnections own;

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
        TlsWarmUp.once();
        this.seal = new DatagramSeal(sealKey);
        this.owner = owner;
        this.accepting = new AcceptingSide(trust, namePart, owner);
        this.own = new OwnConnections(trust, owner);
    }

    /**
     * Opens this layer's own connections (probes, watches) from {@code address}, the node's address, as JGroups'
     * connections are (see {@link OwnConnections#outgoingFrom}).
     */
    public void outgoingFrom(InetAddress address) {
        own.outgoingFrom(address);
    }

    /** What this node tells a prober that holds our cookie. */
    public void probeAnswer(Supplier<byte[]> answer) {
        accepting.probeAnswer(answer);
    }

    /** Connections dropped before they authenticated. */
    public long refusedConnections() {
        return accepting.handshakes().refusedConnections();
    }

    /** Datagrams dropped because they did not open: forged, tampered, replayed, or sealed under another cookie. */
    public long droppedDatagrams() {
        return seal.dropped();
    }

    /** Handshakes that completed as the accepting side. */
    public long authenticatedConnections() {
        return accepting.handshakes().authenticatedConnections();
    }

    // ------------------------------------------------------------------------------------------------ watching

    /** Tells every watcher this node is leaving on purpose (one byte), then closes their connections. */
    public void farewell() {
        accepting.watchers().farewell();
    }

    /**
     * Holds an authenticated connection open to the node named {@code name} at {@code target}; when it closes
     * without that node's goodbye, {@code onCrash} runs (see {@link OwnConnections#watch}).
     */
    public Watch watch(InetSocketAddress target, String name, int timeoutMillis, Runnable onCrash) {
        return own.watch(target, name, timeoutMillis, onCrash);
    }

    /** A listener for probes only (stacks whose transport is not TCP), bound to {@code address}. */
    public ServerSocket probeListener(InetSocketAddress address) throws IOException {
        ServerSocket s = new SecureServerSocket(accepting, false);
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

    /** Asks the port {@code target} whether it is the node named {@code name} (the part before '@'). */
    public ProbeResult probe(InetSocketAddress target, String name, int timeoutMillis) {
        return probe(target, name, timeoutMillis, c -> { });
    }

    /** As {@link #probe(InetSocketAddress, String, int)}; {@code track} gets the socket, to close it early. */
    public ProbeResult probe(InetSocketAddress target, String name, int timeoutMillis,
                             java.util.function.Consumer<java.io.Closeable> track) {
        return own.probe(target, name, timeoutMillis, track);
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
        return new SecureServerSocket(accepting, true);
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
