package io.distribute.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The {@code scale} workload: for each cluster size, one {@link ScaleChild} JVM for distribute and one for raw
 * JGroups, run one after the other (never at once: they would share the 2 cores). Rows: idle CPU per node, joining
 * one node (start + connect, and started with a seed), threads and heap per node.
 */
final class Scale {

    /** Makes a row of the benchmark's table (see {@code Benchmark.row}). */
    interface Rows {
        Benchmark.Row row(String key, String name, String unit, String target, Predicate<Series> met);
    }

    /** What one ScaleChild run measured. */
    private record Run(long idleCpuNanos, long idleWallNanos, long heap, long threads, List<Long> joins,
                       List<Long> seededJoins, List<Long> crashes, List<String> crashReasons, String failure,
                       boolean viewChangedInIdle) {}

    private final boolean quick;
    private final Rows rows;
    private final Consumer<String> say;
    private final String cookie;

    Scale(boolean quick, Rows rows, Consumer<String> say, String cookie) {
        this.quick = quick;
        this.rows = rows;
        this.say = say;
        this.cookie = cookie;
    }

    void run() throws Exception {
        int[] sizes = quick ? new int[] {16, 32} : new int[] {16, 32, 64};
        int idleSeconds = quick ? 5 : 10;
        // Joins take ~0.2 s each (leave included) and the first few run colder code than the rest: enough of them for
        // a median that is not the first one's. A kill spawns a JVM of its own (~2 s): fewer of those.
        int joins = quick ? 7 : 15;
        int crashes = quick ? 2 : 3;
        for (int n : sizes) {
            Benchmark.Row idle = rows.row("scale", "idle CPU per node, " + n + " nodes in one JVM", "ms/s",
                    "≤ 1.2 × raw", null);
            Benchmark.Row join = rows.row("scale", "join one node into " + n + ": startNode + connect", "ms", "≤ raw",
                    null);
            Benchmark.Row seeded = rows.row("scale", "join one node into " + n + ": startNode with a seed", "ms",
                    "≤ raw", null);
            Benchmark.Row threads = rows.row("scale", "threads per node, " + n + " nodes", "threads", "≤ raw", null);
            Benchmark.Row heap = rows.row("scale", "heap per node after GC, " + n + " nodes", "MiB", "≤ raw", null);
            Benchmark.Row crash = rows.row("scale", "kill -9 of a member of " + (n + 1) + " -> all " + n + " drop it",
                    "ms", "≤ 100 ms", x -> x.median() / 1e6 <= 100);
            for (boolean ours : new boolean[] {true, false}) {
                Run r = measure(ours, n, idleSeconds, joins, crashes);
                Series idleS = ours ? idle.ours : idle.raw;
                if (r == null) {
                    idleS.fail("run failed");
                    continue;
                }
                // ns of CPU per second of wall time per node: shown as ms/s
                // (in double: 64 nodes' ~10 s of CPU times 1e9 overflows a long)
                idleS.record(Math.round((double) r.idleCpuNanos * 1e9 / r.idleWallNanos / n));
                if (r.viewChangedInIdle) {
                    idleS.notes.add("the membership changed during the idle window");
                }
                if (r.failure != null) {
                    for (Series x : ours ? List.of(join.ours, seeded.ours, crash.ours) : List.of(join.raw, crash.raw)) {
                        x.notes.add("failed: " + r.failure);
                    }
                }
                r.joins.forEach(ours ? join.ours::record : join.raw::record);
                r.joins.forEach(ours ? x -> { } : seeded.raw::record);
                r.seededJoins.forEach(seeded.ours::record);
                (ours ? threads.ours : threads.raw).record(Math.round((double) r.threads / n));
                (ours ? heap.ours : heap.raw).record(r.heap / n);
                r.crashes.forEach(ours ? crash.ours::record : crash.raw::record);
                r.crashReasons.stream().filter(x -> ours && !x.equals("CRASHED")).distinct()
                        .forEach(x -> crash.ours.notes.add("reason " + x));
            }
            for (Benchmark.Row row : new Benchmark.Row[] {idle, join, seeded, threads, heap, crash}) {
                if (row != null) {
                    if (row != crash) {
                        setVerdict(row); // relative to raw; the crash row's target is absolute
                    }
                    say.accept("   " + row.name + ": distribute " + median(row, row.ours) + " | jgroups "
                            + median(row, row.raw) + " " + row.unit);
                }
            }
            idle.raw.notes.add("stock tcp.xml, FD_ALL3 timeout 3 s / interval 375 ms as ours; diagnostics off");
        }
    }

