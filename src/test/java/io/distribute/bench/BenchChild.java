package io.distribute.bench;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.StartError;
import org.jgroups.View;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A benchmark process: hosts distribute nodes ({@code ours}) or stock JGroups channels ({@code raw}) and is driven
 * over stdin by {@link Benchmark}. Times are {@link System#nanoTime()} values, which on Linux come from
 * CLOCK_MONOTONIC and are comparable between processes of one machine (network namespaces share the clock).
 *
 * <p>Commands (one line each): {@code start ID HOST PORT FD_MS SEEDS}, {@code startmany FD_MS SEEDS ID@HOST:PORT...}
 * (all at once, one thread each), {@code connect IDX NODE}, {@code close IDX}, {@code stats}, {@code cycles N HOST
 * PORT}, {@code exit}. SEEDS is {@code -} or comma-separated {@code host:port}. Every change of a node's
 * membership is printed as {@code V IDX NANOS SIZE NAMES} (SIZE counts the node itself): from the view callback
 * for raw JGroups, from a membership-event subscriber ({@code ClusterNode.subscribe}) for distribute.
 */
public final class BenchChild {

    static final String CLUSTER = "bench";
    static final String RAW_CLUSTER = "bench-raw";

    private final boolean ours;
    private final String cookie;
    private final List<Object> nodes = new CopyOnWriteArrayList<>();

    private BenchChild(boolean ours, String cookie) {
        this.ours = ours;
        this.cookie = cookie;
    }

    public static void main(String[] args) throws Exception {
        RawNode.routeLogging();
        BenchChild c = new BenchChild(args[0].equals("ours"), System.getenv("CLUSTER_COOKIE"));
        out("READY " + ProcessHandle.current().pid());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String[] a = line.trim().split("\\s+");
            try {
                switch (a[0]) {
                    case "start" -> c.startOne(a[1], a[2], Integer.parseInt(a[3]), Long.parseLong(a[4]), a[5]);
                    case "startmany" -> c.startMany(Long.parseLong(a[1]), a[2], Arrays.copyOfRange(a, 3, a.length));
                    case "connect" -> c.connect(Integer.parseInt(a[1]), a[2]);
                    case "close" -> c.close(Integer.parseInt(a[1]));
                    case "closeall" -> {
                        for (int i = 0; i < c.nodes.size(); i++) {
                            c.closeQuietly(i);
                        }
                        out("CLOSEDALL");
                    }
                    case "stats" -> stats();
                    case "cycles" -> c.cycles(Integer.parseInt(a[1]), a[2], Integer.parseInt(a[3]));
                    case "exit" -> {
                        for (int i = 0; i < c.nodes.size(); i++) {
                            c.close(i);
                        }
                        out("BYE");
                        System.exit(0);
                    }
                    default -> out("UNKNOWN " + line);
                }
            } catch (Exception e) {
                out("ERROR " + a[0] + " " + e);
            }
        }
        System.exit(0);
    }

    static synchronized void out(String s) {
        System.out.println(s);
        System.out.flush();
    }

    private static List<InetSocketAddress> seeds(String seeds) throws Exception {
        List<InetSocketAddress> out = new ArrayList<>();
        if (!seeds.equals("-")) {
            for (String s : seeds.split(",")) {
                int colon = s.lastIndexOf(':');
                out.add(new InetSocketAddress(InetAddress.getByName(s.substring(0, colon)),
                        Integer.parseInt(s.substring(colon + 1))));
            }
        }
        return out;
    }

    /** Starts one node; prints {@code STARTED IDX T0 T1} or {@code FAILED IDX reason}. */
    private int start(String id, String host, int port, long fdMs, String seeds) throws Exception {
        String name = id + "@" + host + ":" + port;
        int idx;
        synchronized (nodes) {
            idx = nodes.size();
            nodes.add(name); // placeholder until started
        }
        long t0 = System.nanoTime();
        Object node;
        if (ours) {
            ClusterConfig.Builder b = ClusterConfig.builder().clusterName(CLUSTER)
                    .failureDetectionTimeout(Duration.ofMillis(fdMs > 0 ? fdMs : 3000));
            List<String> seedNames = new ArrayList<>();
            for (InetSocketAddress s : seeds(seeds)) {
                if (!(s.getAddress().getHostAddress().equals(host) && s.getPort() == port)) {
                    seedNames.add("n" + s.getPort() + "@" + s.getAddress().getHostAddress() + ":" + s.getPort());
                }
            }
            b.seeds(seedNames);
            // -Dbench.join_ms=N (e.g. through JAVA_TOOL_OPTIONS, which child JVMs inherit): distribute's joinTimeout
            if (Long.getLong("bench.join_ms", 0) > 0) {
                b.joinTimeout(Duration.ofMillis(Long.getLong("bench.join_ms", 0)));
            }
            Result<ClusterNode, StartError> r = ClusterNode.start(name, cookie, b.build());
            if (r instanceof Result.Err<ClusterNode, StartError> e) {
                out("FAILED " + idx + " " + e.error());
                return idx;
            }
            node = r.orElseThrow();
        } else {
            InetAddress bind = InetAddress.getByName(host);
            RawNode rn = RawNode.create(name, bind, port, seeds(seeds), fdMs);
            final int i = idx;
            rn.addViewListener(v -> printView(i, v));
            rn.channel.connect(RAW_CLUSTER);
            node = rn;
        }
        long t1 = System.nanoTime();
        nodes.set(idx, node);
        out("STARTED " + idx + " " + t0 + " " + t1);
        if (node instanceof ClusterNode n) {
            final int i = idx;
            n.subscribe(e -> {
                List<String> now = n.nodes();
                out("V " + i + " " + System.nanoTime() + " " + (now.size() + 1) + " " + String.join(",", now) + " " + e);
            });
        }
        return idx;
    }

    private void startOne(String id, String host, int port, long fdMs, String seeds) throws Exception {
        start(id, host, port, fdMs, seeds);
    }

    /** Starts every node at once, one thread each (the seeds of distribute nodes are named n{port}@host:port). */
    private void startMany(long fdMs, String seeds, String[] specs) throws Exception {
        out("GO " + System.nanoTime());
        CountDownLatch done = new CountDownLatch(specs.length);
        for (String spec : specs) {
            int at = spec.indexOf('@');
            int colon = spec.lastIndexOf(':');
            String id = spec.substring(0, at);
            String host = spec.substring(at + 1, colon);
            int port = Integer.parseInt(spec.substring(colon + 1));
            Thread t = new Thread(() -> {
                try {
                    start(id, host, port, fdMs, seeds);
                } catch (Exception e) {
                    out("FAILED -1 " + spec + " " + e);
                } finally {
                    done.countDown();
                }
            }, "start-" + spec);
            t.start();
        }
        done.await(120, TimeUnit.SECONDS);
        out("ALLSTARTED " + System.nanoTime());
    }

    private static void printView(int idx, View v) {
        StringBuilder names = new StringBuilder();
        v.getMembers().forEach(m -> names.append(names.length() == 0 ? "" : ",").append(m));
        out("V " + idx + " " + System.nanoTime() + " " + v.size() + " " + names);
    }

    private void connect(int idx, String target) {
        ClusterNode n = (ClusterNode) nodes.get(idx);
        long t0 = System.nanoTime();
        Object r = n.connect(target);
        long t1 = System.nanoTime();
        out("CONNECTED " + idx + " " + t0 + " " + t1 + " " + r);
    }

    private void close(int idx) {
        Object o = nodes.get(idx);
        if (o instanceof ClusterNode n) {
            n.close();
        } else if (o instanceof RawNode r) {
            r.close();
        }
        nodes.set(idx, "closed");
        out("CLOSED " + idx);
    }

    private void closeQuietly(int idx) {
        Object o = nodes.get(idx);
        if (o instanceof ClusterNode n) {
            n.close();
        } else if (o instanceof RawNode r) {
            r.close();
        }
        nodes.set(idx, "closed");
    }

    /** Heap used after full GCs, and live threads (without this harness' own "bench-" poller thread). */
    static void stats() throws InterruptedException {
        long used = usedHeapAfterGc();
        List<String> live = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .map(Thread::getName).filter(n -> !n.startsWith("bench-")).sorted().toList();
        StringBuilder names = new StringBuilder();
        live.forEach(n -> names.append(names.length() == 0 ? "" : "|").append(n.replace(' ', '_')));
        out("STATS " + used + " " + live.size() + " " + names);
    }

    static long usedHeapAfterGc() throws InterruptedException {
        var mem = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, mem.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** {@code n} start/stop cycles of a lone node on {@code host:port}; prints {@code CYCLES N MILLIS}. */
    private void cycles(int n, String host, int port) throws Exception {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            int idx = start("cycle" + i, host, port + (i % 5), 0, ours ? "-" : host + ":" + (port + (i % 5)));
            Object o = nodes.get(idx);
            if (o instanceof ClusterNode c) {
                c.close();
            } else if (o instanceof RawNode r) {
                r.close();
            } else {
                out("ERROR cycles: node " + idx + " did not start");
                return;
            }
            nodes.set(idx, "closed");
        }
        out("CYCLES " + n + " " + (System.nanoTime() - t0) / 1_000_000);
    }
}
