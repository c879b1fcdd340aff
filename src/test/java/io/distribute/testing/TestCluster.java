package io.distribute.testing;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.StartError;
import org.awaitility.core.ConditionTimeoutException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * Starts N real nodes on 127.0.0.1 with unique ports, waits until they agree, and on close stops them all and
 * checks that no JGroups thread is left behind.
 */
public final class TestCluster implements AutoCloseable {

    public static final String COOKIE = "test-cookie-0123456789abcdef";

    private final List<ClusterNode> nodes = new ArrayList<>();
    private final Set<Thread> threadsBefore = new HashSet<>(Thread.getAllStackTraces().keySet());
    private final boolean checkThreads;

    public TestCluster() {
        this(true);
    }

    private TestCluster(boolean checkThreads) {
        this.checkThreads = checkThreads;
    }

    /**
     * A cluster whose close() does not wait for idle pool threads to end: the TLS handshake pool keeps idle threads
     * 5 s, which tests that open many connections (the security suite) cannot wait for each time; they check instead
     * that no handshake is left pending.
     */
    public static TestCluster quick() {
        return new TestCluster(false);
    }

    /** As {@link #of}, closed as {@link #quick()}. */
    public static TestCluster quick(String prefix, int n) {
        return form(new TestCluster(false), prefix, n);
    }

    /** Fast failure detection and short timeouts for tests. */
    public static ClusterConfig.Builder testConfig() {
        return ClusterConfig.builder()
                .connectTimeout(Duration.ofSeconds(5))
                .pingTimeout(Duration.ofMillis(500))
                .failureDetectionTimeout(Duration.ofSeconds(2))
                .joinTimeout(Duration.ofMillis(500));
    }

    /** Starts {@code n} nodes named {@code prefix1..n@127.0.0.1:port} and connects them into one cluster. */
    public static TestCluster of(String prefix, int n) {
        return form(new TestCluster(), prefix, n);
    }

    private static TestCluster form(TestCluster c, String prefix, int n) {
        try {
            for (int i = 1; i <= n; i++) {
                c.start(prefix + i);
            }
            for (int i = 1; i < n; i++) {
                c.nodes.get(i).connect(c.nodes.get(0).selfNode()).orElseThrow();
            }
            c.awaitAgreement();
            return c;
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
    }

    /** Starts one more node {@code name@127.0.0.1:<unique port>}; it joins nobody. */
    public ClusterNode start(String name) {
        return start(name, testConfig().build());
    }

    public ClusterNode start(String name, ClusterConfig config) {
        int port = Ports.next();
        Result<ClusterNode, StartError> r = ClusterNode.start(name + "@127.0.0.1:" + port, COOKIE, config);
        ClusterNode node = r.orElseThrow();
        nodes.add(node);
        return node;
    }

    /** Starts a node of exactly this name (host and port included) with {@code cookie}. */
    public ClusterNode start(String fullName, String cookie, ClusterConfig config) {
        return add(ClusterNode.start(fullName, cookie, config).orElseThrow());
    }

    /**
     * Starts every one of {@code names} (exact names) with {@code config}, each on a thread of its own, released at the
     * same instant; waits (bounded) for every start to return and adds the nodes.
     *
     * @return when they were released (System.nanoTime)
     */
    public long startAtOnce(List<String> names, ClusterConfig config) throws InterruptedException {
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<ClusterNode> started = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        List<Thread> threads = new java.util.ArrayList<>();
        for (String n : names) {
            threads.add(new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                started.add(ClusterNode.start(n, COOKIE, config).orElseThrow());
            }, "start-" + n));
        }
        threads.forEach(Thread::start);
        long t0 = System.nanoTime();
        go.countDown();
        for (Thread t : threads) {
            t.join(20_000);
        }
        started.forEach(this::add);
        if (started.size() != names.size()) {
            throw new AssertionError("started " + started.size() + " of " + names.size() + " nodes");
        }
        return t0;
    }

    /** Adds a node started elsewhere, so that close() stops it. */
    public ClusterNode add(ClusterNode node) {
        nodes.add(node);
        return node;
    }

    public ClusterNode get(int i) {
        return nodes.get(i);
    }

    public List<ClusterNode> nodes() {
        return nodes;
    }

    /** Waits until every open node lists every other open node, and nothing else; dumps all views on failure. */
    public void awaitAgreement() {
        try {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(this::agree);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("nodes do not agree:\n" + dump(), e);
        }
    }

    public boolean agree() {
        List<ClusterNode> open = nodes.stream().filter(n -> !n.selfNode().equals("nonode@nohost")).toList();
        Set<String> all = open.stream().map(ClusterNode::selfNode).collect(Collectors.toSet());
        for (ClusterNode n : open) {
            Set<String> expected = new HashSet<>(all);
            expected.remove(n.selfNode());
            if (!new HashSet<>(n.nodes()).equals(expected) || n.nodes().size() != expected.size()) {
                return false;
            }
        }
        return true;
    }

    public String dump() {
        StringBuilder b = new StringBuilder();
        for (ClusterNode n : nodes) {
            b.append("  ").append(n.selfNode()).append(" -> ").append(n.nodes()).append('\n');
        }
        return b.toString();
    }

    @Override
    public void close() {
        for (ClusterNode n : nodes) {
            n.close();
        }
        nodes.clear();
        if (checkThreads) {
            assertNoThreadLeft(threadsBefore);
        }
    }

    /**
     * A thread of one of the library's JVM-wide pools (probes, handshakes, crash checks, events) waiting for work: it
     * belongs to no node and ends by itself after its keep-alive, so it is not left behind. A pool thread still busy
     * with a closed node's work is.
     */
    private static boolean idleSharedPoolThread(Thread t, StackTraceElement[] stack) {
        if (!t.getName().startsWith("distribute-")) {
            return false;
        }
        for (StackTraceElement f : stack) {
            if (f.getClassName().equals("java.util.concurrent.ThreadPoolExecutor") && f.getMethodName().equals("getTask")) {
                return true;
            }
        }
        return false;
    }

    /** Fails if a JGroups or distribute thread started after {@code before} is still alive a few seconds later. */
    public static void assertNoThreadLeft(Set<Thread> before) {
        try {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> leftover(before).isEmpty());
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("threads left behind: " + leftover(before), e);
        }
    }

    private static List<String> leftover(Set<Thread> before) {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> !idleSharedPoolThread(e.getKey(), e.getValue()))
                .map(java.util.Map.Entry::getKey)
                .filter(t -> t.isAlive() && !before.contains(t))
                .map(Thread::getName)
                .filter(n -> n.contains("jgroups") || n.contains("distribute") || n.contains("Timer")
                        || n.contains("FD_SOCK") || n.contains("Connection") || n.contains("TcpServer")
                        || n.contains("ViewHandler") || n.contains("Incoming") || n.contains("INT-"))
                .filter(n -> !n.equals("distribute-probe"))
                .toList();
    }
}
