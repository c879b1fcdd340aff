package io.distribute.cli;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line of {@code distribute node}'s output, e.g.
 * {@code 2026-11-26T08:31:02.123Z  NODE_DOWN  c@10.210.0.13  reason=CRASHED size=2}: time (UTC), event, node,
 * reason (NODE_DOWN only), the cluster size as this node sees it after the event (itself included), and details
 * (STARTED only: {@code address=10.210.0.13 port=7800 stack=tcp cluster=distribute}).
 */
public record EventLine(Instant time, String event, String node, String reason, int size, String details) {

    public static final String STARTED = "STARTED";
    public static final String NODE_UP = "NODE_UP";
    public static final String NODE_DOWN = "NODE_DOWN";
    public static final String STOPPING = "STOPPING";
    public static final String STOPPED = "STOPPED";

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Pattern LINE = Pattern.compile("^(\\S+)\\s+(STARTED|NODE_UP|NODE_DOWN|STOPPING|STOPPED)\\s+"
            + "(\\S+)\\s+(?:reason=(\\S+)\\s+)?size=(\\d+)(?:\\s+(\\S.*?))?\\s*$");

    /** A line without details. */
    public EventLine(Instant time, String event, String node, String reason, int size) {
        this(time, event, node, reason, size, null);
    }

    /** The line as printed. */
    public String format() {
        return TIME.format(time) + "  " + String.format("%-10s %s  ", event, node)
                + (reason != null ? "reason=" + reason + " " : "") + "size=" + size
                + (details != null ? " " + details : "");
    }

    /** Parses a line printed by {@link #format()}; empty for any other line. */
    public static Optional<EventLine> parse(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new EventLine(Instant.from(TIME.parse(m.group(1))), m.group(2), m.group(3), m.group(4),
                Integer.parseInt(m.group(5)), m.group(6)));
    }

    @Override
    public String toString() {
        return format();
    }
}
