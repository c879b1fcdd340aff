package io.distribute.internal;

import org.jgroups.logging.CustomLogFactory;
import org.jgroups.logging.Log;
import org.jgroups.logging.LogFactory;
import org.jgroups.logging.Slf4jLogImpl;

/**
 * Routes JGroups' logging to SLF4J (JGroups prefers log4j2 when it is on the classpath), and logs at DEBUG the one
 * ERROR JGroups writes in a normal shutdown.
 *
 * <p>That ERROR is {@code TcpConnection.closeGracefully}'s "failed sending graceful close to X: Socket closed": when
 * two members close at the same time, each one's receiver thread closes the connection on the other's graceful close
 * while its own stop is about to write one on it (JGroups checks {@code isClosed()}, then writes). The socket was
 * closed by this node, on purpose, and both sides are leaving: nothing is lost. Other failures keep their level.
 */
public final class JGroupsLogging implements CustomLogFactory {

    /** The format of JGroups 5.5's message (TcpConnection.closeGracefully); a change there makes it ERROR again. */
    static final String GRACEFUL_CLOSE_FAILED = "%s: failed sending graceful close to %s: %s";
    /**
     * The messages for a write on a connection this process closed: the JDK's for the socket, BouncyCastle's for the
     * TLS connection on it (whichever layer notices first).
     */
    static final java.util.Set<String> CLOSED_HERE = java.util.Set.of("Socket closed",
            "Cannot write application data on closed/failed TLS connection");

    private JGroupsLogging() {
    }

    /** Installs this factory for the JVM unless one is set already (an embedder's own stays). */
    public static void routeToSlf4j() {
        synchronized (LogFactory.class) {
            if (LogFactory.getCustomLogFactory() == null) {
                LogFactory.setCustomLogFactory(new JGroupsLogging());
            }
        }
    }

    @Override
    public Log getLog(Class<?> clazz) {
        return new ShutdownAware(clazz.getName());
    }

    @Override
    public Log getLog(String category) {
        return new ShutdownAware(category);
    }

    /** SLF4J, with the shutdown race's message at DEBUG. */
    static final class ShutdownAware extends Slf4jLogImpl {
        ShutdownAware(String category) {
            super(category);
        }

        @Override
        public void error(String format, Object... args) {
            if (GRACEFUL_CLOSE_FAILED.equals(format) && args != null && args.length == 3
                    && CLOSED_HERE.contains(String.valueOf(args[2]))) {
                debug(format, args);
            } else {
                super.error(format, args);
            }
        }
    }
}
