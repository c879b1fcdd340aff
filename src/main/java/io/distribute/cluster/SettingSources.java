package io.distribute.cluster;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Reading {@link ClusterConfig#fromEnvironment()}'s settings from the environment and system properties: which source
 * wins (a system property over an environment variable, both over the default), and how a value's text is parsed into
 * an integer, a boolean, a list or a duration. An invalid value's exception names the variable or property it came
 * from.
 */
final class SettingSources {

    private SettingSources() {
    }

    /**
     * {@link ClusterConfig#fromEnvironment()} over explicit sources, for tests: the defaults overridden by {@code env}
     * and then by {@code sysprops}, each {@link Setting} by its own name.
     */
    static ClusterConfig read(Map<String, String> env, Function<String, String> sysprops) {
        ClusterConfig.Builder b = ClusterConfig.builder();
        for (Setting s : Setting.values()) {
            String value = sysprops.apply(s.property);
            String source = "system property " + s.property;
            if (value == null) {
                value = env.get(s.variable);
                source = "environment variable " + s.variable;
            }
            if (value == null || value.isBlank()) {
                continue;
            }
            try {
                s.apply(b, value.trim());
            } catch (IllegalArgumentException e) {
                // The cookie's value is never echoed.
                String shown = s == Setting.COOKIE ? "" : " ('" + value.trim() + "')";
                throw new IllegalArgumentException(source + shown + ": " + e.getMessage(), e);
            }
        }
        return b.build();
    }

    static int parseInt(String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an integer");
        }
    }

    static boolean parseBoolean(String v) {
        if (v.equalsIgnoreCase("true") || v.equals("1") || v.equalsIgnoreCase("yes") || v.equalsIgnoreCase("on")) {
            return true;
        }
        if (v.equalsIgnoreCase("false") || v.equals("0") || v.equalsIgnoreCase("no") || v.equalsIgnoreCase("off")) {
            return false;
        }
        throw new IllegalArgumentException("not a boolean (use true or false)");
    }

    static List<String> splitList(String v) {
        List<String> out = new ArrayList<>();
        for (String s : v.split("[,\\s]+")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    /** Parses {@code 500ms}, {@code 5s}, {@code 2m}, a plain number of milliseconds, or ISO-8601 ({@code PT5S}). */
    static Duration parseDuration(String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.startsWith("pt") || s.startsWith("p")) {
                return Duration.parse(v.trim().toUpperCase(Locale.ROOT));
            }
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2).trim()));
            }
            if (s.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1).trim()) * 1000));
            }
            if (s.endsWith("m")) {
                return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1).trim()) * 60);
            }
            return Duration.ofMillis(Long.parseLong(s));
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException("not a duration (use e.g. 500ms, 5s, 2m or PT5S)");
        }
    }
}
