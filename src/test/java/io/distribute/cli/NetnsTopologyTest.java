package io.distribute.cli;

import io.distribute.cli.ComposeTopology.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * docker/docker-compose.yml's topology without Docker: one network namespace per node (its "container"), a
 * bridge in a namespace of its own, a veth pair from each node to the bridge, addresses in 10.210.0.0/24 (which
 * exist only inside these namespaces), the service names resolving to them as Docker's DNS would (an
 * {@code /etc/netns/<namespace>/hosts} file, which {@code ip netns exec} puts in place of /etc/hosts), the cookie
 * in a file as compose's secret, and the compose file's command and environment plus the image's for each node.
 * Checks: one cluster forms; the image's health check ({@code distribute status}) passes; a node cut off (its veth down on
 * the bridge side) is reported UNRESPONSIVE by both sides within the failure-detection timeout + 1 s; after the
 * link returns the cluster is whole again within 3 s; 20 % packet loss into one node for 5 s evicts nobody; a node killed
 * with SIGKILL is reported CRASHED.
 * Every namespace, hosts file and process is removed afterwards (finally, and a shutdown hook if the JVM is stopped).
 */
class NetnsTopologyTest {

    private static final long DOWN_LIMIT_MS = ComposeTopology.FAILURE_DETECTION_TIMEOUT_MS + 1000;
    private static final long HEAL_LIMIT_MS = 3000;

    private final String prefix = "dist-" + HexFormat.of().formatHex(random(3));
    private final String bridgeNs = prefix + "-br";
    private final List<String> namespaces = new ArrayList<>();
    private final Map<Node, CliProcess> nodes = new LinkedHashMap<>();
    private final List<CliProcess> processes = new ArrayList<>();
    private final Thread cleanupHook = new Thread(this::cleanup, "netns-cleanup");
    private final List<Path> netnsEtc = new ArrayList<>();
    private Path cookieFile;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void composeTopologyFormsSplitsHealsAndSeesACrash() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for ip netns");
        assumeTrue(run(List.of("ip", "-V"), false).ok(), "needs iproute2 (ip)");
        Runtime.getRuntime().addShutdownHook(cleanupHook);
        List<String> figures = new ArrayList<>();
        try {
            Path dir = Files.createDirectories(Path.of("target", "test-tmp")).toAbsolutePath();
            cookieFile = Files.createTempFile(dir, "cookie-", "");
            Files.writeString(cookieFile, HexFormat.of().formatHex(random(32)) + "\n", StandardCharsets.UTF_8);
            createNetwork();
            for (Node n : ComposeTopology.NODES) {
                CliProcess p = CliProcess.start("netns-" + n.service(), List.of("ip", "netns", "exec", ns(n)),
                        command(n), env(n));
                processes.add(p);
                nodes.put(n, p);
            }
            long started = System.nanoTime();
            awaitWhole(Duration.ofSeconds(30), "the three nodes to form one cluster");
            figures.add(String.format("formed: %d ms after the three JVMs were started", ms(System.nanoTime() - started)));

            // The image's health check, run where Docker would run it: in the node's namespace, with its environment.
            Node first = ComposeTopology.NODES.get(0);
            List<String> check = ComposeTopology.HEALTHCHECK.subList(2, ComposeTopology.HEALTHCHECK.size());
            CliProcess health = CliProcess.start("netns-health", List.of("ip", "netns", "exec", ns(first)), check,
                    env(first));
            processes.add(health);
            assertEquals(0, health.waitFor(30), () -> "health check failed: " + health);
            assertTrue(health.stdout().contains("members (3):"), () -> health.toString());
            figures.add("health check: " + String.join(" | ", health.stdout()));

            Node cut = ComposeTopology.NODES.get(2);
            List<Node> others = ComposeTopology.NODES.subList(0, 2);
            long cutAt = System.nanoTime();
            ip(bridgeNs, "link", "set", veth(cut), "down");
            List<String> downTimes = new ArrayList<>();
            for (Node o : others) {
                long t = awaitLine(nodes.get(cut), EventLine.NODE_DOWN, o.name(), cutAt, "UNRESPONSIVE") - cutAt;
                downTimes.add(cut.service() + " reports " + o.service() + " down after " + ms(t) + " ms");
                assertTrue(ms(t) <= DOWN_LIMIT_MS, () -> downTimes.toString());
                t = awaitLine(nodes.get(o), EventLine.NODE_DOWN, cut.name(), cutAt, "UNRESPONSIVE") - cutAt;
                downTimes.add(o.service() + " reports " + cut.service() + " down after " + ms(t) + " ms");
                assertTrue(ms(t) <= DOWN_LIMIT_MS, () -> downTimes.toString());
            }
            figures.add("cut " + cut.service() + " (link down): " + String.join(", ", downTimes)
                    + " (limit: failure-detection timeout " + ComposeTopology.FAILURE_DETECTION_TIMEOUT + " + 1 s)");

            long upAt = System.nanoTime();
            ip(bridgeNs, "link", "set", veth(cut), "up");
            long healed = 0;
            for (Node o : others) {
                healed = Math.max(healed, awaitLine(nodes.get(cut), EventLine.NODE_UP, o.name(), upAt, null));
                healed = Math.max(healed, awaitLine(nodes.get(o), EventLine.NODE_UP, cut.name(), upAt, null));
            }
            awaitWhole(Duration.ofSeconds(10), "the cluster to be whole again");
            long heal = ms(healed - upAt);
            figures.add("link restored: whole again (every node printed NODE_UP for the others) after " + heal
                    + " ms (limit " + HEAL_LIMIT_MS + " ms)");
            assertTrue(heal <= HEAL_LIMIT_MS, () -> figures.toString());

            // Random loss: 20% of the packets into one node's namespace dropped by nftables for 5 s.
            Node lossy = ComposeTopology.NODES.get(1);
            long lossAt = System.nanoTime();
            nft(ns(lossy), "add", "table", "inet", "distribute_loss");
            nft(ns(lossy), "add", "chain", "inet", "distribute_loss", "in",
                    "{ type filter hook input priority 0 ; policy accept ; }");
            nft(ns(lossy), "add", "rule", "inet", "distribute_loss", "in", "numgen", "random", "mod", "100", "<", "20", "drop");
            // Loss never evicts: no node prints NODE_DOWN during the 5 s (nor once it ends, checked below).
            try {
                await("no NODE_DOWN during 5 s of packet loss").during(Duration.ofSeconds(5))
                        .atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(100))
                        .until(() -> nodes.values().stream().noneMatch(p -> p.find(EventLine.NODE_DOWN, null, lossAt)
                                .isPresent()));
            } finally {
                nft(ns(lossy), "delete", "table", "inet", "distribute_loss");
            }
            long lossEnd = System.nanoTime();
            awaitWhole(Duration.ofSeconds(10), "the cluster to be whole after the loss ends");
            boolean splitDuringLoss = nodes.values().stream()
                    .anyMatch(p -> p.find(EventLine.NODE_DOWN, null, lossAt).isPresent());
            figures.add("20% packet loss into " + lossy.service() + " for 5 s: " + (splitDuringLoss
                    ? "a node was reported down" : "the cluster stayed one") + "; whole "
                    + ms(System.nanoTime() - lossEnd) + " ms after the loss ended");
            assertFalse(splitDuringLoss, () -> "packet loss evicted a live node: " + nodes.values());

