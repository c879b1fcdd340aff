package io.distribute.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * {@code distribute demo}: N nodes as separate JVMs on 127.0.0.1 form one cluster; one is killed with SIGKILL and
 * the others notice (the time from the signal to their NODE_DOWN line is measured); it is started again and
 * rejoins; then every node is stopped with SIGTERM and leaves gracefully. One line per step; every wait is bounded.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Starts N local nodes as separate processes (distribute node), shows them form one cluster,"
                + " kills one with SIGKILL and shows the others notice (with the measured detection time), starts it"
                + " again and shows it rejoin, then stops everything. One line per step.",
                "Needs nothing but this jar: the nodes run on 127.0.0.1 on free ports, with a random cookie.",
                "Exit code 0 if every step happened in time, 1 if one did not.", ""})
final class DemoCommand implements java.util.concurrent.Callable<Integer> {

    /** The longest any one step may take. */
    static final long STEP_TIMEOUT_MS = 15_000;

    @Spec
    CommandSpec spec;

    @Option(names = "--nodes", paramLabel = "N", defaultValue = "3",
            description = "how many nodes, 2-9 (default: ${DEFAULT-VALUE})")
    int count;

    private final PrintStream out = System.out;
    private final long t0 = System.nanoTime();
    private final List<Child> children = new ArrayList<>();
    /** Notified on every line a child prints. */
    private final Object changed = new Object();

