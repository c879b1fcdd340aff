package io.distribute.internal;

import org.jgroups.logging.CustomLogFactory;
import org.jgroups.logging.Log;
import org.jgroups.logging.LogFactory;
import org.jgroups.logging.Slf4jLogImpl;

/**
 * Routes JGroups' logging to SLF4J (JGroups prefers log4j2 when it is on the classpath), and logs at DEBUG the
 * ERROR and WARN lines JGroups writes when it closes a connection in normal operation.
 *
 * <p>That ERROR is {@code TcpConnection.closeGracefully}'s "failed sending graceful close to X: ...". The node is
 * closing that connection on purpose and the note only tells the peer not to suspect it; it fails when the
 * connection is already gone at either end: two members closing at the same time (each one's receiver thread closes
 * the connection on the other's graceful close while its own stop is about to write one on it: "Socket closed"), or a
 * member that left and closed its end before the others dropped their connections to it ("Broken pipe",
 * "Connection reset"). Nothing is lost either way. Any other failure keeps its level.
 *
 * <p>The other is a receiver thread reading from a connection JGroups has just closed itself ({@code
 * TcpConnection.doClose} closes the connection's buffered input stream under its receiver): on a normal stop, and
 * when two members connected to each other at the same moment and JGroups drops one of the two connections. The
 * receiver then fails with "Stream closed" from that buffer, logged as "failed handling message" (WARN, with a stack
 * trace) or JGRP000030 "failed handling incoming message" (ERROR). What was in flight on a dropped connection is
 * retransmitted by the reliable protocols. Only that exact failure (an {@code IOException} "Stream closed" thrown by
 * {@code BufferedInputStream}) is lowered; the secure layer reports its own stream failures as {@code SocketException}.
 *
 * <p>JGroups' SLF4J adapter formats a message with arguments before it asks whether the level is on, and JGroups
 * calls some of those unguarded on busy paths: its acceptor formatted "accepted connection from %s" (two addresses,
 * each through {@code String.format}) for every connection, at TRACE, with TRACE off. Here a disabled level costs
 * nothing.
 */
public final class JGroupsLogging implements CustomLogFactory {

    /** The format of JGroups 5.5's message (TcpConnection.closeGracefully); a change there makes it ERROR again. */
    static final String GRACEFUL_CLOSE_FAILED = "%s: failed sending graceful close to %s: %s";
    /**
     * The messages for a write on a connection already closed: here (the JDK's for the socket, BouncyCastle's for the
     * TLS connection on it, whichever layer notices first) or by the peer (the JDK's for a pipe the peer closed).
     */
    static final java.util.Set<String> ALREADY_CLOSED = java.util.Set.of("Socket closed",
            "Cannot write application data on closed/failed TLS connection", "Broken pipe", "Connection reset",
            "Connection reset by peer");

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
        return new ShutdownAware(category(clazz).getName());
    }

    /**
     * The stock protocol a class of ours stands in for (MembershipGms for pbcast.GMS, TcpTransport for TCP, ...):
     * JGroups' own lines keep the category users configure, and GMS' INFO lines stay below our INFO default.
     * Protocols of our own (direct subclasses of Protocol) keep their names.
     */
    static Class<?> category(Class<?> clazz) {
        Class<?> c = clazz;
        while (c.getName().startsWith("io.distribute.") && c.getSuperclass() != null) {
            c = c.getSuperclass();
        }
        return c.getName().startsWith("org.jgroups.") && c != org.jgroups.stack.Protocol.class ? c : clazz;
    }

    @Override
    public Log getLog(String category) {
        return new ShutdownAware(category);
    }

    /** The failure of a read from a buffered stream closed under the reader, as JGroups' own close causes it. */
    static boolean readFromClosedStream(Throwable t) {
        if (t == null || t.getClass() != java.io.IOException.class || !"Stream closed".equals(t.getMessage())) {
            return false;
        }
        StackTraceElement[] at = t.getStackTrace();
        return at.length > 0 && at[0].getClassName().equals("java.io.BufferedInputStream");
    }

    /** SLF4J, with the shutdown race's message at DEBUG. */
    static final class ShutdownAware extends Slf4jLogImpl {
        ShutdownAware(String category) {
            super(category);
        }

        @Override
        public void trace(String format, Object... args) {
            if (isTraceEnabled()) {
                super.trace(format, args);
            }
        }

        @Override
        public void debug(String format, Object... args) {
            if (isDebugEnabled()) {
                super.debug(format, args);
            }
        }

        @Override
        public void info(String format, Object... args) {
            if (isInfoEnabled()) {
                super.info(format, args);
            }
        }

        @Override
        public void warn(String format, Object... args) {
            if (isWarnEnabled()) {
                super.warn(format, args);
            }
        }

        @Override
        public void error(String format, Object... args) {
            if (GRACEFUL_CLOSE_FAILED.equals(format) && args != null && args.length == 3
                    && ALREADY_CLOSED.contains(String.valueOf(args[2]))) {
                debug(format, args);
            } else {
                super.error(format, args);
            }
        }

        @Override
        public void error(String msg, Throwable t) {
            if (readFromClosedStream(t)) {
                debug(msg + ": " + t);
            } else {
                super.error(msg, t);
            }
        }

        @Override
        public void warn(String msg, Throwable t) {
            if (readFromClosedStream(t)) {
                debug(msg + ": " + t);
            } else {
                super.warn(msg, t);
            }
        }
    }
}
