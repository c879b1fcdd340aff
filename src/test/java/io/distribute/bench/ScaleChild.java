package io.distribute.bench;

import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.ConnectError;
import io.distribute.cluster.MembershipEvent;
import io.distribute.cluster.Subscription;
import io.distribute.Result;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * One scale measurement in a JVM of its own, for distribute ({@code ours}) or raw JGroups ({@code raw}): N nodes on
 * loopback, each on its own address ({@link PortPool#host}: node i at 127.0.1.(i+1), as on separate hosts), each
 * joining node 0 in turn; then idle CPU of the whole process over a window, heap after GC and live
 * threads (minus this JVM's baseline before any node), and the time to join one more node (J times, each one left
 * again). Both sides detect a frozen member equally fast: FD_ALL3 timeout 3 s, interval 375 ms.
 *
 * <p>{@code ScaleChild ours|raw N IDLE_SECONDS JOINS FIRST_PORT [CRASHES]} (CRASHES defaults to JOINS). Prints {@code FORMED MS}, {@code IDLE CPU_NS WALL_NS},
 * {@code STATS HEAP_BYTES THREADS} (the node's share, total over N), {@code JOIN NS} per join (distribute: start, then
 * connect), {@code SEEDJOIN NS} per join started with node 0 as seed (distribute only), {@code CRASH NS REASON} per
 * member of a JVM of its own killed with SIGKILL (CRASHES times), then {@code DONE};
 * {@code FAILED reason} on any failure.
 */
public final class ScaleChild {

    static final long FD_MS = 3000;
    /** How long the membership must have been quiet before the idle window (see main). */
    static final long QUIET_MS = 22_000;

    private ScaleChild() {
    }

    /** A node of either kind, seen the same way. */
    private interface Node extends AutoCloseable {
        int size();

        @Override
        void close();
    }

    public static void main(String[] args) throws Exception {
        RawNode.routeLogging();
        boolean ours = args[0].equals("ours");
        int n = Integer.parseInt(args[1]);
        int idleSeconds = Integer.parseInt(args[2]);
        int joins = Integer.parseInt(args[3]);
        int first = Integer.parseInt(args[4]);
        int crashes = args.length > 5 ? Integer.parseInt(args[5]) : joins;
        String cookie = System.getenv("CLUSTER_COOKIE");
        List<Node> nodes = new ArrayList<>();
        try {
            long baseHeap = BenchChild.usedHeapAfterGc();
            int baseThreads = Thread.activeCount();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                nodes.add(start(ours, cookie, first, i));
            }
            if (!await(() -> nodes.stream().allMatch(x -> x.size() == n), 120_000)) {
                fail("no single view of " + n + " within 120 s");
            }
            out("FORMED " + (System.nanoTime() - t0) / 1_000_000);
            // Idle means a cluster whose membership has been quiet for a while: distribute's MERGE3 keeps the stack's
            // 1-3 s interval for 20 s after a view change (MergeCadence), so wait 22 s after formation, for both. And
            // the JIT must have finished compiling what formation ran: its compile threads otherwise count as idle
            // CPU (2.8 s of a 10 s window, 3 s after 16 nodes formed). Settled: under 50 ms of compiling in 2 s.
            long settleStart = System.nanoTime();
            Thread.sleep(QUIET_MS);
            for (long jit = jvmWork()[2]; System.nanoTime() - settleStart < TimeUnit.SECONDS.toNanos(80); ) {
                Thread.sleep(2000);
                long now = jvmWork()[2];
                if (now - jit < 50) {
                    break;
                }
                jit = now;
            }
            out("SETTLED " + (System.nanoTime() - settleStart) / 1_000_000);
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            // -Dscale.jfr=FILE: a flight recording of the idle window only (where idle CPU goes).
            String jfr = System.getProperty("scale.jfr");
            jdk.jfr.Recording rec = null;
            if (jfr != null) {
                rec = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
                rec.start();
            }
            java.util.Map<Long, Long> perThread = threadCpu();
            long[] jvm0 = jvmWork();
            long c0 = os.getProcessCpuTime();
            long w0 = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(idleSeconds));
            long c1 = os.getProcessCpuTime();
            long w1 = System.nanoTime();
            if (Boolean.getBoolean("scale.threads")) {
                printThreadCpu(perThread, threadCpu());
                long[] jvm1 = jvmWork();
                out(String.format(Locale.ROOT, "JVM gc %d ms in %d collections, jit %d ms, %d threads started",
                        jvm1[0] - jvm0[0], jvm1[1] - jvm0[1], jvm1[2] - jvm0[2], jvm1[3] - jvm0[3]));
            }
            if (rec != null) {
                rec.stop();
                rec.dump(java.nio.file.Path.of(jfr));
                rec.close();
            }
            boolean stillOne = nodes.stream().allMatch(x -> x.size() == n);
            out("IDLE " + (c1 - c0) + " " + (w1 - w0) + (stillOne ? "" : " VIEW_CHANGED"));
            long heap = BenchChild.usedHeapAfterGc();
            out("STATS " + Math.max(0, heap - baseHeap) + " " + (Thread.activeCount() - baseThreads));
            for (int j = 0; j < joins; j++) {
                long s = System.nanoTime();
                Node x = start(ours, cookie, first, n);
                if (!await(() -> x.size() == n + 1 && nodes.get(0).size() == n + 1, 30_000)) {
                    fail("join " + j + " did not complete within 30 s");
                }
                out("JOIN " + (System.nanoTime() - s));
                x.close();
                if (!await(() -> nodes.stream().allMatch(y -> y.size() == n), 30_000)) {
                    fail("the joiner's leave was not seen within 30 s");
                }
            }
            // distribute also joins the way raw JGroups does: started with node 0 as its seed (a GMS JOIN, where
            // connect merges a cluster of one into the other).
            for (int j = 0; ours && j < joins; j++) {
                long s = System.nanoTime();
                Node x = startSeeded(cookie, first, n);
                if (!await(() -> x.size() == n + 1 && nodes.get(0).size() == n + 1, 30_000)) {
                    fail("seeded join " + j + " did not complete within 30 s");
                }
                out("SEEDJOIN " + (System.nanoTime() - s));
                x.close();
                if (!await(() -> nodes.stream().allMatch(y -> y.size() == n), 30_000)) {
                    fail("the joiner's leave was not seen within 30 s");
                }
            }
            // A member in a JVM of its own killed with SIGKILL: until every other member has dropped it.
            for (int k = 0; k < crashes; k++) {
                crash(ours, cookie, first, n, nodes, k);
            }
            out("DONE");
        } catch (Exception | Error e) {
            e.printStackTrace(); // the cause chain: a NoClassDefFoundError hides what failed first
            fail(e.toString());
        } finally {
            nodes.forEach(Node::close);
        }
        System.exit(0);
    }

    /**
     * Starts a member in a JVM of its own (at index {@code n}'s address and port), waits until all list it, kills it
     * with SIGKILL and prints {@code CRASH NS REASON}: until every member has dropped it, and the reason node 0's
     * subscriber got (raw: {@code -}).
     */
    private static void crash(boolean ours, String cookie, int first, int n, List<Node> nodes, int k) throws Exception {
        String host = PortPool.host(n);
        int port = first + n;
        try (Child victim = Child.spawn("scale-victim-" + k, ours, List.of(), cookie)) {
            String[] reason = {"-"};
            Subscription sub = null;
            if (ours) {
                victim.ask("start v" + port + " " + host + " " + port + " " + FD_MS + " -", "STARTED", 30_000);
                String name = "v" + port + "@" + host + ":" + port;
                victim.ask("connect 0 " + name(first, 0), "CONNECTED", 60_000);
                sub = node0.subscribe(e -> {
                    if (e instanceof MembershipEvent.NodeDown d && d.node().equals(name)) {
                        reason[0] = String.valueOf(d.reason());
                    }
                });
            } else {
                victim.ask("start v" + port + " " + host + " " + port + " " + FD_MS + " " + PortPool.host(0) + ":"
                        + first, "STARTED", 30_000);
            }
            if (!await(() -> nodes.stream().allMatch(x -> x.size() == n + 1), 30_000)) {
                fail("the victim " + k + " was not listed by all within 30 s");
            }
            long s = System.nanoTime();
            victim.kill9();
            if (!await(() -> nodes.stream().allMatch(x -> x.size() == n), 30_000)) {
                fail("the killed member " + k + " was still listed after 30 s");
            }
            long took = System.nanoTime() - s;
            if (sub != null) {
                await(() -> !reason[0].equals("-"), 5_000);
                sub.close();
            }
            out("CRASH " + took + " " + reason[0]);
        }
    }

    /** Node 0 of this JVM's distribute cluster (for the crash's reason). */
    private static volatile ClusterNode node0;

    /** A distribute node as the measurement sees it: its cluster's size, itself included. */
    private static Node seenAsNode(ClusterNode node) {
        return new Node() {
            @Override
            public int size() {
                return node.nodes().size() + 1;
            }

            @Override
            public void close() {
                node.close();
            }
        };
    }

    /** Node {@code i}'s name: its port is {@code first + i}, its address {@link PortPool#host}(i). */
    private static String name(int first, int i) {
        return "s" + (first + i) + "@" + PortPool.host(i) + ":" + (first + i);
    }

    private static Node startSeeded(String cookie, int first, int i) {
        ClusterConfig config = ClusterConfig.builder().clusterName(BenchChild.CLUSTER)
                .failureDetectionTimeout(Duration.ofMillis(FD_MS)).seeds(name(first, 0)).build();
        ClusterNode node = ClusterNode.start(name(first, i), cookie, config).orElseThrow();
        return seenAsNode(node);
    }

    private static Node start(boolean ours, String cookie, int first, int i) throws Exception {
        int port = first + i;
        String id = "s" + port;
        if (ours) {
            // connect's timeout as long as raw JGroups' join may take (2 s x 10 attempts, stock GMS): 64 nodes on two
            // cores made 5 s connects time out while every member handshook with each newcomer.
            ClusterConfig config = ClusterConfig.builder().clusterName(BenchChild.CLUSTER)
                    .failureDetectionTimeout(Duration.ofMillis(FD_MS)).connectTimeout(Duration.ofSeconds(20)).build();
            ClusterNode node = ClusterNode.start(name(first, i), cookie, config).orElseThrow();
            if (i == 0) {
                node0 = node;
            } else {
                // A loaded machine (2 shared cores) can time a connect out: ask again, a bounded number of times.
                Result<Void, ConnectError> r = null;
                for (int attempt = 0; attempt < 3 && (r == null || r.isErr()); attempt++) {
                    r = node.connect(name(first, 0));
                }
                // Ignored: an earlier attempt that timed out has merged meanwhile.
                boolean ignored = r instanceof Result.Err<Void, ConnectError> e
                        && e.error() instanceof ConnectError.ConnectIgnored;
                if (!r.isOk() && !ignored) {
                    node.close();
                    throw new IllegalStateException("connect " + port + " -> " + first + ": " + r);
                }
            }
            return seenAsNode(node);
        }
        InetAddress seed = InetAddress.getByName(PortPool.host(0));
        RawNode raw = RawNode.create(id, InetAddress.getByName(PortPool.host(i)), port,
                List.of(new InetSocketAddress(seed, first)), 0);
        RawNode.setDetection(raw, FD_MS, FD_MS / 8);
        raw.channel.connect(BenchChild.RAW_CLUSTER);
        return new Node() {
            @Override
            public int size() {
                return raw.channel.getView() == null ? 0 : raw.channel.getView().size();
            }

            @Override
            public void close() {
                raw.close();
            }
        };
    }

    /** GC time and count, JIT time, threads started so far: the idle window's work that no Java thread shows. */
    private static long[] jvmWork() {
        long gcMs = 0;
        long gcs = 0;
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            gcMs += Math.max(0, gc.getCollectionTime());
            gcs += Math.max(0, gc.getCollectionCount());
        }
        var jit = ManagementFactory.getCompilationMXBean();
        long jitMs = jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
        return new long[] {gcMs, gcs, jitMs, ManagementFactory.getThreadMXBean().getTotalStartedThreadCount()};
    }

    private static java.util.Map<Long, Long> threadCpu() {
        var mx = ManagementFactory.getThreadMXBean();
        java.util.Map<Long, Long> m = new java.util.HashMap<>();
        for (long id : mx.getAllThreadIds()) {
            m.put(id, mx.getThreadCpuTime(id));
        }
        return m;
    }

    /** -Dscale.threads=true: the idle window's CPU by kind of thread (name without numbers and node names). */
    private static void printThreadCpu(java.util.Map<Long, Long> before, java.util.Map<Long, Long> after) {
        var mx = ManagementFactory.getThreadMXBean();
        java.util.Map<String, Long> byKind = new java.util.TreeMap<>();
        after.forEach((id, t) -> {
            var info = mx.getThreadInfo(id);
            String kind = info == null ? "(ended)" : info.getThreadName().replaceAll("\\[.*\\]", "")
                    .replaceAll(",.*", "").replaceAll("[0-9]+", "N");
            byKind.merge(kind, Math.max(0, t - before.getOrDefault(id, 0L)), Long::sum);
        });
        byKind.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(12)
                .forEach(e -> out(String.format(Locale.ROOT, "THREADS %8.1f ms %s", e.getValue() / 1e6, e.getKey())));
    }

    private static boolean await(BooleanSupplier cond, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(2_000_000);
        }
        return true;
    }

    private static void fail(String why) {
        out("FAILED " + why.replace('\n', ' '));
        System.exit(1);
    }

    static synchronized void out(String s) {
        System.out.println(s);
        System.out.flush();
    }

    static String perSecond(long cpuNanos, long wallNanos, int n) {
        return String.format(Locale.ROOT, "%.2f", cpuNanos / 1e6 / (wallNanos / 1e9) / n);
    }
}
