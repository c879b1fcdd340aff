package io.distribute.internal;

import io.distribute.cluster.StartError;

import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.file.AccessDeniedException;

/** Maps what goes wrong while a node binds and starts to the typed {@link StartError} a caller can act on. */
final class StartErrors {

    private StartErrors() {
    }

    /**
     * The typed error for an exception from binding or starting the channel; null means "this port is in use, try
     * the next one".
     */
    static StartError classify(Throwable t, String where) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String msg = String.valueOf(c.getMessage());
            String lower = msg.toLowerCase(java.util.Locale.ROOT);
            if (c instanceof SecurityException && lower.contains("authentication failed")) {
                // Connections are authenticated below JGroups, so a refused join is not a cookie question.
                return new StartError.StartFailed("the cluster refused this node's join: a member with this name is "
                        + "already in it (names must be unique)");
            }
            if (c instanceof AccessDeniedException || lower.contains("permission denied")
                    || lower.contains("operation not permitted") || c instanceof SecurityException
                    && !lower.contains("cookie")) {
                return new StartError.SystemError("cannot bind " + where + ": " + msg);
            }
            if (lower.startsWith("failed to open a port in range") && lower.contains("already in use")) {
                return null; // UDP wraps its BindException in a plain Exception
            }
            if (c instanceof BindException || c instanceof SocketException) {
                if (lower.contains("already in use") || lower.contains("no available port")) {
                    return null;
                }
                if (lower.contains("cannot assign requested address")) {
                    return new StartError.NetworkError("cannot bind " + where + ": not an address of this machine");
                }
                return new StartError.NetworkError("cannot bind " + where + ": " + msg);
            }
        }
        String msg = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
        return new StartError.StartFailed("cannot start the channel on " + where + ": " + msg);
    }

    /** Null if {@code host} is an address of this machine, else the reason it is not. */
    static String notLocal(InetAddress host) {
        if (host.isAnyLocalAddress()) {
            return "cannot use the wildcard address " + host.getHostAddress() + ": name the node by a real address";
        }
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(host, 0))) {
            return null;
        } catch (SocketException e) {
            return "host " + host.getHostAddress() + " is not an address of this machine (" + e.getMessage() + ")";
        }
    }
}
