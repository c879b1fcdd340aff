package io.distribute.bench;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.ConnectError;
import io.distribute.cluster.MembershipEvent;
import io.distribute.cluster.Subscription;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.View;
import org.jgroups.protocols.TCPPING;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The benchmark of issue 6: each workload on distribute and, alternating in the same run, on raw JGroups with its
 * stock {@code tcp.xml}; prints a table and writes {@code target/bench/results.json}.
 *
 * <pre>
 * mvn -q -B test-compile exec:java -Dexec.mainClass=io.distribute.bench.Benchmark                    # full, &lt; 10 min
 * mvn -q -B test-compile exec:java -Dexec.mainClass=io.distribute.bench.Benchmark -Dexec.args=--quick  # smoke, ~2-3 min
 * </pre>
 *
 * Options: {@code --quick}, {@code --only=start,connect,merge,ping,secure,kill,stop,heal,many,idle,scale}, {@code --out=FILE}.
 * To study one size of the N-at-once rows: {@code -Dbench.many_only=N} (N at once only, no table row),
 * {@code -Dbench.many_rounds=R} (default 3), {@code -Dbench.many_skip_raw=true}; {@code -Dbench.debug=true} for each
 * child's log and the membership timeline; {@code -Dbench.child_opts="..."} adds JVM options to every child (a flight
 * recording, a property to try).
 * Only the public API is used on distribute's side. Every wait is bounded; child JVMs and network namespaces are
 * removed at the end, on failure too.
 */
public final class Benchmark {

    static final String COOKIE = "bench-cookie-" + Long.toHexString(Double.doubleToLongBits(Math.random()));
    static final InetAddress LO = InetAddress.getLoopbackAddress();
    static final String HOST = "127.0.0.1";
    static final boolean DEBUG = Boolean.getBoolean("bench.debug");
    /** Pause after closing a node before the next timed call. */
    static final long SETTLE_MS = 200;
    /** How long an N-nodes-at-once run may take to form one view (raw JGroups' stock MERGE3 needs up to 48 s). */
    static final long MANY_BOUND_MS = 50_000;
    /** Above 0: the many workload runs only this many nodes at once, {@link #MANY_ROUNDS} times (see the options). */
    static final int MANY_ONLY = Integer.getInteger("bench.many_only", 0);
    static final int MANY_ROUNDS = Integer.getInteger("bench.many_rounds", 3);
    /** FD_ALL3's timeout on both sides of the N-nodes-at-once rows (ours' default; raw's stock is 40 s). */
    static final long MANY_FD_MS = Long.getLong("bench.many_fd_ms", 3000);

    private final boolean quick;
    private final Set<String> only;
    private final List<Row> rows = new ArrayList<>();
    private final List<String> log = new ArrayList<>();
    private final ClusterConfig ours = ClusterConfig.builder().clusterName(BenchChild.CLUSTER).build();
    private volatile Netns netns;

    /** One line of the table: a workload, its unit, distribute's and raw JGroups' samples, the target. */
    static final class Row {
        final String key;
        final String name;
        final String unit;
        final double perUnit;
        final Series ours = new Series("distribute");
        final Series raw = new Series("jgroups");
        final String target;
        final Predicate<Series> met;
        /** When above 0, the target is relative: ours' median at most this many times raw's of the same run. */
        double relative;

        Row(String key, String name, String unit, double perUnit, String target, Predicate<Series> met) {
            this.key = key;
            this.name = name;
            this.unit = unit;
            this.perUnit = perUnit;
            this.target = target;
            this.met = met;
        }

        double v(long raw) {
            return raw / perUnit;
        }
    }

    private Benchmark(boolean quick, Set<String> only) {
        this.quick = quick;
        this.only = only;
    }

    public static void main(String[] args) throws Exception {
        // JGroups' expected complaints during kills, cuts and merges go to a file, not between the figures.
        logToFile(Path.of("target", "bench", "bench.log"));
        RawNode.routeLogging();
        boolean quick = false;
        Set<String> only = null;
        Path out = Path.of("target", "bench", "results.json");
        for (String a : args) {
            if (a.equals("--quick")) {
                quick = true;
            } else if (a.startsWith("--only=")) {
                only = Set.of(a.substring(7).split(","));
            } else if (a.startsWith("--out=")) {
                out = Path.of(a.substring(6));
            } else if (!a.isBlank()) {
                System.err.println("unknown option " + a);
                System.exit(2);
            }
        }
        Benchmark b = new Benchmark(quick, only);
        Runtime.getRuntime().addShutdownHook(new Thread(b::cleanUp, "bench-cleanup"));
        int status = 0;
        try {
            b.run(out);
        } catch (Throwable t) {
            t.printStackTrace();
            status = 1;
        } finally {
            b.cleanUp();
        }
        System.out.flush();
        System.exit(status);
    }

