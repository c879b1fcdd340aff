package io.distribute.cli;

import io.distribute.cluster.ClusterConfig;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The options {@code node} and {@code ping} share: the cookie's source and the settings of {@link ClusterConfig}.
 * Every value not given as an option comes from {@link ClusterConfig#fromEnvironment()}.
 */
final class NodeSettings {

    @Option(names = "--cookie-file", paramLabel = "PATH",
            description = "read the cookie from PATH (surrounding whitespace trimmed); default: $CLUSTER_COOKIE")
    Path cookieFile;

    @Option(names = "--stack", paramLabel = "FILE|tcp|udp|dns",
            description = "JGroups stack: a bundled one or a stack file (default: tcp, or $DISTRIBUTE_STACK)")
    String stack;

    @Option(names = "--port", paramLabel = "N",
            description = "first port to bind, and where to look for nodes named without a port (default: 7800)")
    Integer port;

    @Option(names = "--port-range", paramLabel = "N",
            description = "ports tried from --port: [port, port+N) (default: 10)")
    Integer portRange;

    @Option(names = "--cluster-name", paramLabel = "NAME",
            description = "only nodes of the same cluster name see each other (default: distribute)")
    String clusterName;

    /** The cookie from --cookie-file, else CLUSTER_COOKIE; a usage error if neither gives one. */
    String cookie(CommandSpec spec) {
        if (cookieFile != null) {
            String c;
            try {
                c = Files.readString(cookieFile, StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                throw usage(spec, "cannot read the cookie file " + cookieFile + ": " + why(e));
            }
            if (c.isEmpty()) {
                throw usage(spec, "the cookie file " + cookieFile + " is empty");
            }
            return c;
        }
        String env = System.getenv("CLUSTER_COOKIE");
        if (env == null || env.isBlank()) {
            throw usage(spec, "no cookie: set CLUSTER_COOKIE or pass --cookie-file PATH "
                    + "(the cookie is never taken from the command line, where every user sees it in ps)");
        }
        return env.trim();
    }

    /** {@link ClusterConfig#fromEnvironment()} overridden by these options, then by {@code more}. */
    ClusterConfig config(CommandSpec spec, Consumer<ClusterConfig.Builder> more) {
        try {
            // The cookie is passed to start on its own (cookie()); the config kept by the command holds none.
            ClusterConfig.Builder b = ClusterConfig.fromEnvironment().toBuilder().cookie(null);
            if (stack != null) {
                b.stack(stack);
            }
            if (port != null) {
                b.port(port);
            }
            if (portRange != null) {
                b.portRange(portRange);
            }
            if (clusterName != null) {
                b.clusterName(clusterName);
            }
            more.accept(b);
            return b.build();
        } catch (IllegalArgumentException e) {
            throw usage(spec, e.getMessage());
        }
    }

    /** Why a file could not be read, without repeating its path (which is all some exceptions' message holds). */
    static String why(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        String m = e.getMessage();
        return m == null || e instanceof FileSystemException ? e.getClass().getSimpleName() : m;
    }

    static CommandLine.ParameterException usage(CommandSpec spec, String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /**
     * Durations with a unit: 500ms, 2s, 1.5s, 2m, or ISO-8601 (PT2S). A bare number is refused: on the command line
     * {@code --failure-detection-timeout 3} reads as 3 seconds to a person but
     * was taken as 3 milliseconds.
     * (Environment variables are read by {@link ClusterConfig#fromEnvironment()}, which keeps its documented rule.)
     */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String s = value.trim().toLowerCase(Locale.ROOT);
            if (s.matches("[0-9]+(\\.[0-9]*)?")) {
                throw new CommandLine.TypeConversionException("'" + value + "' has no unit: give a unit, e.g. " + s + "s");
            }
            try {
                Duration d;
                if (s.startsWith("p")) {
                    d = Duration.parse(s.toUpperCase(Locale.ROOT));
                } else if (s.endsWith("ms")) {
                    d = Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
                } else if (s.endsWith("s")) {
                    d = Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
                } else if (s.endsWith("m")) {
                    d = Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)) * 60);
                } else {
                    throw new NumberFormatException(s);
                }
                if (d.isNegative() || d.isZero()) {
                    throw new CommandLine.TypeConversionException("'" + value + "' must be positive");
                }
                return d;
            } catch (NumberFormatException | DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("'" + value
                        + "' is not a duration (use e.g. 500ms, 2s, 1m or PT2S)");
            }
        }
    }
}
