package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.PhysicalAddress;
import org.jgroups.View;
import org.jgroups.stack.Protocol;

import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The connections one {@code connect} opens ahead of its messages (see {@link TcpTransport#prepareConnection}): each is
 * a TLS handshake, and opened only as the merge request and then the agreement ping needed them, they came one after
 * the other. A connect that fails closes those that lead to no member of ours, so a node it did not join keeps no
 * connection (and no reader thread at either end) from it.
 */
final class PreparedConnections {

    private final TcpTransport tcp; // null: the transport opens no connections (udp)
    private final Set<PhysicalAddress> opened = new LinkedHashSet<>();

    PreparedConnections(Protocol transport) {
        this.tcp = transport instanceof TcpTransport t ? t : null;
    }

    void open(Collection<PhysicalAddress> peers) {
        if (tcp != null) {
            for (PhysicalAddress p : peers) {
                tcp.prepareConnection(p);
                opened.add(p);
            }
        }
    }

    /** Closes the prepared connections to addresses where no member of {@code view} listens. */
    void closeUnused(View view, NodeProtocol node) {
        if (tcp == null || opened.isEmpty()) {
            return;
        }
        Set<PhysicalAddress> inUse = new HashSet<>();
        if (view != null) {
            for (Address m : view.getMembers()) {
                PhysicalAddress p = node.physicalAddressOf(m);
                if (p != null) {
                    inUse.add(p);
                }
            }
        }
        opened.stream().filter(p -> !inUse.contains(p)).forEach(tcp::closeConnection);
    }
}