    /** Sends this JVM's log (logback, from test resources) to {@code file} instead of stdout. */
    private static void logToFile(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        var ctx = (ch.qos.logback.classic.LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        var encoder = new ch.qos.logback.classic.encoder.PatternLayoutEncoder();
        encoder.setContext(ctx);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n");
        encoder.start();
        var appender = new ch.qos.logback.core.FileAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
        appender.setContext(ctx);
        appender.setName("FILE");
        appender.setFile(file.toString());
        appender.setAppend(false);
        appender.setEncoder(encoder);
        appender.start();
        var root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
        ctx.getLogger("org.jgroups").setLevel(ch.qos.logback.classic.Level.WARN);
        ctx.getLogger("io.distribute").setLevel(ch.qos.logback.classic.Level.WARN);
    }

    private void cleanUp() {
        for (Child c : List.copyOf(Child.ALL)) {
            try {
                c.kill9();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            Child.ALL.remove(c);
        }
        Netns n = netns;
        if (n != null) {
            n.close();
            netns = null;
        }
    }

    private boolean enabled(String key) {
        return only == null || only.contains(key);
    }

    private int n(int full, int quickCount) {
        return quick ? quickCount : full;
    }

    private void say(String s) {
        System.out.println(s);
        System.out.flush();
        log.add(s);
    }

    private void run(Path out) throws Exception {
        long t0 = System.nanoTime();
        Instant began = Instant.now();
        String loadBefore = loadAverage();
        say("distribute benchmark" + (quick ? " (--quick)" : "") + ": " + machine().get("cpu") + ", "
                + machine().get("nproc") + " cores, Java " + System.getProperty("java.version") + ", load " + loadBefore);
        List<String[]> workloads = List.of(
                new String[] {"start", "startNode, lone node"},
                new String[] {"connect", "connect into a 3-node cluster"},
                new String[] {"merge", "connect two 3-node clusters"},
                new String[] {"ping", "ping round trip"},
                new String[] {"secure", "TLS throughput and handshake cost"},
                new String[] {"kill", "kill -9 -> gone"},
                new String[] {"stop", "SIGSTOP -> gone"},
                new String[] {"heal", "link cut and restored"},
                new String[] {"many", "N nodes at once"},
                new String[] {"idle", "idle node, start/stop cycles"},
                new String[] {"scale", "16/32/64 nodes: idle CPU, join, threads, heap"});
        for (String[] w : workloads) {
            if (!enabled(w[0])) {
                continue;
            }
            long ws = System.nanoTime();
            say(String.format(Locale.ROOT, "-- %s (%s) at %.0f s", w[0], w[1], (ws - t0) / 1e9));
            try {
                switch (w[0]) {
                    case "start" -> startNode();
                    case "connect" -> connectLone();
                    case "merge" -> merge();
                    case "ping" -> ping();
                    case "secure" -> secure();
                    case "kill" -> kill();
                    case "stop" -> sigstop();
                    case "heal" -> heal();
                    case "many" -> many();
                    case "idle" -> idle();
                    case "scale" -> new Scale(quick, this::row, this::say, COOKIE).run();
                    default -> throw new IllegalStateException(w[0]);
                }
            } catch (Exception | AssertionError e) {
                say("   workload " + w[0] + " failed: " + e);
                e.printStackTrace(System.out);
            } finally {
                cleanUp();
            }
            say(String.format(Locale.ROOT, "   done in %.1f s", (System.nanoTime() - ws) / 1e9));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        String table = table();
        say("");
        say(table);
        say(String.format(Locale.ROOT, "total %.0f s, load average before %s, after %s", seconds, loadBefore, loadAverage()));
        writeJson(out, began, seconds, loadBefore, loadAverage());
        say("wrote " + out.toAbsolutePath());
    }

    // ------------------------------------------------------------------------------------------ helpers

    private Row row(String key, String name, String unit, String target, Predicate<Series> met) {
        double per = switch (unit) {
            case "ms" -> 1e6;
            case "µs" -> 1e3;
            case "s" -> 1e9;
            case "MiB" -> 1024.0 * 1024.0;
            case "ms/s" -> 1e6;
            default -> 1;
        };
        Row r = new Row(key, name, unit, per, target, met);
        rows.add(r);
        return r;
    }

    private static ClusterNode startOurs(String id, int port, ClusterConfig config) {
        return ClusterNode.start(id + "@" + HOST + ":" + port, COOKIE, config).orElseThrow();
    }

    private static void connectOk(ClusterNode from, String to) {
        Result<Void, ConnectError> r = from.connect(to);
        if (!r.isOk()) {
            throw new IllegalStateException(from.selfNode() + " -> " + to + ": " + r);
        }
    }

    /** Polls {@code cond} every ~0.1 ms; the nanoTime at which it was first seen true, or -1 after the timeout. */
    static long awaitTrue(BooleanSupplier cond, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            if (cond.getAsBoolean()) {
                return System.nanoTime();
            }
            if (System.nanoTime() > deadline) {
                return -1;
            }
            LockSupport.parkNanos(100_000);
        }
    }

    /** {@link #awaitTrue} on another thread, started now (for conditions that may come true during a call). */
    static CompletableFuture<Long> watch(BooleanSupplier cond, long timeoutMs) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        Thread t = new Thread(() -> f.complete(awaitTrue(cond, timeoutMs)), "bench-watch");
        t.setDaemon(true);
        t.start();
        return f;
    }

    static long join(CompletableFuture<Long> f) throws Exception {
        return f.get(5, TimeUnit.MINUTES);
    }

    private static boolean agree(List<ClusterNode> nodes) {
        for (ClusterNode n : nodes) {
            if (n.nodes().size() != nodes.size() - 1) {
                return false;
            }
        }
        return true;
    }

    private static boolean allSize(List<RawNode> nodes, int size) {
        for (RawNode n : nodes) {
            if (n.size() != size) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasMember(View v, String name) {
        if (v == null) {
            return false;
        }
        for (Address a : v.getMembers()) {
            if (name.equals(a.toString())) {
                return true;
            }
        }
        return false;
    }

    private static void closeAll(List<? extends AutoCloseable> list) {
        for (AutoCloseable c : list) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private static String seedList(String host, int first, int count) {
        StringBuilder b = new StringBuilder();
        for (int p = first; p < first + count; p++) {
            b.append(b.length() == 0 ? "" : ",").append(host).append(':').append(p);
        }
        return b.toString();
    }

    // ------------------------------------------------------------------------------------------ workloads

    /** startNode of a lone node (no seeds), ABAB; raw = new JChannel("tcp.xml") + connect. */
    private void startNode() throws Exception {
        Row r = row("start", "startNode, lone node (no seeds)", "ms", "≤ 15 ms", s -> r(s, 1e6) <= 15);
        // warm-up: class loading and JIT (the first node of a JVM is measured separately in "idle"); a raw start
        // is 2 s of waiting, so one warm-up start is enough for it
        for (int i = 0; i < 30; i++) {
            startOurs("warm" + i, PortPool.one(), ours).close();
        }
        int wp = PortPool.one();
        RawNode.start("rwarm", BenchChild.RAW_CLUSTER, LO, wp, RawNode.hosts(LO, wp), 0).close();
        int runs = n(20, 5);
        for (int i = 0; i < runs; i++) {
            int p = PortPool.one();
            long t0 = System.nanoTime();
            Result<ClusterNode, ?> res = ClusterNode.start("s" + i + "@" + HOST + ":" + p, COOKIE, ours);
            long t1 = System.nanoTime();
            if (res.isOk()) {
                r.ours.record(t1 - t0);
                res.orElseThrow().close();
            } else {
                r.ours.fail(String.valueOf(res));
            }
            // a closed channel's threads wind down for a while after close(): let them, so that neither side is
            // charged for the other's shutdown (measured under load: 29 ms vs 15 ms per distribute start without and with a pause)
            Thread.sleep(SETTLE_MS);
            if (i < n(20, 3)) {
                int q = PortPool.one();
                t0 = System.nanoTime();
                RawNode raw = RawNode.start("rs" + i, BenchChild.RAW_CLUSTER, LO, q, RawNode.hosts(LO, q), 0);
                t1 = System.nanoTime();
                r.raw.record(t1 - t0);
                raw.close();
                Thread.sleep(SETTLE_MS);
            }
        }
        if (DEBUG) {
            Series alone = new Series("distribute");
            for (int i = 0; i < 20; i++) {
                int p = PortPool.one();
                long t0 = System.nanoTime();
                ClusterNode x = startOurs("d" + i, p, ours);
                alone.record(System.nanoTime() - t0);
                x.close();
            }
            say("   debug: 20 starts without raw ones in between: median " + fmt(alone.median() / 1e6) + " ms");
        }
        summary(r);
    }

    /**
     * A lone node connects into a running 3-node cluster (raw: a new channel joins it), then leaves; ABAB. Also the
     * time until the node it connected to (raw: the coordinator) lists it.
     */
    private void connectLone() throws Exception {
        Row r = row("connect", "connect, lone node into 3-node cluster", "ms", "≤ 10 ms", s -> r(s, 1e6) <= 10);
        Row listed = row("connect", "  ... until the other side lists it", "ms", "", null);
        List<ClusterNode> cluster = new ArrayList<>();
        List<RawNode> rawCluster = new ArrayList<>();
        try {
            int base = PortPool.block(3);
            for (int i = 0; i < 3; i++) {
                cluster.add(startOurs("c" + i, base + i, ours));
            }
            connectOk(cluster.get(1), cluster.get(0).selfNode());
            connectOk(cluster.get(2), cluster.get(0).selfNode());
            int rb = PortPool.block(3);
            List<InetSocketAddress> hosts = RawNode.hosts(LO, rb, rb + 1, rb + 2);
            for (int i = 0; i < 3; i++) {
                rawCluster.add(RawNode.start("rc" + i, BenchChild.RAW_CLUSTER, LO, rb + i, hosts, 0));
            }
            if (awaitTrue(() -> agree(cluster) && allSize(rawCluster, 3), 10_000) < 0) {
                throw new IllegalStateException("clusters did not form");
            }
            ClusterNode target = cluster.get(0);
            RawNode coord = rawCluster.get(0);
            int runs = n(30, 5);
            for (int i = -3; i < runs; i++) { // three warm-up rounds
                // ours
                String name = "j" + i + "@" + HOST + ":" + PortPool.one();
                ClusterNode j = ClusterNode.start(name, COOKIE, ours).orElseThrow();
                CompletableFuture<Long> seen = watch(() -> target.nodes().contains(name), 5_000);
                long t0 = System.nanoTime();
                Result<Void, ConnectError> res = j.connect(target.selfNode());
                long t1 = System.nanoTime();
                long ts = join(seen);
                if (i >= 0) {
                    if (res.isOk()) {
                        r.ours.record(t1 - t0);
                    } else {
                        r.ours.fail(String.valueOf(res));
                    }
                    if (ts > 0) {
                        listed.ours.record(ts - t0);
                    } else {
                        listed.ours.fail("not listed in 5 s");
                    }
                }
                long c0 = System.nanoTime();
                j.close();
                long c1 = System.nanoTime();
                awaitTrue(() -> agree(cluster), 5_000);
                long c2 = System.nanoTime();
                Thread.sleep(SETTLE_MS);
                if (DEBUG) {
                    say(String.format(Locale.ROOT, "   debug ours: close %.1f ms, agree %.1f ms", (c1 - c0) / 1e6, (c2 - c1) / 1e6));
                }
                // raw
                String rname = "rj" + i;
                int q = PortPool.one();
                RawNode rj = RawNode.create(rname, LO, q, hosts, 0);
                long[] seenAt = {-1};
                coord.addViewListener(v -> {
                    if (seenAt[0] < 0 && hasMember(v, rname)) {
                        seenAt[0] = System.nanoTime();
                    }
                });
                t0 = System.nanoTime();
                rj.channel.connect(BenchChild.RAW_CLUSTER);
                t1 = System.nanoTime();
                long rs = awaitTrue(() -> seenAt[0] > 0, 5_000) > 0 ? seenAt[0] : -1;
                if (i >= 0) {
                    r.raw.record(t1 - t0);
                    if (rs > 0) {
                        listed.raw.record(rs - t0);
                    } else {
                        listed.raw.fail("not listed in 5 s");
                    }
                }
                c0 = System.nanoTime();
                rj.close();
                c1 = System.nanoTime();
                awaitTrue(() -> coord.size() == 3, 5_000);
                c2 = System.nanoTime();
                Thread.sleep(SETTLE_MS);
                if (DEBUG) {
                    say(String.format(Locale.ROOT, "   debug raw: close %.1f ms, agree %.1f ms", (c1 - c0) / 1e6, (c2 - c1) / 1e6));
                }
            }
        } finally {
            closeAll(cluster);
            closeAll(rawCluster);
        }
        summary(r);
        summary(listed);
    }

    /** Two 3-node clusters merge: distribute's connect; raw: both learn the other's addresses, MERGE3 merges. */
    private void merge() throws Exception {
        Row r = row("merge", "connect, two 3-node clusters (merge)", "ms", "", null);
        Row all = row("merge", "  ... until all 6 list all", "ms", "", null);
        int runs = n(10, 2);
        int rawRuns = quick ? 0 : 1; // stock MERGE3 checks every 1.6 × 30 s: one raw merge takes ~48 s
        for (int i = 0; i < runs; i++) {
            List<ClusterNode> a = new ArrayList<>();
            List<ClusterNode> b = new ArrayList<>();
            try {
                int pa = PortPool.block(3);
                int pb = PortPool.block(3);
                for (int k = 0; k < 3; k++) {
                    a.add(startOurs("ma" + i + "x" + k, pa + k, ours));
                    b.add(startOurs("mb" + i + "x" + k, pb + k, ours));
                }
                for (int k = 1; k < 3; k++) {
                    connectOk(a.get(k), a.get(0).selfNode());
                    connectOk(b.get(k), b.get(0).selfNode());
                }
                if (awaitTrue(() -> agree(a) && agree(b), 10_000) < 0) {
                    throw new IllegalStateException("3-node clusters did not form");
                }
                List<ClusterNode> six = new ArrayList<>(a);
                six.addAll(b);
                CompletableFuture<Long> merged = watch(() -> agree(six), 10_000);
                long t0 = System.nanoTime();
                Result<Void, ConnectError> res = b.get(0).connect(a.get(0).selfNode());
                long t1 = System.nanoTime();
                long tm = join(merged);
                if (res.isOk()) {
                    r.ours.record(t1 - t0);
                } else {
                    r.ours.fail(String.valueOf(res));
                }
                if (tm > 0) {
                    all.ours.record(tm - t0);
                } else {
                    all.ours.fail("not merged in 10 s");
                }
            } finally {
                closeAll(a);
                closeAll(b);
            }
            Thread.sleep(SETTLE_MS);
            if (i < rawRuns) {
                mergeRaw(all, i);
            }
        }
        all.raw.notes.add(quick ? "skipped by --quick (stock MERGE3 takes ~48 s)"
                : "stock MERGE3 (10-30 s) merges once TCPPING lists the other cluster; no connect call exists");
        summary(r);
        summary(all);
    }

    private void mergeRaw(Row all, int i) throws Exception {
        List<RawNode> six = new ArrayList<>();
        try {
            int pa = PortPool.block(3);
            int pb = PortPool.block(3);
            List<InetSocketAddress> ha = RawNode.hosts(LO, pa, pa + 1, pa + 2);
            List<InetSocketAddress> hb = RawNode.hosts(LO, pb, pb + 1, pb + 2);
            // both coordinators at once (each waits its 2 s join timeout), then the others join
            CompletableFuture<RawNode> ca = CompletableFuture.supplyAsync(() -> startRaw("rma" + i + "x0", pa, ha, 0));
            CompletableFuture<RawNode> cb = CompletableFuture.supplyAsync(() -> startRaw("rmb" + i + "x0", pb, hb, 0));
            six.add(ca.get(30, TimeUnit.SECONDS));
            six.add(cb.get(30, TimeUnit.SECONDS));
            for (int k = 1; k < 3; k++) {
                six.add(startRaw("rma" + i + "x" + k, pa + k, ha, 0));
                six.add(startRaw("rmb" + i + "x" + k, pb + k, hb, 0));
            }
            if (awaitTrue(() -> allSize(six, 3), 10_000) < 0) {
                throw new IllegalStateException("raw 3-node clusters did not form");
            }
            List<InetSocketAddress> both = new ArrayList<>(ha);
            both.addAll(hb);
            long t0 = System.nanoTime();
            for (RawNode n : six) {
                TCPPING ping = n.channel.getProtocolStack().findProtocol(TCPPING.class);
                ping.setInitialHosts(both);
            }
            long tm = awaitTrue(() -> allSize(six, 6), 75_000);
            if (tm > 0) {
                long last = six.stream().mapToLong(RawNode::viewNanos).max().orElse(tm);
                all.raw.record(Math.min(tm, last) - t0);
            } else {
                all.raw.fail("not merged in 75 s");
            }
        } finally {
            closeAll(six);
        }
    }

    private static RawNode startRaw(String name, int port, List<InetSocketAddress> hosts, long fdMs) {
        try {
            return RawNode.start(name, BenchChild.RAW_CLUSTER, LO, port, hosts, fdMs);
        } catch (Exception e) {
            throw new IllegalStateException("raw node " + name + " on port " + port + ": " + e, e);
        }
    }

    /**
     * Ping round trips between two members in this JVM, blocks of 1000 alternating, after a warm-up: distribute as
     * (every connection TLS 1.3 with the cookie as PSK) and raw JGroups over plain TCP.
     */
    private void ping() throws Exception {
        Row r = row("ping", "ping round trip to a member", "µs", "p50 ≤ 60 µs, p99 ≤ 250 µs",
                s -> r(s, 1e3) <= 60 && s.p99() / 1e3 <= 250);
        r.relative = 1.2; // and, over TLS, within 1.2 times raw JGroups' plain round trip of the same run
        List<AutoCloseable> all = new ArrayList<>();
        try {
            int p = PortPool.block(4);
            ClusterNode a = startOurs("pa", p, ours);
            all.add(a);
            ClusterNode b = startOurs("pb", p + 1, ours);
            all.add(b);
            connectOk(a, b.selfNode());
            int q = PortPool.block(2);
            List<InetSocketAddress> hosts = RawNode.hosts(LO, q, q + 1);
            RawNode ra = startRaw("rpa", q, hosts, 0);
            all.add(ra);
            RawNode rb = startRaw("rpb", q + 1, hosts, 0);
            all.add(rb);
            if (awaitTrue(() -> a.nodes().size() == 1 && ra.size() == 2 && rb.size() == 2,
                    10_000) < 0) {
                throw new IllegalStateException("ping pairs did not form");
            }
            String target = b.selfNode();
            Address rt = rb.address();
            int block = 1000;
            int blocks = n(10, 2);
            int warm = n(5, 1);
            for (int k = -warm; k < blocks; k++) {
                for (int i = 0; i < block; i++) {
                    long t0 = System.nanoTime();
                    boolean ok = a.ping(target);
                    long t1 = System.nanoTime();
                    if (k >= 0) {
                        if (ok) {
                            r.ours.record(t1 - t0);
                        } else {
                            r.ours.fail("ping false");
                        }
                    }
                }
                for (int i = 0; i < block; i++) {
                    long rtt = ra.ping(rt, 1000);
                    if (k >= 0) {
                        if (rtt >= 0) {
                            r.raw.record(rtt);
                        } else {
                            r.raw.fail("no reply in 1 s");
                        }
                    }
                }
            }
        } finally {
            closeAll(all);
        }
        summary(r);
    }

    /**
     * The secure connection layer's costs: 1 KiB unicast throughput between two members (TLS records vs raw JGroups'
     * plain TCP), as time per message in batches of 20,000, alternating; and the CPU one TLS 1.3 PSK handshake costs
     * (both ends in this JVM: a probe connection, handshake plus a short answer), measured as process CPU time.
     */
    private void secure() throws Exception {
        Row tput = row("secure", "1 KiB unicast, time per message (throughput)", "µs", "throughput ≥ 50 % of raw", null);
        Row hs = row("secure", "TLS handshake CPU, both ends (probe)", "ms", "", null);
        List<AutoCloseable> all = new ArrayList<>();
        try {
            int p = PortPool.block(2);
            ClusterNode a = startOurs("ta", p, ours);
            all.add(a);
            ClusterNode b = startOurs("tb", p + 1, ours);
            all.add(b);
            connectOk(a, b.selfNode());
            int q = PortPool.block(2);
            List<InetSocketAddress> hosts = RawNode.hosts(LO, q, q + 1);
            RawNode ra = startRaw("rta", q, hosts, 0);
            all.add(ra);
            RawNode rb = startRaw("rtb", q + 1, hosts, 0);
            all.add(rb);
            if (awaitTrue(() -> a.nodes().size() == 1 && ra.size() == 2 && rb.size() == 2, 10_000) < 0) {
                throw new IllegalStateException("throughput pairs did not form");
            }
            JChannel oursFrom = io.distribute.internal.Channels.of(a);
            JChannel oursTo = io.distribute.internal.Channels.of(b);
            java.util.concurrent.atomic.AtomicLong oursGot = counting(oursTo);
            java.util.concurrent.atomic.AtomicLong rawGot = counting(rb.channel);
            byte[] kib = new byte[1024];
            int batch = n(20_000, 5_000);
            int rounds = n(6, 2);
            for (int k = -1; k < rounds; k++) {
                long o = blast(oursFrom, oursTo.getAddress(), oursGot, kib, batch);
                long w = blast(ra.channel, rb.channel.getAddress(), rawGot, kib, batch);
                if (k >= 0) { // the first round warms up
                    record(tput.ours, o, batch);
                    record(tput.raw, w, batch);
                }
            }
            // Handshake CPU: probes between two secure layers of this JVM, after a warm-up.
            byte[] k1 = new byte[32];
            java.util.Arrays.fill(k1, (byte) 7);
            io.distribute.internal.secure.SecureLayer server = new io.distribute.internal.secure.SecureLayer(k1, k1, "hs",
                    "hs@" + HOST);
            server.probeAnswer(() -> new byte[16]);
            io.distribute.internal.secure.SecureLayer client = new io.distribute.internal.secure.SecureLayer(k1, k1,
                    "hc", "hc@" + HOST);
            try (java.net.ServerSocket l = server.probeListener(new InetSocketAddress(LO, PortPool.one()))) {
                InetSocketAddress at = new InetSocketAddress(LO, l.getLocalPort());
                com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
                int per = n(100, 30);
                for (int k = -1; k < n(10, 3); k++) {
                    long cpu0 = os.getProcessCpuTime();
                    for (int i = 0; i < per; i++) {
                        if (!(client.probe(at, "hs", 2000) instanceof io.distribute.internal.secure.ProbeResult.Answer)) {
                            hs.ours.fail("probe failed");
                        }
                    }
                    if (k >= 0) {
                        hs.ours.record((os.getProcessCpuTime() - cpu0) / per);
                    }
                }
            }
        } finally {
            closeAll(all);
        }
        summary(tput);
        summary(hs);
    }

    /** Replaces {@code ch}'s receiver by one that also counts messages (views still reach the old one). */
    private static java.util.concurrent.atomic.AtomicLong counting(JChannel ch) {
        java.util.concurrent.atomic.AtomicLong got = new java.util.concurrent.atomic.AtomicLong();
        org.jgroups.Receiver old = ch.getReceiver();
        ch.setReceiver(new org.jgroups.Receiver() {
            @Override
            public void receive(org.jgroups.Message msg) {
                got.incrementAndGet();
            }

            @Override
            public void viewAccepted(org.jgroups.View v) {
                if (old != null) {
                    old.viewAccepted(v);
                }
            }
        });
        return got;
    }

    /** Sends {@code n} messages and waits until all arrived; the nanoseconds it took, or -1. */
    private static long blast(JChannel from, Address to, java.util.concurrent.atomic.AtomicLong got, byte[] payload, int n)
            throws Exception {
        long target = got.get() + n;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            from.send(new BytesMessage(to, payload));
        }
        long at = awaitTrue(() -> got.get() >= target, 30_000);
        return at < 0 ? -1 : at - t0;
    }

    private static void record(Series s, long nanos, int n) {
        if (nanos < 0) {
            s.fail("not all messages arrived in 30 s");
        } else {
            s.record(nanos / n);
        }
    }

    /** kill -9 of a member in its own JVM; time until a survivor in this JVM no longer lists it. ABAB. */
    private void kill() throws Exception {
        Row r = row("kill", "kill -9 of a member -> gone from nodes()", "ms", "≤ 100 ms", s -> r(s, 1e6) <= 100);
        Row down = row("kill", "  ... NodeDown at a subscriber (raw: view callback)", "ms", "≤ 100 ms",
                s -> r(s, 1e6) <= 100);
        int runs = n(10, 3);
        List<AutoCloseable> all = new ArrayList<>();
        try {
            ClusterNode survivor = startOurs("ks", PortPool.one(), ours);
            all.add(survivor);
            int rp = PortPool.one();
            RawNode rawSurvivor = startRaw("rks", rp, RawNode.hosts(LO, rp), 0);
            all.add(rawSurvivor);
            for (int i = 0; i < runs; i++) {
                // ours
                int p = PortPool.one();
                try (Child c = Child.spawn("kill-ours-" + i, true, List.of(), COOKIE)) {
                    c.ask("start kv" + i + " " + HOST + " " + p + " 0 -", "STARTED", 30_000);
                    String victim = "kv" + i + "@" + HOST + ":" + p;
                    connectOk(survivor, victim);
                    long[] downAt = {-1};
                    String[] reason = {""};
                    Subscription sub = survivor.subscribe(e -> {
                        if (e instanceof MembershipEvent.NodeDown d && d.node().equals(victim) && downAt[0] < 0) {
                            downAt[0] = System.nanoTime();
                            reason[0] = String.valueOf(d.reason());
                        }
                    });
                    CompletableFuture<Long> gone = watch(() -> !survivor.nodes().contains(victim), 10_000);
                    long t0 = System.nanoTime();
                    c.kill9();
                    long tg = join(gone);
                    if (tg > 0) {
                        r.ours.record(tg - t0);
                    } else {
                        r.ours.fail("still listed after 10 s");
                    }
                    if (awaitTrue(() -> downAt[0] > 0, 5_000) > 0) {
                        down.ours.record(downAt[0] - t0);
                        if (!reason[0].equals("CRASHED") && down.ours.notes.size() < 3) {
                            down.ours.notes.add("reason " + reason[0]);
                        }
                    } else {
                        down.ours.fail("no NodeDown within 5 s");
                    }
                    sub.close();
                }
                // raw
                int q = PortPool.one();
                try (Child c = Child.spawn("kill-raw-" + i, false, List.of(), COOKIE)) {
                    String victim = "rkv" + i + "@" + HOST + ":" + q;
                    c.ask("start rkv" + i + " " + HOST + " " + q + " 0 " + HOST + ":" + rp + "," + HOST + ":" + q,
                            "STARTED", 30_000);
                    if (awaitTrue(() -> hasMember(rawSurvivor.view(), victim), 10_000) < 0) {
                        throw new IllegalStateException("raw victim did not join");
                    }
                    long[] goneAt = {-1};
                    rawSurvivor.addViewListener(v -> {
                        if (goneAt[0] < 0 && !hasMember(v, victim)) {
                            goneAt[0] = System.nanoTime();
                        }
                    });
                    long t0 = System.nanoTime();
                    c.kill9();
                    long tg = awaitTrue(() -> goneAt[0] > 0, 10_000) > 0 ? goneAt[0] : -1;
                    if (tg > 0) {
                        r.raw.record(tg - t0);
                        down.raw.record(tg - t0);
                    } else {
                        r.raw.fail("still in view after 10 s");
                        down.raw.fail("still in view after 10 s");
                    }
                }
            }
        } finally {
            closeAll(all);
        }
        summary(r);
        summary(down);
    }

    /** SIGSTOP of a member in its own JVM with a 3 s failure-detection timeout on both sides. ABAB. */
    private void sigstop() throws Exception {
        Row r = row("stop", "SIGSTOP of a member -> gone (3 s timeout)", "ms", "≤ 3500 ms",
                s -> r(s, 1e6) <= 3500);
        int runs = n(5, 2);
        List<AutoCloseable> all = new ArrayList<>();
        try {
            ClusterNode survivor = startOurs("ss", PortPool.one(), ClusterConfig.builder()
                    .clusterName(BenchChild.CLUSTER).failureDetectionTimeout(Duration.ofSeconds(3)).build());
            all.add(survivor);
            int rp = PortPool.one();
            RawNode rawSurvivor = startRaw("rss", rp, RawNode.hosts(LO, rp), 3000);
            all.add(rawSurvivor);
            for (int i = 0; i < runs; i++) {
                int p = PortPool.one();
                Child c = Child.spawn("stop-ours-" + i, true, List.of(), COOKIE);
                try {
                    c.ask("start sv" + i + " " + HOST + " " + p + " 3000 -", "STARTED", 30_000);
                    String victim = "sv" + i + "@" + HOST + ":" + p;
                    connectOk(survivor, victim);
                    Thread.sleep(200);
                    CompletableFuture<Long> gone = watch(() -> !survivor.nodes().contains(victim), 15_000);
                    long t0 = System.nanoTime();
                    c.signal("STOP");
                    long tg = join(gone);
                    if (tg > 0) {
                        r.ours.record(tg - t0);
                    } else {
                        r.ours.fail("still listed after 15 s");
                    }
                } finally {
                    c.kill9();
                    c.close();
                }
                int q = PortPool.one();
                c = Child.spawn("stop-raw-" + i, false, List.of(), COOKIE);
                try {
                    String victim = "rsv" + i + "@" + HOST + ":" + q;
                    c.ask("start rsv" + i + " " + HOST + " " + q + " 3000 " + HOST + ":" + rp + "," + HOST + ":" + q,
                            "STARTED", 30_000);
                    if (awaitTrue(() -> hasMember(rawSurvivor.view(), victim), 10_000) < 0) {
                        throw new IllegalStateException("raw victim did not join");
                    }
                    Thread.sleep(200);
                    long[] goneAt = {-1};
                    rawSurvivor.addViewListener(v -> {
                        if (goneAt[0] < 0 && !hasMember(v, victim)) {
                            goneAt[0] = System.nanoTime();
                        }
                    });
                    long t0 = System.nanoTime();
                    c.signal("STOP");
                    long tg = awaitTrue(() -> goneAt[0] > 0, 15_000) > 0 ? goneAt[0] : -1;
                    if (tg > 0) {
                        r.raw.record(tg - t0);
                    } else {
                        r.raw.fail("still in view after 15 s");
                    }
                } finally {
                    c.kill9();
                    c.close();
                }
            }
        } finally {
            closeAll(all);
        }
        r.raw.notes.add("FD_ALL3 timeout set to 3 s (interval 750 ms) instead of the stock 40 s; rest stock");
        summary(r);
    }

    /**
     * Two groups of two nodes (one JVM per group, each in its own network namespace) on a bridge; the link of group
     * A is cut until both sides have dropped the other, then restored: time until all four list all four again.
     * distribute on 10.200.0.1/.2, raw JGroups on 10.200.0.3/.4 (own namespaces and link); cuts alternate.
     */
    private void heal() throws Exception {
        Row r = row("heal", "link cut and restored -> merged again", "ms", "≤ 3000 ms", s -> r(s, 1e6) <= 3000);
        Row split = row("heal", "  ... cut -> both sides split (3 s timeout)", "ms", "", null);
        String why = Netns.unavailableReason();
        if (why != null) {
            r.ours.fail("skipped: " + why);
            r.raw.fail("skipped: " + why);
            say("   skipped: " + why);
            return;
        }
        netns = Netns.create(List.of("a", "b", "c", "d"));
        Netns ns = netns;
        String a = Netns.address("a");
        String b = Netns.address("b");
        String c = Netns.address("c");
        String d = Netns.address("d");
        Child oa = Child.spawn("heal-ours-a", true, Netns.exec("a"), COOKIE);
        Child ob = Child.spawn("heal-ours-b", true, Netns.exec("b"), COOKIE);
        int oursRuns = n(4, 1);
        int rawRuns = quick ? 0 : 1; // stock MERGE3: ~48 s per heal
        Child rc = rawRuns == 0 ? null : Child.spawn("heal-raw-c", false, Netns.exec("c"), COOKIE);
        Child rd = rawRuns == 0 ? null : Child.spawn("heal-raw-d", false, Netns.exec("d"), COOKIE);
        // distribute: a1,a2 | b1,b2, connected
        for (Child ch : List.of(oa, ob)) {
            String host = ch == oa ? a : b;
            String g = ch == oa ? "a" : "b";
            ch.ask("start " + g + "1 " + host + " 7800 3000 -", "STARTED", 30_000);
            ch.ask("start " + g + "2 " + host + " 7801 3000 -", "STARTED", 30_000);
            ch.ask("connect 1 " + g + "1@" + host + ":7800", "CONNECTED", 10_000);
        }
        String res = oa.ask("connect 0 b1@" + b + ":7800", "CONNECTED", 10_000);
        if (!res.endsWith("Ok[value=null]") && !res.contains("Ok")) {
            throw new IllegalStateException("distribute groups did not connect: " + res);
        }
        // raw: c1,c2 | d1,d2, all four in every TCPPING
        if (rawRuns > 0) {
            String seeds = c + ":7800," + c + ":7801," + d + ":7800," + d + ":7801";
            rc.ask("start c1 " + c + " 7800 3000 " + seeds, "STARTED", 30_000);
            rc.ask("start c2 " + c + " 7801 3000 " + seeds, "STARTED", 30_000);
            rd.ask("start d1 " + d + " 7800 3000 " + seeds, "STARTED", 30_000);
            rd.ask("start d2 " + d + " 7801 3000 " + seeds, "STARTED", 30_000);
        }
        if (awaitTrue(() -> sizes(List.of(oa, ob), 4) > 0
                && (rawRuns == 0 || sizes(List.of(rc, rd), 4) > 0), 20_000) < 0) {
            throw new IllegalStateException("4-node clusters did not form in the namespaces");
        }
        for (int i = 0; i < Math.max(oursRuns, rawRuns); i++) {
            if (i < oursRuns) {
                cutAndHeal(ns, "a", oa, ob, r.ours, split.ours, 30_000);
            }
            if (i < rawRuns) {
                cutAndHeal(ns, "c", rc, rd, r.raw, split.raw, 90_000);
            }
        }
        for (Child ch : java.util.Arrays.asList(oa, ob, rc, rd)) {
            if (ch != null) {
                ch.kill9();
            }
        }
        r.raw.notes.add(quick ? "skipped by --quick (stock MERGE3 takes ~48 s)"
                : "FD_ALL3 timeout 3 s (interval 750 ms) so the cut is noticed; MERGE3 stock (10-30 s)");
        summary(split);
        summary(r);
    }

    /** The time of the latest view change if every node of these children has {@code size} members, else -1. */
    private static long sizes(List<Child> children, int size) {
        long last = 0;
        for (Child ch : children) {
            if (ch.views.isEmpty()) {
                return -1;
            }
            for (Map.Entry<Integer, long[]> e : ch.views.entrySet()) {
                if (e.getValue()[0] != size) {
                    return -1;
                }
                last = Math.max(last, e.getValue()[1]);
            }
        }
        return last;
    }

    private void cutAndHeal(Netns ns, String side, Child x, Child y, Series heal, Series split, long healBoundMs)
            throws Exception {
        long t0 = System.nanoTime();
        ns.cut(side);
        long ts = awaitTrue(() -> sizes(List.of(x, y), 2) > 0, 30_000);
        if (ts < 0) {
            split.fail("no split within 30 s");
            ns.restore(side);
            awaitTrue(() -> sizes(List.of(x, y), 4) > 0, healBoundMs);
            heal.fail("cut not detected");
            return;
        }
        split.record(sizes(List.of(x, y), 2) - t0);
        Thread.sleep(300);
        long t1 = System.nanoTime();
        ns.restore(side);
        long th = awaitTrue(() -> sizes(List.of(x, y), 4) > 0, healBoundMs);
        if (th > 0) {
            heal.record(sizes(List.of(x, y), 4) - t1);
        } else {
            heal.fail("not merged within " + healBoundMs / 1000 + " s");
        }
        Thread.sleep(500);
    }

    /**
     * N nodes started at once, all listing all N as seeds, 4 JVMs × N/4 nodes, each node on its own loopback address
     * ({@link PortPool#host}); after each JVM started and stopped one node (class loading). Time from the start command until every node's view has N members. Both sides run
     * FD_ALL3 with the same 3 s timeout.
     */
    private void many() throws Exception {
        Row r16 = row("many", "16 nodes at once -> one view (4 JVMs × 4)", "ms", "≤ 1000 ms",
                s -> r(s, 1e6) <= 1000);
        Row r32 = quick ? null : row("many", "32 nodes at once -> one view (4 JVMs × 8)", "ms", "≤ 2000 ms",
                s -> r(s, 1e6) <= 2000);
        Row r64 = quick ? null : row("many", "64 nodes at once -> one view (4 JVMs × 16)", "ms", "≤ 4000 ms",
                s -> r(s, 1e6) <= 4000);
        List<Child> oursJvms = new ArrayList<>();
        List<Child> rawJvms = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            oursJvms.add(Child.spawn("many-ours-" + k, true, List.of(), COOKIE));
            rawJvms.add(Child.spawn("many-raw-" + k, false, List.of(), COOKIE));
        }
        // warm-up: one node started and stopped in every JVM, all at once
        List<Child> every = new ArrayList<>(oursJvms);
        every.addAll(rawJvms);
        for (Child c : every) {
            int p = PortPool.one();
            c.send("start warm " + HOST + " " + p + " 0 " + HOST + ":" + p);
        }
        for (Child c : every) {
            if (c.expect("STARTED", 30_000) == null) {
                throw new IllegalStateException("warm-up failed in " + c.id + ": " + c.tail());
            }
            c.ask("closeall", "CLOSEDALL", 10_000);
        }
        int[] next = new int[8];
        java.util.Arrays.fill(next, 1);
        if (MANY_ONLY > 0) { // one size, round after round, each printed: no row of the table
            Series ours = new Series("ours");
            Series raw = new Series("raw");
            for (int i = 0; i < MANY_ROUNDS; i++) {
                manyOnce(oursJvms, MANY_ONLY, ours, next, 0);
                if (!Boolean.getBoolean("bench.many_skip_raw")) {
                    manyOnce(rawJvms, MANY_ONLY, raw, next, 4);
                }
            }
            for (Child c : every) { // a clean exit: a child's flight recording or perf map is written at exit
                c.send("exit");
                c.expect("BYE", 30_000, false);
            }
            return;
        }
        for (int i = 0; i < n(3, 1); i++) {
            manyOnce(oursJvms, 16, r16.ours, next, 0);
            if (i < n(2, 1)) {
                manyOnce(rawJvms, 16, r16.raw, next, 4);
            }
        }
        if (r32 != null) {
            for (int i = 0; i < 2; i++) {
                manyOnce(oursJvms, 32, r32.ours, next, 0);
                manyOnce(rawJvms, 32, r32.raw, next, 4);
            }
            manyOnce(oursJvms, 64, r64.ours, next, 0);
            manyOnce(rawJvms, 64, r64.raw, next, 4);
        }
        for (Child c : every) {
            c.kill9();
        }
        summary(r16);
        if (r32 != null) {
            summary(r32);
            summary(r64);
        }
    }

    private void manyOnce(List<Child> jvms, int n, Series s, int[] next, int slot) throws Exception {
        int base = PortPool.block(n);
        StringBuilder seedsOfEach = new StringBuilder();
        for (int i = 0; i < n; i++) {
            seedsOfEach.append(i == 0 ? "" : ",").append(PortPool.host(i)).append(':').append(base + i);
        }
        String seeds = seedsOfEach.toString();
        int per = n / jvms.size();
        List<List<Integer>> idx = new ArrayList<>();
        String[] commands = new String[jvms.size()];
        for (int k = 0; k < jvms.size(); k++) {
            StringBuilder cmd = new StringBuilder("startmany " + MANY_FD_MS + " " + seeds);
            List<Integer> mine = new ArrayList<>();
            for (int j = 0; j < per; j++) {
                int port = base + k * per + j;
                cmd.append(" n").append(port).append('@').append(PortPool.host(k * per + j)).append(':').append(port);
                mine.add(next[slot + k]++);
            }
            idx.add(mine);
            commands[k] = cmd.toString();
        }
        for (Child c : jvms) {
            c.views.clear();
            c.history.clear();
        }
        long t0 = System.nanoTime();
        for (int k = 0; k < jvms.size(); k++) {
            jvms.get(k).send(commands[k]);
        }
        BooleanSupplier one = () -> {
            for (int k = 0; k < jvms.size(); k++) {
                for (int i : idx.get(k)) {
                    long[] v = jvms.get(k).views.get(i);
                    if (v == null || v[0] != n) {
                        return false;
                    }
                }
            }
            return true;
        };
        long done = awaitTrue(one, MANY_BOUND_MS);
        if (DEBUG) { // every membership change of every node, in time order: how the view came together
            List<String> changes = new ArrayList<>();
            for (int k = 0; k < jvms.size(); k++) {
                synchronized (jvms.get(k).history) {
                    for (long[] h : jvms.get(k).history) {
                        changes.add(String.format(Locale.ROOT, "%8.0f ms  jvm %d node %2d lists %2d %s", (h[2] - t0) / 1e6,
                                k, h[0], h[1], h.length > 3 ? jvms.get(k).eventOf(h[3]) : ""));
                    }
                }
            }
            changes.sort(java.util.Comparator.comparingDouble(l -> Double.parseDouble(l.substring(0, 8).trim())));
            changes.forEach(l -> say("   debug " + s.impl + ": " + l));
        }
        if (done > 0) {
            long last = 0;
            for (int k = 0; k < jvms.size(); k++) {
                for (int i : idx.get(k)) {
                    last = Math.max(last, jvms.get(k).views.get(i)[1]);
                }
            }
            s.record(last - t0);
            say(String.format(Locale.ROOT, "   %d at once, %s: one view after %.0f ms", n, s.impl, (last - t0) / 1e6));
        } else {
            StringBuilder sizes = new StringBuilder();
            for (Child c : jvms) {
                c.views.values().forEach(v -> sizes.append(v[0]).append(' '));
            }
            s.fail("no single view of " + n + " within " + MANY_BOUND_MS / 1000 + " s; sizes " + sizes.toString().trim());
            say(String.format(Locale.ROOT, "   %d at once, %s: no single view within %d s", n, s.impl,
                    MANY_BOUND_MS / 1000));
        }
        if (DEBUG) {
            List<long[]> all = new ArrayList<>();
            for (int k = 0; k < jvms.size(); k++) {
                synchronized (jvms.get(k).history) {
                    for (long[] h : jvms.get(k).history) {
                        all.add(new long[] {k, h[0], h[1], h[2]});
                    }
                }
            }
            all.sort((x, y) -> Long.compare(x[3], y[3]));
            StringBuilder b = new StringBuilder("   debug views (ms: jvm/node=size):");
            for (long[] h : all) {
                b.append(String.format(Locale.ROOT, " %.0f:%d/%d=%d", (h[3] - t0) / 1e6, h[0], h[1], h[2]));
            }
            say(b.toString());
        }
        for (Child c : jvms) {
            c.expect("ALLSTARTED", 30_000, false);
            c.send("closeall");
        }
        for (Child c : jvms) {
            if (c.expect("CLOSEDALL", 60_000, false) == null) {
                throw new IllegalStateException("child " + c.id + " did not close its nodes: " + c.tail());
            }
        }
        Thread.sleep(300);
    }

    /**
     * In a fresh JVM each: the first node's start (cold), heap after GC and live threads before a node, with an idle
     * node, after it stopped, and after start/stop cycles (100 for distribute; 5 for raw JGroups, whose lone start
     * takes 2 s).
     */
    private void idle() throws Exception {
        Row cold = row("idle", "startNode, first in a fresh JVM (cold)", "ms", "", null);
        Row heap = row("idle", "idle node: heap after GC (JVM total)", "MiB", "", null);
        Row heapNode = row("idle", "idle node: heap after GC (node's share)", "MiB", "≤ 10 MiB",
                s -> s.median() / 1048576.0 <= 10);
        Row threads = row("idle", "idle node: live threads (JVM total)", "threads", "", null);
        Row threadsNode = row("idle", "idle node: live threads (node's share)", "threads", "≤ 15",
                s -> s.median() <= 15);
        Row cycles = row("idle", "start/stop cycles: time per cycle", "ms", "", null);
        Row heapAfter = row("idle", "after cycles: heap vs before them", "MiB", "back to baseline",
                s -> s.median() / 1048576.0 <= 1);
        Row threadsAfter = row("idle", "after cycles: threads vs JVM baseline", "threads", "back to baseline",
                s -> s.median() <= 0);
        for (boolean isOurs : new boolean[] {true, false}) {
            int count = isOurs ? 100 : n(5, 2);
            if (quick && isOurs) {
                count = 20;
            }
            try (Child c = Child.spawn(isOurs ? "idle-ours" : "idle-raw", isOurs, List.of(), COOKIE)) {
                long[] base = stats(c);
                int p = PortPool.one();
                String[] st = c.ask("start idle " + HOST + " " + p + " 0 " + HOST + ":" + p, "STARTED", 30_000).split(" ");
                pick(cold, isOurs).record(Long.parseLong(st[3]) - Long.parseLong(st[2]));
                Thread.sleep(3000);
                long[] idleStats = stats(c);
                say("   " + (isOurs ? "distribute" : "jgroups") + " idle threads: " + c.lastStatsNames);
                pick(heap, isOurs).record(idleStats[0]);
                pick(heapNode, isOurs).record(Math.max(0, idleStats[0] - base[0]));
                pick(threads, isOurs).record(idleStats[1]);
                pick(threadsNode, isOurs).record(idleStats[1] - base[1]);
                c.ask("close 0", "CLOSED", 10_000);
                long[] afterFirst = stats(c);
                int cp = PortPool.block(5);
                String[] cy = c.ask("cycles " + count + " " + HOST + " " + cp, "CYCLES", 300_000).split(" ");
                pick(cycles, isOurs).record(Long.parseLong(cy[2]) * 1_000_000 / count);
                // idle pool threads exit after their keep-alive (JGroups' stock 60 s, distribute 30 s): wait, bounded
                long[] after = stats(c);
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(quick ? 6 : 12);
                while (after[1] > base[1] && System.nanoTime() < until) {
                    Thread.sleep(2000);
                    after = stats(c);
                }
                pick(heapAfter, isOurs).record(Math.max(0, after[0] - afterFirst[0]));
                pick(threadsAfter, isOurs).record(Math.max(0, after[1] - base[1]));
                say(String.format(Locale.ROOT, "   %s: baseline %.1f MiB/%d threads; idle node %.1f MiB/%d; after"
                                + " first stop %.1f MiB/%d; after %d cycles %.1f MiB/%d (%s)",
                        isOurs ? "distribute" : "jgroups", base[0] / 1048576.0, base[1], idleStats[0] / 1048576.0,
                        idleStats[1], afterFirst[0] / 1048576.0, afterFirst[1], count, after[0] / 1048576.0,
                        after[1], c.lastStatsNames));
                pick(cycles, isOurs).notes.add(count + " cycles");
            }
        }
        heapNode.ours.notes.add("heap used after GC with an idle node minus the same JVM's before it (-Xmx256m, SerialGC)");
        threadsAfter.ours.notes.add("threads left above the JVM's baseline (before any node), after waiting up to 12 s");
        for (Row r : List.of(cold, heap, heapNode, threads, threadsNode, cycles, heapAfter, threadsAfter)) {
            summary(r);
        }
    }

    private static Series pick(Row r, boolean isOurs) {
        return isOurs ? r.ours : r.raw;
    }

    private static long[] stats(Child c) throws InterruptedException {
        String[] s = c.ask("stats", "STATS", 30_000).split(" ", 4);
        c.lastStatsNames = s.length > 3 ? s[3] : "";
        return new long[] {Long.parseLong(s[1]), Long.parseLong(s[2])};
    }

    // ------------------------------------------------------------------------------------------ output

    private static double r(Series s, double per) {
        return s.median() / per;
    }

    private void summary(Row r) {
        say("   " + r.name + ": distribute " + figures(r, r.ours) + " | jgroups " + figures(r, r.raw));
    }

    private String figures(Row r, Series s) {
        if (s.runs() == 0) {
            return s.failed > 0 ? "failed " + s.notes : "-";
        }
        return "median " + cell(r, s, s.median()) + " p99 " + cell(r, s, s.p99()) + " max " + cell(r, s, s.max()) + " "
                + r.unit + " (n=" + s.runs() + (s.failed > 0 ? ", failed " + s.failed + " " + s.notes : "") + ")";
    }

    static String fmt(double v) {
        if (v == 0) {
            return "0";
        }
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (Math.abs(v) >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private String cell(Row r, Series s, long value) {
        return s.runs() == 0 ? "-" : r.unit.equals("threads") ? String.valueOf(value) : fmt(r.v(value));
    }

    private String ratio(Row r) {
        if (r.ours.runs() == 0 || r.raw.runs() == 0 || r.raw.median() == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.3f", (double) r.ours.median() / r.raw.median());
    }

    private String verdict(Row r) {
        if (r.met == null && r.relative <= 0) {
            return "";
        }
        if (r.ours.runs() == 0 || (r.relative > 0 && r.raw.runs() == 0)) {
            return r.target + ": not measured";
        }
        if (r.relative > 0 && r.met != null) { // two targets: each gets its verdict
            return relativeTarget(r) + (relativeMet(r) ? ": met; " : ": MISSED; ") + r.target
                    + (r.met.test(r.ours) ? ": met" : ": MISSED");
        }
        return (r.relative > 0 ? relativeTarget(r) : r.target) + (met(r) ? ": met" : ": MISSED");
    }

    private static String relativeTarget(Row r) {
        return r.met == null ? r.target : String.format(Locale.ROOT, "p50 ≤ %s × raw", r.relative);
    }

    private static boolean relativeMet(Row r) {
        return r.ours.median() <= r.relative * r.raw.median();
    }

    /** Every target of the row met. */
    private static boolean met(Row r) {
        return (r.relative <= 0 || relativeMet(r)) && (r.met == null || r.met.test(r.ours));
    }

    private String table() {
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"workload", "unit", "ours p50", "p99", "max", "n", "raw p50", "p99", "max", "n",
                "ours/raw", "target (ours)"});
        for (Row r : rows) {
            lines.add(new String[] {r.name, r.unit,
                    cell(r, r.ours, r.ours.median()), cell(r, r.ours, r.ours.p99()), cell(r, r.ours, r.ours.max()),
                    runs(r.ours),
                    cell(r, r.raw, r.raw.median()), cell(r, r.raw, r.raw.p99()), cell(r, r.raw, r.raw.max()),
                    runs(r.raw), ratio(r), verdict(r)});
        }
        int[] w = new int[lines.get(0).length];
        for (String[] l : lines) {
            for (int i = 0; i < l.length; i++) {
                w[i] = Math.max(w[i], l[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (int li = 0; li < lines.size(); li++) {
            String[] l = lines.get(li);
            b.append("| ");
            for (int i = 0; i < l.length; i++) {
                String pad = " ".repeat(w[i] - l[i].length());
                b.append(i == 0 || i == l.length - 1 ? l[i] + pad : pad + l[i]).append(" | ");
            }
            b.setLength(b.length() - 1);
            b.append('\n');
            if (li == 0) {
                b.append('|');
                for (int i = 0; i < w.length; i++) {
                    b.append(i == 0 || i == w.length - 1 ? "-" : "").append("-".repeat(w[i] + 1))
                            .append(i == 0 || i == w.length - 1 ? "|" : ":|");
                }
                b.append('\n');
            }
        }
        List<String> notes = new ArrayList<>();
        for (Row r : rows) {
            for (Series s : List.of(r.ours, r.raw)) {
                for (String note : s.notes) {
                    notes.add("- " + r.name.trim() + " (" + s.impl + "): " + note);
                }
            }
        }
        if (!notes.isEmpty()) {
            b.append('\n').append(String.join("\n", new java.util.LinkedHashSet<>(notes))).append('\n');
        }
        return b.toString();
    }

    private static String runs(Series s) {
        return s.failed > 0 ? s.runs() + "+" + s.failed + " failed" : String.valueOf(s.runs());
    }

    private static Map<String, String> machine() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("nproc", String.valueOf(Runtime.getRuntime().availableProcessors()));
        String cpu = "unknown";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(cpu);
        } catch (IOException ignored) {
            // not Linux
        }
        m.put("cpu", cpu);
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("jgroups", org.jgroups.Version.printVersion());
        return m;
    }

    private static String loadAverage() {
        try {
            String[] p = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return p[0] + " " + p[1] + " " + p[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private void writeJson(Path out, Instant began, double seconds, String loadBefore, String loadAfter)
            throws IOException {
        StringBuilder j = new StringBuilder("{\n");
        j.append("  \"started\": ").append(q(began.toString())).append(",\n");
        j.append("  \"duration_s\": ").append(String.format(Locale.ROOT, "%.1f", seconds)).append(",\n");
        j.append("  \"quick\": ").append(quick).append(",\n");
        j.append("  \"command\": ").append(q("mvn -q -B test-compile exec:java -Dexec.mainClass="
                + Benchmark.class.getName() + (quick ? " -Dexec.args=--quick" : ""))).append(",\n");
        j.append("  \"load_average_before\": ").append(q(loadBefore)).append(",\n");
        j.append("  \"load_average_after\": ").append(q(loadAfter)).append(",\n");
        j.append("  \"machine\": {");
        Map<String, String> m = machine();
        int k = 0;
        for (Map.Entry<String, String> e : m.entrySet()) {
            j.append(k++ == 0 ? "" : ", ").append(q(e.getKey())).append(": ").append(q(e.getValue()));
        }
        j.append("},\n  \"results\": [\n");
        List<String> items = new ArrayList<>();
        String parent = "";
        for (Row r : rows) {
            String name = r.name.startsWith("  ... ") ? parent + " / " + r.name.substring(6) : r.name;
            if (!r.name.startsWith("  ... ")) {
                parent = r.name;
            }
            for (Series s : List.of(r.ours, r.raw)) {
                StringBuilder o = new StringBuilder("    {");
                o.append("\"name\": ").append(q(name))
                        .append(", \"impl\": ").append(q(s.impl))
                        .append(", \"unit\": ").append(q(r.unit))
                        .append(", \"median\": ").append(num(r, s, s.median()))
                        .append(", \"p99\": ").append(num(r, s, s.p99()))
                        .append(", \"max\": ").append(num(r, s, s.max()))
                        .append(", \"runs\": ").append(s.runs())
                        .append(", \"failed\": ").append(s.failed);
                if (s == r.ours) {
                    String ratio = ratio(r);
                    o.append(", \"ratio_ours_raw_median\": ").append(ratio.equals("-") ? "null" : ratio);
                    if (r.met != null || r.relative > 0) {
                        String target = r.relative > 0 && r.met != null ? relativeTarget(r) + "; " + r.target : r.target;
                        o.append(", \"target\": ").append(q(target)).append(", \"target_met\": ")
                                .append(s.runs() == 0 || (r.relative > 0 && r.raw.runs() == 0) ? "null"
                                        : String.valueOf(met(r)));
                    }
                }
                if (!s.notes.isEmpty()) {
                    o.append(", \"notes\": [");
                    for (int i = 0; i < s.notes.size(); i++) {
                        o.append(i == 0 ? "" : ", ").append(q(s.notes.get(i)));
                    }
                    o.append(']');
                }
                items.add(o.append('}').toString());
            }
        }
        j.append(String.join(",\n", items)).append("\n  ]\n}\n");
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, j.toString(), StandardCharsets.UTF_8);
    }

    private static String num(Row r, Series s, long v) {
        return s.runs() == 0 ? "null" : String.format(Locale.ROOT, "%.4f", r.v(v));
    }

    private static String q(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
