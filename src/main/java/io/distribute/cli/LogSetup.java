package io.distribute.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * Sends the CLI's logs to stderr, so that stdout carries only the command's own lines (membership events, pong),
 * each line stamped in UTC as the event lines are.
 * Applied only when logback is the SLF4J backend and no {@code -Dlogback.configurationFile} was given.
 */
final class LogSetup {

    private LogSetup() {
    }

    static void configure(String level) {
        if (System.getProperty("logback.configurationFile") != null) {
            return;
        }
        try {
            Logback.configure(level);
        } catch (LinkageError e) {
            // logback is not on the classpath (the CLI's classes used from the plain library jar): leave logging as is.
        }
    }

    /** Separate class: loaded only when logback is present. */
    private static final class Logback {
        static void configure(String level) {
            if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
                return;
            }
            Level lvl = Level.toLevel(level == null ? "warn" : level.toUpperCase(Locale.ROOT), Level.WARN);
            ctx.reset();
            PatternLayoutEncoder encoder = new PatternLayoutEncoder();
            encoder.setContext(ctx);
            // The time as on stdout's event lines (EventLine): UTC, ISO-8601, so that both streams line up.
            encoder.setPattern("%d{\"yyyy-MM-dd'T'HH:mm:ss.SSS'Z'\",UTC} %-5level %logger{20} - %msg%n");
            encoder.start();
            ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
            appender.setContext(ctx);
            appender.setTarget("System.err");
            appender.setEncoder(encoder);
            appender.start();
            ch.qos.logback.classic.Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
            root.addAppender(appender);
            root.setLevel(Level.WARN);
            ctx.getLogger("io.distribute").setLevel(lvl);
            ctx.getLogger("org.jgroups").setLevel(lvl.isGreaterOrEqual(Level.WARN) ? Level.ERROR : lvl);
        }
    }
}
