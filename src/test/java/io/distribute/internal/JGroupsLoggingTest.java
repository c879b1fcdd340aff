package io.distribute.internal;

import ch.qos.logback.classic.Level;
import io.distribute.testing.CapturedLogs;
import org.jgroups.logging.Log;
import org.jgroups.logging.LogFactory;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** JGroups logs through SLF4J, with "failed sending graceful close" on an already closed connection at DEBUG. */
class JGroupsLoggingTest {

    private static final String CATEGORY = "org.jgroups.protocols.TCP";

    /**
     * JGroups' own lines from a protocol we stand in with keep the stock protocol's category, where users configure
     * them (GMS' INFO "no members discovered ..." stays below the org.jgroups WARN default); our own protocols keep
     * theirs.
     */
    @Test
    void standInsLogUnderTheStockProtocolsName() {
        assertEquals(org.jgroups.protocols.pbcast.GMS.class, JGroupsLogging.category(MembershipGms.class));
        assertEquals(org.jgroups.protocols.TCP.class, JGroupsLogging.category(TcpTransport.class));
        assertEquals(org.jgroups.protocols.MERGE3.class, JGroupsLogging.category(StaleViewMerge.class));
        assertEquals(org.jgroups.protocols.TCPPING.class, JGroupsLogging.category(SeedPing.class));
        assertEquals(NodeProtocol.class, JGroupsLogging.category(NodeProtocol.class));
        assertEquals(org.jgroups.protocols.UNICAST3.class, JGroupsLogging.category(org.jgroups.protocols.UNICAST3.class));
    }

    @Test
    void theShutdownRaceIsDebugAndOtherErrorsStayErrors() {
        JGroupsLogging.routeToSlf4j();
        Log log = LogFactory.getLog(org.jgroups.protocols.TCP.class);
        assertInstanceOf(JGroupsLogging.ShutdownAware.class, log);
        try (CapturedLogs logs = new CapturedLogs()) {
            log.error(JGroupsLogging.GRACEFUL_CLOSE_FAILED, "127.0.0.1:7800", "127.0.0.1:7801", "Socket closed");
            log.error(JGroupsLogging.GRACEFUL_CLOSE_FAILED, "127.0.0.1:7800", "127.0.0.1:7801",
                    "Cannot write application data on closed/failed TLS connection");
            // a member that left closed its end first (seen once in a full suite run: CleanShutdownTest)
            log.error(JGroupsLogging.GRACEFUL_CLOSE_FAILED, "127.0.0.1:7800", "127.0.0.1:7801", "Broken pipe");
            log.error(JGroupsLogging.GRACEFUL_CLOSE_FAILED, "127.0.0.1:7800", "127.0.0.1:7801", "Connection reset");
            assertEquals(0, logs.events(e -> e.getLoggerName().equals(CATEGORY)).size(), "at DEBUG, below WARN");

            log.error(JGroupsLogging.GRACEFUL_CLOSE_FAILED, "127.0.0.1:7800", "127.0.0.1:7801", "No buffer space");
            log.error("%s: something else: %s", "127.0.0.1:7800", "Socket closed");
            var errors = logs.atLeast(Level.ERROR, CATEGORY);
            assertEquals(2, errors.size(), CapturedLogs.show(errors));
            assertEquals("127.0.0.1:7800: failed sending graceful close to 127.0.0.1:7801: No buffer space",
                    errors.get(0).getFormattedMessage());
        }
    }

    /**
     * JGroups closes a connection's buffered input under its receiver thread (on stop, and when it drops one of two
     * connections made at the same moment): the receiver's "Stream closed" is DEBUG; other read failures keep their level.
     */
    @Test
    void aReadFromAStreamJGroupsClosedIsDebug() throws Exception {
        JGroupsLogging.routeToSlf4j();
        Log log = LogFactory.getLog(org.jgroups.protocols.TCP.class);
        java.io.BufferedInputStream closed = new java.io.BufferedInputStream(new java.io.ByteArrayInputStream(new byte[8]));
        closed.close();
        java.io.IOException race = null;
        try {
            new java.io.DataInputStream(closed).readInt();
        } catch (java.io.IOException e) {
            race = e;
        }
        assertEquals("Stream closed", race.getMessage());
        try (CapturedLogs logs = new CapturedLogs()) {
            log.warn("127.0.0.1:7800: failed handling message", race);
            log.error("JGRP000030: a@127.0.0.1:7800: failed handling incoming message", race);
            assertEquals(0, logs.events(e -> e.getLoggerName().equals(CATEGORY)).size(), "at DEBUG, below WARN");

            log.warn("127.0.0.1:7800: failed handling message", new java.io.IOException("Stream closed"));
            log.error("JGRP000030: failed handling incoming message", new java.io.IOException("bad message length"));
            log.warn("127.0.0.1:7800: failed handling message", new java.net.SocketException("Stream closed"));
            assertEquals(3, logs.atLeast(Level.WARN, CATEGORY).size(), "not thrown by a closed buffered stream");
        }
    }

    /** A message at a level that is off is never formatted: JGroups' adapter formatted it first, then asked. */
    @Test
    void aDisabledLevelFormatsNothing() {
        JGroupsLogging.routeToSlf4j();
        Log log = LogFactory.getLog(org.jgroups.protocols.TCP.class);
        java.util.concurrent.atomic.AtomicInteger formatted = new java.util.concurrent.atomic.AtomicInteger();
        Object address = new Object() {
            @Override
            public String toString() {
                formatted.incrementAndGet();
                return "127.0.0.1:7800";
            }
        };
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(CATEGORY);
        Level was = logger.getLevel();
        try (CapturedLogs logs = new CapturedLogs()) {
            logger.setLevel(Level.WARN);
            log.trace("%s: accepted connection from %s", address, address);
            log.debug("%s: %s", address, address);
            log.info("%s: %s", address, address);
            assertEquals(0, formatted.get(), "formatted at a level that is off");

            log.warn("%s: warned", address);
            assertEquals(1, formatted.get());
            assertEquals("127.0.0.1:7800: warned", logs.atLeast(Level.WARN, CATEGORY).get(0).getFormattedMessage());
        } finally {
            logger.setLevel(was);
        }
    }
}
