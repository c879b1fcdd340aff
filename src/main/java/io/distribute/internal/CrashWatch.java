package io.distribute.internal;

import io.distribute.internal.secure.SecureLayer;
import org.jgroups.Address;
import org.jgroups.PhysicalAddress;
import org.jgroups.View;
import org.jgroups.stack.IpAddress;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Crash detection for transports without connections (udp): each member holds one authenticated TCP connection to
 * the next member in the view (the ring FD_SOCK2 uses, but through the secure layer). A node that leaves says
 * goodbye on it first; when it closes without one, the node's process is gone and its kernel closed the socket.
 */
final class CrashWatch {

    private final SecureLayer layer;
    private final Function<Address, PhysicalAddress> where;
    private final Consumer<Address> crashed;
    private final int timeoutMillis;
    private Address watched;
    private io.distribute.internal.secure.Watch watch;

    CrashWatch(SecureLayer layer, Function<Address, PhysicalAddress> where, Consumer<Address> crashed,
               int timeoutMillis) {
        this.layer = layer;
        this.where = where;
        this.crashed = crashed;
        this.timeoutMillis = timeoutMillis;
    }

    /** Watches the member after {@code self} in {@code view} (none when alone). */
    synchronized void viewChanged(View view, Address self) {
        Address next = successor(view.getMembers(), self);
        if (next != null && next.equals(watched)) {
            return;
        }
        stop();
        PhysicalAddress p = next == null ? null : where.apply(next);
        String name = NodeAddress.nameOf(next);
        if (p instanceof IpAddress ip && name != null) {
            watched = next;
            int at = name.indexOf('@');
            watch = layer.watch(new InetSocketAddress(ip.getIpAddress(), ip.getPort()),
                    at < 0 ? name : name.substring(0, at), timeoutMillis, () -> crashed.accept(next));
        }
    }

    /** Stops watching. */
    synchronized void stop() {
        if (watch != null) {
            watch.cancel();
        }
        watch = null;
        watched = null;
    }

    static Address successor(List<Address> members, Address self) {
        int i = members.indexOf(self);
        if (i < 0 || members.size() < 2) {
            return null;
        }
        return members.get((i + 1) % members.size());
    }
}
