package io.distribute.internal;

import org.jgroups.PhysicalAddress;
import org.jgroups.protocols.TCP;

/**
 * JGroups' TCP, except that a missing connection is opened off the sender thread (see {@link ConnectionOpener}).
 * Same wire format (the transport's protocol id); {@link Stacks} puts it in place of TCP.
 */
public class TcpTransport extends TCP {

    private volatile ConnectionOpener<PhysicalAddress> opener;

    @Override
    public void start() throws Exception {
        super.start();
        opener = new ConnectionOpener<>(new ConnectionOpener.Sender<>() {
            @Override
            public void send(PhysicalAddress peer, byte[] data, int offset, int length) throws Exception {
                TcpTransport.super.sendUnicast(peer, data, offset, length);
            }

            @Override
            public void connect(PhysicalAddress peer) throws Exception {
                srv.getConnection(peer);
            }

            @Override
            public void close(PhysicalAddress peer) {
                srv.closeConnection(peer);
            }
        }, String.valueOf(getAddress()));
    }

    /**
     * Starts opening a connection to {@code dest} now, in the background, for messages that will follow: its TLS
     * handshake then overlaps other work instead of delaying the first of them.
     */
    public void prepareConnection(PhysicalAddress dest) {
        ConnectionOpener<PhysicalAddress> o = opener;
        if (o != null && dest != null && !dest.equals(getPhysicalAddress())) {
            o.prepare(dest, srv.connectionEstablishedTo(dest));
        }
    }

    /**
     * Closes the connection to {@code dest} that {@link #prepareConnection} opened or is opening, unless messages
     * wait for it (a later message opens a new one).
     */
    public void closeConnection(PhysicalAddress dest) {
        ConnectionOpener<PhysicalAddress> o = opener;
        if (o != null) {
            o.abandon(dest);
        }
        srv.closeConnection(dest);
    }

    /** Sends at once if the connection to {@code dest} is open, else queues behind its opening. */
    @Override
    public void sendUnicast(PhysicalAddress dest, byte[] data, int offset, int length) throws Exception {
        ConnectionOpener<PhysicalAddress> o = opener;
        if (o == null || !o.offer(dest, srv.connectionEstablishedTo(dest), data, offset, length)) {
            super.sendUnicast(dest, data, offset, length);
        }
    }

    @Override
    public void stop() {
        ConnectionOpener<PhysicalAddress> o = opener;
        if (o != null) {
            o.close();
        }
        super.stop();
    }
}