    @Override
    public Integer call() throws Exception {
        if (count < 2 || count > 9) {
            throw NodeSettings.usage(spec, "--nodes must be 2-9, was " + count);
        }
        String cookie = CookieCommand.newCookie();
        int range = count + 2;
        int base = freePortRange(range);
        Thread cleanup = new Thread(this::killAll, "distribute-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            step("demo", "%d nodes, each its own JVM, on 127.0.0.1 ports %d-%d; random cookie in CLUSTER_COOKIE",
                    count, base, base + range - 1);
            String seed = name(1);
            long startAt = System.nanoTime();
            for (int i = 1; i <= count; i++) {
                children.add(Child.start(name(i), i == 1 ? null : seed, base, range, cookie, changed));
            }
            step("start", children.stream().map(c -> c.name + " (pid " + c.pid() + ")")
                    .collect(Collectors.joining(", ")));

            await("every node to see " + count, () -> children.stream().allMatch(c -> c.size() == count));
            step("formed", "one cluster of %d: every node sees %s, %.2f s after the start (JVM starts included)",
                    count, children.stream().map(c -> c.name.substring(0, c.name.indexOf('@')))
                            .collect(Collectors.joining(", ")), (System.nanoTime() - startAt) / 1e9);

            Child victim = children.get(count - 1);
            List<Child> survivors = children.subList(0, count - 1);
            long killedAt = System.nanoTime();
            victim.process.toHandle().destroyForcibly();
            step("kill -9", "%s (pid %d)", victim.name, victim.pid());
            for (Child s : survivors) {
                EventLine down = awaitLine(s, EventLine.NODE_DOWN, victim.name, killedAt);
                step("noticed", "%s: NODE_DOWN %s reason=%s size=%d, %d ms after SIGKILL", s.name, victim.name,
                        down.reason(), down.size(), TimeUnit.NANOSECONDS.toMillis(s.arrival(down) - killedAt));
            }
            victim.process.waitFor(5, TimeUnit.SECONDS);

            long restartAt = System.nanoTime();
            Child again = Child.start(victim.name, seed, base, range, cookie, changed);
            children.set(count - 1, again);
            step("restart", "%s (pid %d), seed %s", again.name, again.pid(), seed);
            for (Child s : survivors) {
                awaitLine(s, EventLine.NODE_UP, again.name, restartAt);
            }
            await("every node to see " + count + " again", () -> children.stream().allMatch(c -> c.size() == count));
            step("rejoined", "every node sees %d again, %.2f s after the restart (JVM start included)", count,
                    (System.nanoTime() - restartAt) / 1e9);

            long stopAt = System.nanoTime();
            again.process.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its pipes
            List<String> seen = new ArrayList<>();
            for (Child s : survivors) {
                EventLine left = awaitLine(s, EventLine.NODE_DOWN, again.name, stopAt);
                seen.add(s.name.substring(0, s.name.indexOf('@')) + " reason=" + left.reason() + " after "
                        + TimeUnit.NANOSECONDS.toMillis(s.arrival(left) - stopAt) + " ms");
            }
            step("stop", "SIGTERM to %s; NODE_DOWN seen by %s", again.name, String.join(", ", seen));
            for (Child c : survivors) {
                c.process.toHandle().destroy();
            }
            List<String> exits = new ArrayList<>();
            boolean clean = true;
            for (Child c : children) {
                long left = Math.max(1, STEP_TIMEOUT_MS - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartAt));
                if (!c.process.waitFor(Math.min(left, 10_000), TimeUnit.MILLISECONDS)) {
                    throw new StepFailed(c.name + " did not exit within 10 s of SIGTERM");
                }
                int code = c.process.exitValue();
                c.drain();
                clean &= code == 0 && c.saw(EventLine.STOPPED);
                exits.add(c.name.substring(0, c.name.indexOf('@')) + " exit " + code);
            }
            if (!clean) {
                throw new StepFailed("not every node stopped cleanly: " + String.join(", ", exits));
            }
            step("stopped", "SIGTERM to the others; %s, each after leaving gracefully", String.join(", ", exits));
            step("done", "in %.1f s", (System.nanoTime() - t0) / 1e9);
            return Main.OK;
        } catch (StepFailed e) {
            step("FAILED", e.getMessage());
            killAll();
            for (Child c : children) {
                c.drain();
                for (String l : c.tail()) {
                    System.err.println("  " + c.name + "| " + l);
                }
            }
            return Main.FAILED;
        } finally {
            killAll();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
    }

    private static String name(int i) {
        return "node" + i + "@127.0.0.1";
    }

    private void step(String what, String format, Object... args) {
        out.println(String.format(Locale.ROOT, "%6.2fs  %-9s ", (System.nanoTime() - t0) / 1e9, what)
                + (args.length == 0 ? format : String.format(Locale.ROOT, format, args)));
        out.flush();
    }

    private void await(String what, BooleanSupplier condition) throws InterruptedException, StepFailed {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STEP_TIMEOUT_MS);
        synchronized (changed) {
            while (!condition.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new StepFailed("timed out after " + STEP_TIMEOUT_MS / 1000 + " s waiting for " + what);
                }
                TimeUnit.NANOSECONDS.timedWait(changed, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
            }
        }
    }

    /** Waits for {@code child}'s first {@code event} line about {@code node} that arrived after {@code since}. */
    private EventLine awaitLine(Child child, String event, String node, long since)
            throws InterruptedException, StepFailed {
        EventLine[] found = new EventLine[1];
        await(child.name + " to print " + event + " " + node, () -> {
            found[0] = child.find(event, node, since).orElse(null);
            return found[0] != null;
        });
        return found[0];
    }

    private void killAll() {
        for (Child c : children) {
            c.process.destroyForcibly();
        }
        for (Child c : children) {
            try {
                c.process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** A free range of {@code n} ports on 127.0.0.1 below the ephemeral range; bounded attempts. */
    static int freePortRange(int n) throws IOException {
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = 11000 + ThreadLocalRandom.current().nextInt(9000);
            boolean free = true;
            for (int p = base; p < base + n && free; p++) {
                try (ServerSocket s = new ServerSocket()) {
                    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p));
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) {
                return base;
            }
        }
        throw new IOException("no free range of " + n + " ports found on 127.0.0.1");
    }

    static final class StepFailed extends Exception {
        StepFailed(String message) {
            super(message);
        }
    }

    /** A {@code distribute node} child process whose event lines are parsed as they arrive. */
    static final class Child {
        final String name;
        final Process process;
        private final Object changed;
        private final List<EventLine> events = new ArrayList<>();
        private final List<Long> arrivals = new ArrayList<>();
        private final Deque<String> tail = new ArrayDeque<>();
        private volatile int size;
        private final List<Thread> readers = new ArrayList<>();

        private Child(String name, Process process, Object changed) {
            this.name = name;
            this.process = process;
            this.changed = changed;
        }

        static Child start(String name, String seed, int port, int range, String cookie, Object changed)
                throws IOException {
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-XX:-UsePerfData",
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(), "node",
                    "--name", name, "--port", String.valueOf(port), "--port-range", String.valueOf(range)));
            if (seed != null) {
                cmd.addAll(List.of("--seed", seed));
            }
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().keySet().removeIf(k -> k.startsWith("DISTRIBUTE_"));
            pb.environment().put("CLUSTER_COOKIE", cookie);
            Child c = new Child(name, pb.start(), changed);
            c.read(c.process.getInputStream(), true);
            c.read(c.process.getErrorStream(), false);
            return c;
        }

        long pid() {
            return process.pid();
        }

        int size() {
            return size;
        }

        private void read(InputStream in, boolean events) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        long now = System.nanoTime();
                        synchronized (changed) {
                            tail.addLast(l);
                            if (tail.size() > 30) {
                                tail.removeFirst();
                            }
                            Optional<EventLine> e = events ? EventLine.parse(l) : Optional.empty();
                            if (e.isPresent()) {
                                this.events.add(e.get());
                                arrivals.add(now);
                                size = e.get().size();
                            }
                            changed.notifyAll();
                        }
                    }
                } catch (IOException e) {
                    // the process ended
                }
            }, "demo-" + (events ? "out-" : "err-") + name);
            t.setDaemon(true);
            t.start();
            readers.add(t);
        }

        /** After the process ended: waits (bounded) until its last lines are read. */
        void drain() throws InterruptedException {
            for (Thread t : readers) {
                t.join(2000);
            }
        }

        Optional<EventLine> find(String event, String node, long since) {
            synchronized (changed) {
                for (int i = 0; i < events.size(); i++) {
                    EventLine e = events.get(i);
                    if (arrivals.get(i) >= since && e.event().equals(event) && e.node().equals(node)) {
                        return Optional.of(e);
                    }
                }
                return Optional.empty();
            }
        }

        boolean saw(String event) {
            synchronized (changed) {
                return events.stream().anyMatch(e -> e.event().equals(event));
            }
        }

        long arrival(EventLine e) {
            synchronized (changed) {
                return arrivals.get(events.indexOf(e));
            }
        }

        List<String> tail() {
            synchronized (changed) {
                return new ArrayList<>(tail);
            }
        }
    }
}
