package io.distribute.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A {@link NodesProcess} (several nodes in one child JVM) seen from a test: what its nodes printed (kept, each line
 * with the time it was read), their current member lists, and kill -9 of the whole JVM by its PID.
 */
public final class ChildNodes implements AutoCloseable {

    /** A line the child printed and when it was read ({@link System#nanoTime()}). */
    public record Line(long nanos, String text) {}

    public final String id;
    public final List<String> names;
    private final Process process;
    private final PrintWriter stdin;
    private final List<Line> lines = new ArrayList<>();

    private ChildNodes(String id, List<String> names, Process process) {
        this.id = id;
        this.names = List.copyOf(names);
        this.process = process;
        this.stdin = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread reader = new Thread(this::read, "child-nodes-" + id);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code names} at once in a new JVM, prefixed by {@code prefix} (e.g. {@code ip netns exec NS}), each
     * with {@code seeds}; returns at once (see {@link #started()}).
     */
    public static ChildNodes start(String id, List<String> prefix, String cookie, long failureDetectionMs,
                                   List<String> seeds, List<String> names) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx192m",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djgroups.log.level=ERROR",
                "-Ddistribute.log.level=WARN", "-cp", System.getProperty("java.class.path"),
                NodesProcess.class.getName(), String.valueOf(failureDetectionMs), String.join(",", seeds)));
        cmd.addAll(names);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("CLUSTER_COOKIE", cookie);
        return new ChildNodes(id, names, pb.start());
    }

    private void read() {
        Path log = Path.of("target", "child-logs", id + "-" + process.pid() + ".log");
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter out = openLog(log)) {
            for (String l; (l = r.readLine()) != null; ) {
                synchronized (lines) {
                    lines.add(new Line(System.nanoTime(), l));
                }
                if (out != null) {
                    out.println(l);
                    out.flush();
                }
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    private static PrintWriter openLog(Path log) {
        try {
            Files.createDirectories(log.getParent());
            return new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return null;
        }
    }

    /** Lines printed so far that start with {@code prefix}. */
    public List<Line> lines(String prefix) {
        synchronized (lines) {
            return lines.stream().filter(l -> l.text().startsWith(prefix)).toList();
        }
    }

    /** How many of its nodes have started. */
    public int started() {
        return lines("READY ").size();
    }

    /** {@code NodeDown} events its nodes got for {@code node} since {@code sinceNanos}: node index to reason. */
    public Map<Integer, String> downs(String node, long sinceNanos) {
        Map<Integer, String> seen = new TreeMap<>();
        for (Line l : lines("EVENT ")) {
            String[] p = l.text().split(" ");
            if (l.nanos() >= sinceNanos && p[2].equals("DOWN") && p[3].equals(node)) {
                seen.putIfAbsent(Integer.parseInt(p[1]), p[4]);
            }
        }
        return seen;
    }

    /** Each live node's member list, by node index (asks the child; bounded). */
    public Map<Integer, List<String>> members() throws InterruptedException {
        int before;
        synchronized (lines) {
            before = lines.size();
        }
        stdin.println("nodes");
        try {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .pollInterval(java.time.Duration.ofMillis(20)).until(() -> {
                        synchronized (lines) {
                            return lines.subList(before, lines.size()).stream()
                                    .anyMatch(l -> l.text().equals("NODESDONE"));
                        }
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new IllegalStateException(id + " did not answer 'nodes'; its last lines: " + tail(), e);
        }
        Map<Integer, List<String>> m = new TreeMap<>();
        synchronized (lines) {
            for (Line l : lines.subList(before, lines.size())) {
                String[] p = l.text().split(" ", 3);
                if (p[0].equals("NODES")) {
                    m.put(Integer.parseInt(p[1]), p.length < 3 || p[2].isEmpty() ? List.of()
                            : List.of(p[2].split(",")));
                }
            }
        }
        return m;
    }

    /** The last lines it printed (for failure messages). */
    public String tail() {
        synchronized (lines) {
            return lines.subList(Math.max(0, lines.size() - 15), lines.size()).toString();
        }
    }

    /** SIGKILL of the whole JVM: its kernel closes every socket of its nodes. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
