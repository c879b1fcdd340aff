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
        opener = new ConnectionOpener<>(this::sendNow, String.valueOf(getAddress()));
    }

    /** Sends at once if the connection to {@code dest} is open, else queues behind its opening. */
    @Override
    public void sendUnicast(PhysicalAddress dest, byte[] data, int offset, int length) throws Exception {
        ConnectionOpener<PhysicalAddress> o = opener;
        if (o == null || !o.offer(dest, srv.connectionEstablishedTo(dest), data, offset, length)) {
            super.sendUnicast(dest, data, offset, length);
        }
    }

    private void sendNow(PhysicalAddress dest, byte[] data, int offset, int length) throws Exception {
        super.sendUnicast(dest, data, offset, length);
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