    /** The targets are relative to raw JGroups' figure of the same run. */
    private static void setVerdict(Benchmark.Row row) {
        row.relative = row.name.startsWith("idle") ? 1.2 : 1.0;
    }

    private static String median(Benchmark.Row r, Series s) {
        return s.runs() == 0 ? "-" : Benchmark.fmt(r.v(s.median()));
    }

    /** One ScaleChild JVM; null if it failed (its output tail is printed). */
    private Run measure(boolean ours, int n, int idleSeconds, int joins, int kills)
            throws IOException, InterruptedException {
        int first = PortPool.block(n + 1);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Default JIT (not the C1-only flags of the other children): the TLS record crypto is measured as it runs.
        // 3 GiB: 64 raw JGroups nodes ran out of 1 GiB (64 KiB buffered streams each way on each of ~4,000
        // connections).
        cmd.addAll(List.of("-Xmx3g", "-XX:+UseSerialGC", "-Djgroups.log.level=ERROR", "-Ddistribute.log.level=WARN",
                "-cp", Child.classpath(), ScaleChild.class.getName(), ours ? "ours" : "raw", String.valueOf(n),
                String.valueOf(idleSeconds), String.valueOf(joins), String.valueOf(first),
                String.valueOf(kills)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("CLUSTER_COOKIE", cookie);
        Process p = pb.start();
        long cpu = -1;
        long wall = -1;
        long heap = -1;
        long threads = -1;
        List<Long> joined = new ArrayList<>();
        List<Long> seededJoins = new ArrayList<>();
        List<Long> crashes = new ArrayList<>();
        List<String> crashReasons = new ArrayList<>();
        List<String> tail = new ArrayList<>();
        String failure = null;
        boolean viewChanged = false;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l; (l = r.readLine()) != null; ) {
                String[] a = l.split(" ");
                switch (a[0]) {
                    case "IDLE" -> {
                        cpu = Long.parseLong(a[1]);
                        wall = Long.parseLong(a[2]);
                        viewChanged = a.length > 3 && a[3].equals("VIEW_CHANGED");
                    }
                    case "FAILED" -> failure = l.substring("FAILED ".length());
                    case "STATS" -> {
                        heap = Long.parseLong(a[1]);
                        threads = Long.parseLong(a[2]);
                    }
                    case "JOIN" -> joined.add(Long.parseLong(a[1]));
                    case "SEEDJOIN" -> seededJoins.add(Long.parseLong(a[1]));
                    case "CRASH" -> {
                        crashes.add(Long.parseLong(a[1]));
                        crashReasons.add(a[2]);
                    }
                    case "FORMED" -> say.accept("   " + (ours ? "distribute" : "jgroups") + " " + n + " nodes formed in "
                            + a[1] + " ms (one by one)");
                    default -> {
                        tail.add(l);
                        if (tail.size() > 10) {
                            tail.remove(0);
                        }
                    }
                }
            }
        } finally {
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
            }
        }
        if (cpu < 0 || heap < 0) {
            say.accept("   " + (ours ? "distribute" : "jgroups") + " " + n + " nodes failed: " + String.join(" | ", tail));
            return null;
        }
        if (failure != null) {
            say.accept("   " + (ours ? "distribute" : "jgroups") + " " + n + " nodes: failed after the idle window: "
                    + failure);
        }
        return new Run(cpu, wall, heap, threads, joined, seededJoins, crashes, crashReasons, failure, viewChanged);
    }
}
