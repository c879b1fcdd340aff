package io.distribute.internal.secure;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link MulticastSocket} that seals every datagram it sends and opens every datagram it receives with a
 * {@link DatagramSeal}, so that JGroups' UDP transport (which uses MulticastSockets for both its unicast and its
 * multicast socket, made by its SocketFactory) never parses a byte that was not sealed with the cluster key.
 *
 * <p>Sending seals the packet's bytes as sent from this socket's bound address, which is the source address the
 * receivers see and authenticate. The socket must therefore be bound to a concrete address before it sends (JGroups
 * binds to its bind_addr); for a socket bound to the wildcard address a sender address can be given, else receivers
 * will see another source than the one sealed and drop the datagrams. Receiving drops, counts and logs (once a
 * minute per source address at most, see {@link PeerLogLimit}) whatever does not open and waits for the next
 * datagram; a drop never throws, because JGroups would log an error for each. With a receive timeout set, each
 * dropped datagram restarts the timeout.
 */
public class SealedMulticastSocket extends MulticastSocket {

    private static final Logger LOG = LoggerFactory.getLogger(SealedMulticastSocket.class);

    private final DatagramSeal seal;
    private final InetSocketAddress configuredSender;
    private final AtomicLong drops = new AtomicLong();
    private final PeerLogLimit<java.net.InetAddress> dropLog = PeerLogLimit.perMinute();
    private final AtomicBoolean warnedWildcard = new AtomicBoolean();
    private volatile InetSocketAddress sender;

    /**
     * A sealed socket bound to {@code bindaddr}, or unbound (to be bound later) if it is null, like
     * {@link MulticastSocket#MulticastSocket(SocketAddress)}; it seals as sent from its bound address.
     */
    public SealedMulticastSocket(DatagramSeal seal, SocketAddress bindaddr) throws IOException {
        this(seal, bindaddr, null);
    }

    /**
     * A sealed socket bound to {@code bindaddr} (null: unbound) that seals as sent from {@code sender}; a null sender,
     * or a wildcard address or port 0 in it, is filled in from the socket's bound address when it first sends.
     */
    public SealedMulticastSocket(DatagramSeal seal, SocketAddress bindaddr, InetSocketAddress sender)
            throws IOException {
        super(bindaddr);
        if (seal == null) {
            close();
            throw new NullPointerException("seal");
        }
        this.seal = seal;
        this.configuredSender = sender;
    }

    /** A sealed socket bound to the wildcard address and {@code port}, like {@link MulticastSocket#MulticastSocket(int)}. */
    public SealedMulticastSocket(DatagramSeal seal, int port) throws IOException {
        this(seal, new InetSocketAddress(port));
    }

    /** The seal this socket uses (shared by the node's sockets). */
    public DatagramSeal seal() {
        return seal;
    }

    /** Datagrams this socket received and dropped. */
    public long dropped() {
        return drops.get();
    }

    /** Seals {@code p}'s bytes (offset and length) and sends them to {@code p}'s destination; {@code p} is unchanged. */
    @Override
    public void send(DatagramPacket p) throws IOException {
        transmit(sealed(p));
    }

    /** Seals like {@link #send(DatagramPacket)}, with the given time to live. */
    @Override
    @Deprecated
    @SuppressWarnings("deprecation")
    public void send(DatagramPacket p, byte ttl) throws IOException {
        super.send(sealed(p), ttl);
    }

    /**
     * Receives the next datagram that opens: its payload is copied into {@code p}'s buffer at {@code p}'s offset and
     * {@code p}'s length set to it; {@code p}'s address is its source. The whole buffer from the offset is used each
     * time, whatever length {@code p} was left with.
     */
    @Override
    public void receive(DatagramPacket p) throws IOException {
        while (true) {
            byte[] buf = p.getData();
            int off = p.getOffset();
            p.setLength(buf.length - off); // DatagramPacket shrinks to the last length set; take the whole buffer
            super.receive(p);
            InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
            DatagramSeal.Opened opened = seal.openDetailed(from, buf, off, p.getLength());
            byte[] plain = opened.plain();
            if (plain != null) {
                System.arraycopy(plain, 0, buf, off, plain.length);
                p.setLength(plain.length);
                return;
            }
            logDrop(from, opened.drop());
        }
    }

    /** Hands a sealed packet to the network; tests override it to capture what was sent. */
    void transmit(DatagramPacket sealedPacket) throws IOException {
        super.send(sealedPacket);
    }

    private DatagramPacket sealed(DatagramPacket p) throws IOException {
        Objects.requireNonNull(p, "packet");
        byte[] out = seal.seal(senderAddress(), p.getData(), p.getOffset(), p.getLength());
        InetAddress to = p.getAddress();
        return to == null ? new DatagramPacket(out, out.length) : new DatagramPacket(out, out.length, to, p.getPort());
    }

    /** The address sealed into each datagram: the configured sender, completed from the bound address. */
    private InetSocketAddress senderAddress() throws SocketException {
        InetSocketAddress s = sender;
        if (s != null) {
            return s;
        }
        if (isClosed()) {
            throw new SocketException("Socket is closed");
        }
        if (!isBound()) {
            throw new SocketException("a sealed socket must be bound before it sends: receivers authenticate the "
                    + "source address, which an implicit wildcard bind leaves unknown");
        }
        InetSocketAddress c = configuredSender;
        InetAddress ip = c != null && c.getAddress() != null && !c.getAddress().isAnyLocalAddress()
                ? c.getAddress() : getLocalAddress();
        int port = c != null && c.getPort() != 0 ? c.getPort() : getLocalPort();
        if (ip.isAnyLocalAddress() && warnedWildcard.compareAndSet(false, true)) {
            LOG.warn("Sealed socket {} is bound to the wildcard address and has no sender address: receivers will see "
                    + "another source address and drop its datagrams", getLocalSocketAddress());
        }
        s = new InetSocketAddress(ip, port);
        sender = s;
        return s;
    }

    private void logDrop(InetSocketAddress from, DatagramSeal.Drop why) {
        long n = drops.incrementAndGet();
        long unlogged = dropLog.admit(from.getAddress());
        if (unlogged >= 0) {
            LOG.warn("Dropped a datagram from {} on {}: {} ({} dropped on this socket{}); further ones from there are "
                    + "counted, not logged, for a minute", from, getLocalSocketAddress(), why, n,
                    PeerLogLimit.since(unlogged));
        }
    }
}
