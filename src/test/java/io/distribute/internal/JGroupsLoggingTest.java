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
}
