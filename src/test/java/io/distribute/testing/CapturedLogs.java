package io.distribute.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Every log event of this JVM at the configured levels (logback-test.xml: WARN and up, INFO for io.distribute), kept
 * in memory from creation until close, for tests that assert what a node logs. Events from other tests running at the
 * same time in this JVM are caught too: filter by node name or logger.
 */
public final class CapturedLogs implements AutoCloseable {

    private final Logger root;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    public CapturedLogs() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        appender.setContext(ctx);
        appender.start();
        root.addAppender(appender);
    }

    /** The events so far that match {@code filter}, oldest first. */
    public List<ILoggingEvent> events(Predicate<ILoggingEvent> filter) {
        synchronized (appender) { // AppenderBase appends under this lock
            return appender.list.stream().filter(filter).toList();
        }
    }

    /** The events so far at {@code level} or above whose logger starts with one of {@code loggerPrefixes}. */
    public List<ILoggingEvent> atLeast(Level level, String... loggerPrefixes) {
        return events(e -> e.getLevel().isGreaterOrEqual(level)
                && List.of(loggerPrefixes).stream().anyMatch(p -> e.getLoggerName().startsWith(p)));
    }

    /** The formatted messages of {@code events}, one per line with level and logger, for assertion messages. */
    public static String show(List<ILoggingEvent> events) {
        return events.stream().map(e -> e.getLevel() + " " + e.getLoggerName() + " - " + e.getFormattedMessage()
                + (e.getThrowableProxy() != null ? " (" + e.getThrowableProxy().getClassName() + ": "
                + e.getThrowableProxy().getMessage() + ")" : "")).collect(Collectors.joining("\n"));
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
    }
}
