package io.distribute.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A {@link NodeProcess} in a child JVM: start it, talk to it, freeze or kill it by its PID. */
public final class ChildNode implements AutoCloseable {

    private final Process process;
    private final PrintWriter stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    public final String name;

    private ChildNode(Process process, String name) {
        this.process = process;
        this.name = name;
        this.stdin = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            // Everything the child prints is kept in target/child-logs for diagnosis.
            Path log = Path.of("target", "child-logs", name.replaceAll("[^A-Za-z0-9_.-]", "_") + "-" + process.pid() + ".log");
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 PrintWriter out = openLog(log)) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                    if (out != null) {
                        out.println(l);
                        out.flush();
                    }
                }
            } catch (IOException ignored) {
                // process ended
            }
        }, "child-reader-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    private static PrintWriter openLog(Path log) {
        try {
            java.nio.file.Files.createDirectories(log.getParent());
            return new PrintWriter(java.nio.file.Files.newBufferedWriter(log, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return null;
        }
    }

    /** Starts a node named {@code name} in a new JVM and waits (bounded) until it is up. */
    public static ChildNode start(String name, String cookie, long failureDetectionMs) throws Exception {
        return start(name, cookie, failureDetectionMs, 7800, 10);
    }

    /** As {@link #start(String, String, long)}, binding the first free port of [port, port + range). */
    public static ChildNode start(String name, String cookie, long failureDetectionMs, int port, int range)
            throws Exception {
        return start(name, cookie, failureDetectionMs, port, range, List.of());
    }

    /** As above, with extra JVM options for the child (e.g. {@code -Ddistribute.stack=udp}). */
    public static ChildNode start(String name, String cookie, long failureDetectionMs, int port, int range,
                                  List<String> jvmOptions) throws Exception {
        return start(List.of(), name, cookie, failureDetectionMs, port, range, jvmOptions);
    }

    /** As above, run behind {@code launcher} (e.g. {@code ip netns exec NS}, which execs: the PID stays the JVM's). */
    public static ChildNode start(List<String> launcher, String name, String cookie, long failureDetectionMs, int port,
                                  int range, List<String> jvmOptions) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(launcher);
        cmd.addAll(List.of(java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Djgroups.log.level=" + System.getProperty("jgroups.log.level", "WARN"),
                "-Ddistribute.log.level=" + System.getProperty("distribute.log.level", "INFO")));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), NodeProcess.class.getName(), name,
                String.valueOf(failureDetectionMs), String.valueOf(port), String.valueOf(range)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("CLUSTER_COOKIE", cookie);
        ChildNode c = new ChildNode(pb.start(), name);
        String first = c.expect("READY", 30);
        if (first == null) {
            c.close();
            throw new IllegalStateException("child " + name + " did not start; its output: " + c.output());
        }
        return c;
    }

    /** Sends a command and returns the first answer line starting with {@code prefix}, or null after the timeout. */
    public String ask(String command, String prefix, long timeoutSeconds) throws InterruptedException {
        stdin.println(command);
        return expect(prefix, timeoutSeconds);
    }

    private String expect(String prefix, long timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
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
        }
    }

    /** The nodes the child lists now (empty if it does not answer within 5 s). */
    public List<String> nodes() throws InterruptedException {
        return listAfter(ask("nodes", "NODES", 5), ",");
    }

    /** Every membership event the child's subscriber saw since it started, as {@code toString()} of each. */
    public List<String> events() throws InterruptedException {
        String line = ask("events", "EVENTS", 5);
        if (line == null) {
            throw new IllegalStateException(name + " did not answer 'events' within 5 s");
        }
        return listAfter(line, ";");
    }

    private static List<String> listAfter(String line, String separator) {
        int sp = line == null ? -1 : line.indexOf(' ');
        return sp < 0 ? List.of() : List.of(line.substring(sp + 1).split(separator));
    }

    /** What the child printed that nobody asked for yet (for failure messages). */
    private String output() {
        List<String> rest = new ArrayList<>();
        lines.drainTo(rest);
        return String.join("\n", rest.subList(Math.max(0, rest.size() - 20), rest.size()));
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL: the process dies at once, its kernel closes its sockets. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    public void signal(String sig) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + sig, String.valueOf(process.pid())).inheritIO().start().waitFor(5, TimeUnit.SECONDS);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException, IOException {
        if (process.isAlive()) {
            signal("CONT");
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
