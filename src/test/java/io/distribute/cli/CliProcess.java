package io.distribute.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A {@code distribute} command in a child process (optionally behind a prefix such as {@code ip netns exec NS}):
 * its stdout lines are kept with their arrival time and parsed as {@link EventLine}s; stdout and stderr also go to
 * {@code target/cli-logs/}. {@link #close()} kills it (SIGKILL) if it still runs.
 */
final class CliProcess implements AutoCloseable {

    final String label;
    final Process process;
    private final List<String> out = new ArrayList<>();
    private final List<String> err = new ArrayList<>();
    private final List<EventLine> events = new ArrayList<>();
    private final List<Long> arrivals = new ArrayList<>();
    private final List<Thread> readers = new ArrayList<>();

    private CliProcess(String label, Process process) {
        this.label = label;
        this.process = process;
        readers.add(read(process.getInputStream(), true));
        readers.add(read(process.getErrorStream(), false));
    }

    /**
     * A suite started in the background by a non-interactive shell ({@code nohup mvn -B verify &}) inherits SIGINT
     * ignored, and so would every CLI started here: a JVM that starts with SIGINT ignored runs no shutdown hook on
     * it, and the SIGINT test saw a node that never stopped. The CLI runs from a terminal or a service manager, where
     * it is not ignored: give its processes the default handling back (coreutils' {@code env}), only when needed.
     */
    private static final List<String> DEFAULT_SIGNALS = sigintIgnored()
            ? List.of("env", "--default-signal=HUP,INT,QUIT") : List.of();

    private static boolean sigintIgnored() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << 1)) != 0; // bit 1: SIGINT
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: nothing to restore
        }
        return false;
    }

    /** Runs {@code prefix + java -cp <test classpath> io.distribute.cli.Main + args} with {@code env} added. */
    static CliProcess start(String label, List<String> prefix, List<String> args, Map<String, String> env)
            throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(DEFAULT_SIGNALS);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx96m",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("DISTRIBUTE_") || k.equals("CLUSTER_COOKIE"));
        pb.environment().putAll(env);
        return new CliProcess(label, pb.start());
    }

    private Thread read(InputStream in, boolean stdout) {
        Thread t = new Thread(() -> {
            Path log = Path.of("target", "cli-logs", label.replaceAll("[^A-Za-z0-9_.-]", "_") + "-"
                    + process.pid() + (stdout ? ".out" : ".err"));
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                 PrintWriter w = open(log)) {
                for (String l; (l = r.readLine()) != null; ) {
                    long now = System.nanoTime();
                    synchronized (this) {
                        (stdout ? out : err).add(l);
                        if (stdout) {
                            Optional<EventLine> e = EventLine.parse(l);
                            if (e.isPresent()) {
                                events.add(e.get());
                                arrivals.add(now);
                            }
                        }
                    }
                    if (w != null) {
                        w.println(l);
                        w.flush();
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "cli-" + label + (stdout ? "-out" : "-err"));
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static PrintWriter open(Path log) {
        try {
            Files.createDirectories(log.getParent());
            return new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return null;
        }
    }

    /** The cluster size after this node's latest event line, 0 before any. */
    synchronized int size() {
        return events.isEmpty() ? 0 : events.get(events.size() - 1).size();
    }

    /** The first {@code event} line about {@code node} (any node if null) that arrived at or after {@code sinceNanos}. */
    synchronized Optional<EventLine> find(String event, String node, long sinceNanos) {
        for (int i = 0; i < events.size(); i++) {
            EventLine e = events.get(i);
            if (arrivals.get(i) >= sinceNanos && e.event().equals(event) && (node == null || e.node().equals(node))) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** When {@code e} (a line of this process) arrived, in {@link System#nanoTime()}. */
    synchronized long arrival(EventLine e) {
        return arrivals.get(events.indexOf(e));
    }

    synchronized List<EventLine> events() {
        return List.copyOf(events);
    }

    synchronized List<String> stdout() {
        return List.copyOf(out);
    }

    synchronized String stderr() {
        return String.join("\n", err);
    }

    /** Waits (bounded) for the process to end and its output to be read; its exit code. */
    int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError(label + " still runs after " + seconds + " s; its last lines: " + tail());
        }
        for (Thread t : readers) {
            t.join(5000);
        }
        return process.exitValue();
    }

    private synchronized List<String> tail() {
        return List.copyOf(out.subList(Math.max(0, out.size() - 3), out.size()));
    }

    /** SIGTERM (without closing our end of its pipes, unlike Process.destroy()). */
    void terminate() {
        process.toHandle().destroy();
    }

    /** SIGKILL. */
    void kill() {
        process.toHandle().destroyForcibly();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public String toString() {
        return label + " (pid " + process.pid() + ")\n  stdout: " + String.join("\n  ", stdout()) + "\n  stderr: "
                + stderr();
    }
}