            Node victim = ComposeTopology.NODES.get(0);
            long killAt = System.nanoTime();
            nodes.get(victim).kill();
            List<String> killTimes = new ArrayList<>();
            for (Node o : ComposeTopology.NODES.subList(1, 3)) {
                long t = awaitLine(nodes.get(o), EventLine.NODE_DOWN, victim.name(), killAt, "CRASHED") - killAt;
                killTimes.add(o.service() + " after " + ms(t) + " ms");
            }
            figures.add("kill -9 " + victim.service() + ": reported CRASHED by " + String.join(", ", killTimes));
            for (Node o : ComposeTopology.NODES.subList(1, 3)) {
                assertEquals(2, nodes.get(o).size(), () -> o + " " + nodes.get(o));
            }

            // The survivors still leave gracefully on SIGTERM.
            for (Node o : ComposeTopology.NODES.subList(1, 3)) {
                nodes.get(o).terminate();
            }
            for (Node o : ComposeTopology.NODES.subList(1, 3)) {
                assertEquals(0, nodes.get(o).waitFor(15), () -> "exit code of " + nodes.get(o));
            }
        } finally {
            figures.forEach(f -> System.out.println("netns: " + f));
            Files.createDirectories(Path.of("target"));
            Files.write(Path.of("target", "netns-figures.txt"), figures, StandardCharsets.UTF_8);
            cleanup();
            Runtime.getRuntime().removeShutdownHook(cleanupHook);
        }
        List<String> left = new ArrayList<>(run(List.of("ip", "netns", "list"), true).out().lines()
                .filter(l -> l.startsWith(prefix)).toList());
        assertEquals(List.of(), left, "namespaces left behind");
    }

    private void createNetwork() throws IOException, InterruptedException {
        StringBuilder hosts = new StringBuilder("127.0.0.1 localhost\n");
        for (Node n : ComposeTopology.NODES) {
            hosts.append(n.ip()).append(' ').append(n.service()).append('\n');
        }
        for (Node n : ComposeTopology.NODES) {
            Path etc = Path.of("/etc/netns", ns(n));
            netnsEtc.add(etc);
            Files.createDirectories(etc);
            Files.writeString(etc.resolve("hosts"), hosts, StandardCharsets.US_ASCII);
        }
        addNamespace(bridgeNs);
        ip(bridgeNs, "link", "add", "br0", "type", "bridge");
        ip(bridgeNs, "link", "set", "br0", "up");
        for (Node n : ComposeTopology.NODES) {
            String ns = ns(n);
            addNamespace(ns);
            ip(ns, "link", "set", "lo", "up");
            ip(bridgeNs, "link", "add", veth(n), "type", "veth", "peer", "name", "eth0", "netns", ns);
            ip(bridgeNs, "link", "set", veth(n), "master", "br0", "up");
            ip(ns, "addr", "add", n.ip() + "/" + ComposeTopology.PREFIX_LENGTH, "dev", "eth0");
            ip(ns, "link", "set", "eth0", "up");
        }
    }

    private void addNamespace(String ns) throws IOException, InterruptedException {
        namespaces.add(ns);
        run(List.of("ip", "netns", "add", ns), true);
    }

    /** As in the container: the image's environment, then the compose file's for {@code n}. */
    private static Map<String, String> env(Node n) {
        Map<String, String> e = new LinkedHashMap<>(ComposeTopology.imageEnvironment());
        e.putAll(n.environment());
        return e;
    }

    /** The compose file's command, with the secret's mount point replaced by this test's cookie file. */
    private List<String> command(Node n) {
        return n.command().stream().map(a -> a.equals(ComposeTopology.COOKIE_FILE) ? cookieFile.toString() : a)
                .toList();
    }

    private String ns(Node n) {
        return prefix + "-" + n.service();
    }

    private static String veth(Node n) {
        return "v" + n.service();
    }

    private void awaitWhole(Duration atMost, String what) {
        await(what).atMost(atMost).pollInterval(Duration.ofMillis(20))
                .until(() -> nodes.values().stream().allMatch(p -> p.size() == ComposeTopology.NODES.size()));
    }

    /** Waits (bounded) for {@code event} about {@code node} at {@code p}; returns its arrival (nanoTime). */
    private static long awaitLine(CliProcess p, String event, String node, long since, String reason) {
        EventLine line = await(p.label + " to print " + event + " " + node).atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> p.find(event, node, since), Optional::isPresent).orElseThrow();
        if (reason != null) {
            assertEquals(reason, line.reason(), () -> p.toString());
        }
        return p.arrival(line);
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static void ip(String ns, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", ns));
        cmd.addAll(List.of(args));
        run(cmd, true);
    }

    private static void nft(String ns, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, "nft"));
        cmd.addAll(List.of(args));
        run(cmd, true);
    }

    record Ran(boolean ok, String out) {}

    private static Ran run(List<String> cmd, boolean check) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + ": no answer in 10 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (check && p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + out);
        }
        return new Ran(p.exitValue() == 0, out);
    }

    /** Kills every process this test started, then deletes its namespaces (the veths and bridge go with them). */
    private synchronized void cleanup() {
        for (CliProcess p : processes) {
            try {
                p.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
        for (String ns : namespaces) {
            try {
                run(List.of("ip", "netns", "del", ns), false);
            } catch (IOException | InterruptedException | AssertionError e) {
                System.err.println("netns cleanup: " + ns + ": " + e);
            }
        }
        namespaces.clear();
        for (Path etc : netnsEtc) {
            try {
                Files.deleteIfExists(etc.resolve("hosts"));
                Files.deleteIfExists(etc);
            } catch (IOException e) {
                System.err.println("netns cleanup: " + etc + ": " + e);
            }
        }
        if (!netnsEtc.isEmpty()) {
            try {
                Files.deleteIfExists(Path.of("/etc/netns")); // only if empty: it may hold others' namespaces' files
            } catch (IOException e) {
                // not empty: left as it was
            }
        }
        netnsEtc.clear();
        if (cookieFile != null) {
            try {
                Files.deleteIfExists(cookieFile);
            } catch (IOException e) {
                System.err.println("netns cleanup: " + cookieFile + ": " + e);
            }
        }
    }
}
