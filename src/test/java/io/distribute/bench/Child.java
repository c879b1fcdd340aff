package io.distribute.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A {@link BenchChild} JVM seen from the benchmark: send commands, wait for answers, follow its nodes' views. */
final class Child implements AutoCloseable {

    /** Every child still running, so that a shutdown hook can kill them whatever happened. */
    static final Set<Child> ALL = ConcurrentHashMap.newKeySet();

    static final List<String> JVM_FLAGS = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Djgroups.log.level=ERROR", "-Ddistribute.log.level=WARN");

    final String id;
    private final Process process;
    private final PrintWriter stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> tail = new ArrayList<>();
    /** Latest membership per node index: {size, nanoTime of that change}. */
    final Map<Integer, long[]> views = new ConcurrentHashMap<>();
    /** Every membership change seen: {index, size, nanoTime, index into the events or -1}. */
    final List<long[]> history = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile Runnable onView = () -> { };
    /** The membership events of distribute nodes, in arrival order (history entries point into it). */
    private final List<String> events = new ArrayList<>();

    String eventOf(long i) {
        synchronized (events) {
            return i >= 0 && i < events.size() ? events.get((int) i) : "";
        }
    }
    /** Thread names of the last STATS answer. */
    volatile String lastStatsNames = "";

    private Child(String id, Process process) {
        this.id = id;
        this.process = process;
        this.stdin = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                java.io.PrintWriter log = Benchmark.DEBUG ? new java.io.PrintWriter(java.nio.file.Files.newBufferedWriter(
                        Path.of("target", "bench", "child-" + id + ".log")), true) : null;
                for (String l; (l = r.readLine()) != null; ) {
                    if (log != null) { // closed below, when the process has ended
                        log.println(l);
                    }
                    if (l.startsWith("V ")) {
                        String[] p = l.split(" ", 5);
                        views.put(Integer.parseInt(p[1]), new long[] {Long.parseLong(p[3]), Long.parseLong(p[2])});
                        int space = p.length > 4 ? p[4].indexOf(' ') : -1;
                        long event = -1;
                        if (space >= 0) { // a distribute node's membership event, after the names
                            synchronized (events) {
                                events.add(p[4].substring(space + 1));
                                event = events.size() - 1;
                            }
                        }
                        history.add(new long[] {Integer.parseInt(p[1]), Long.parseLong(p[3]), Long.parseLong(p[2]), event});
                        onView.run();
                    } else {
                        lines.add(l);
                        synchronized (tail) {
                            tail.add(l);
                            if (tail.size() > 40) {
                                tail.remove(0);
                            }
                        }
                    }
                }
                if (log != null) {
                    log.close();
                }
            } catch (IOException | RuntimeException ignored) {
                // process ended
            }
        }, "bench-child-" + id);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code BenchChild ours|raw} in a new JVM, prefixed by {@code prefix} (e.g. {@code ip netns exec NS}),
     * and waits (bounded) for it to be ready.
     */
    static Child spawn(String id, boolean ours, List<String> prefix, String cookie) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_FLAGS);
        if (Benchmark.DEBUG) { // the child's log, distribute's at DEBUG, into target/bench/child-ID.log
            cmd.addAll(List.of("-Ddistribute.log.level=DEBUG", "-Djgroups.log.level=WARN"));
        }
        String extra = System.getProperty("bench.child_opts", "").trim(); // JVM options for every child (Benchmark)
        if (!extra.isEmpty()) {
            cmd.addAll(List.of(extra.split("\\s+")));
        }
        cmd.addAll(List.of("-cp", classpath(), BenchChild.class.getName(), ours ? "ours" : "raw"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("CLUSTER_COOKIE", cookie);
        Child c = new Child(id, pb.start());
        ALL.add(c);
        if (c.expect("READY", 30_000) == null) {
            c.close();
            throw new IllegalStateException("child " + id + " did not start: " + c.tail());
        }
        return c;
    }

    /** The test classpath: exec:java runs us in a class loader of its own, not on java.class.path. */
    static String classpath() {
        List<String> parts = new ArrayList<>();
        ClassLoader cl = Child.class.getClassLoader();
        if (cl instanceof URLClassLoader u) {
            for (URL url : u.getURLs()) {
                try {
                    parts.add(Path.of(url.toURI()).toString());
                } catch (URISyntaxException | IllegalArgumentException e) {
                    // not a file: skip
                }
            }
        }
        return parts.isEmpty() ? System.getProperty("java.class.path") : String.join(File.pathSeparator, parts);
    }

    void send(String command) {
        stdin.println(command);
    }

    void onView(Runnable r) {
        onView = r;
    }

    /** The first line starting with {@code prefix} within {@code timeoutMs}, or null. Other lines are dropped. */
    String expect(String prefix, long timeoutMs) throws InterruptedException {
        return expect(prefix, timeoutMs, true);
    }

    /** As {@link #expect(String, long)}; {@code strict} throws on an ERROR or FAILED line, else drops it. */
    String expect(String prefix, long timeoutMs, boolean strict) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            String l = lines.poll(left, TimeUnit.NANOSECONDS);
            if (l == null) {
                return null;
            }
            if (l.startsWith(prefix)) {
                return l;
            }
            if (strict && (l.startsWith("ERROR") || l.startsWith("FAILED"))) {
                throw new IllegalStateException("child " + id + ": " + l);
            }
        }
    }

    String ask(String command, String prefix, long timeoutMs) throws InterruptedException {
        send(command);
        String l = expect(prefix, timeoutMs);
        if (l == null) {
            throw new IllegalStateException("child " + id + ": no answer to '" + command + "' within " + timeoutMs
                    + " ms; last lines: " + tail());
        }
        return l;
    }

    String tail() {
        synchronized (tail) {
            return String.join(" / ", tail);
        }
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL (works on a stopped process too) and reap. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    void signal(String sig) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + sig, String.valueOf(process.pid())).inheritIO().start().waitFor(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        ALL.remove(this);
        if (process.isAlive()) {
            stdin.println("exit");
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                kill9();
            }
        }
    }
}
