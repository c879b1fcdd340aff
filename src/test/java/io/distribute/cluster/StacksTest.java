package io.distribute.cluster;

import io.distribute.Result;
import io.distribute.internal.JGroupsNode;
import io.distribute.testing.ChildNode;
import io.distribute.testing.LocalDns;
import io.distribute.testing.LoopbackMulticast;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The core calls on each bundled stack: tcp (seeds/connect), udp (multicast on the loopback interface) and dns
 * (DNS_PING asking a real dnsmasq on 127.0.0.1 that lists 127.0.0.1 and 127.0.0.2). Every test uses a cluster name
 * and port range of its own, so that nodes of one test never discover those of another.
 */
class StacksTest {

    private static final int RANGE = 6;
    private static final String DNS_NAME = "nodes.distribute.test";
    /** One multicast port per test JVM, so that concurrent builds on this host do not hear each other. */
    private static final String MCAST_PORT = String.valueOf(46000 + ProcessHandle.current().pid() % 1000);
    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    private static LocalDns dns;

    /** One test's stack, cluster name and port range; the system properties its stack file reads are set. */
    private record Env(String stack, String cluster, int port) {

        static Env of(String stack) throws Exception {
            switch (stack) {
                case "udp" -> {
                    LoopbackMulticast.ensure();
                    System.setProperty("distribute.mcast_port", MCAST_PORT);
                    System.setProperty("distribute.ip_ttl", "0"); // never beyond this host
                }
                case "dns" -> {
                    if (dns == null) {
                        dns = LocalDns.start(DNS_NAME, List.of("127.0.0.1", "127.0.0.2"));
                    }
                    System.setProperty("distribute.dns_address", dns.address());
                    System.setProperty("distribute.dns_query", DNS_NAME);
                }
                default -> {
                }
            }
            return new Env(stack, "stacks-" + ProcessHandle.current().pid() + "-" + CLUSTERS.incrementAndGet(),
                    Ports.block(RANGE));
        }

        ClusterConfig.Builder config() {
            return TestCluster.testConfig().stack(stack).clusterName(cluster).port(port).portRange(RANGE);
        }

        ClusterNode start(TestCluster c, String name) {
            return start(c, name, COOKIE, config().build());
        }

        ClusterNode start(TestCluster c, String name, String cookie, ClusterConfig config) {
            Result<ClusterNode, StartError> r = ClusterNode.start(name, cookie, config);
            assertTrue(r.isOk(), stack + ": " + name + " did not start: " + r);
            return c.add(r.orElseThrow());
        }

        /** Discovering stacks join at start, so connect may find the node a member already. */
        void join(ClusterNode from, ClusterNode to) {
            Result<Void, ConnectError> r = from.connect(to.selfNode());
            if (stack.equals("tcp")) {
                assertEquals(Result.ok(), r, from.selfNode() + " -> " + to.selfNode());
            } else if (r.isErr()) {
                assertInstanceOf(ConnectError.ConnectIgnored.class, ((Result.Err<Void, ConnectError>) r).error(),
                        stack + ": " + from.selfNode() + " -> " + to.selfNode() + ": " + r);
            }
        }

        List<String> childOptions() {
            List<String> o = new ArrayList<>(List.of("-Ddistribute.stack=" + stack,
                    "-Ddistribute.cluster_name=" + cluster));
            for (String p : List.of("distribute.mcast_port", "distribute.ip_ttl", "distribute.dns_address",
                    "distribute.dns_query")) {
                if (System.getProperty(p) != null) {
                    o.add("-D" + p + "=" + System.getProperty(p));
                }
            }
            return o;
        }
    }

    @AfterAll
    static void stopDns() throws Exception {
        if (dns != null) {
            dns.close();
            dns = null;
        }
        for (String p : List.of("distribute.mcast_port", "distribute.ip_ttl", "distribute.dns_address",
                "distribute.dns_query")) {
            System.clearProperty(p);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "udp", "dns"})
    void startConnectNodesAndPing(String stack) throws Exception {
        Env env = Env.of(stack);
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = env.start(c, "a@127.0.0.1");
            ClusterNode b = env.start(c, "b@127.0.0.1");
            ClusterNode d = env.start(c, "d@127.0.0.1");
            assertEquals("a@127.0.0.1", a.selfNode());
            if (stack.equals("tcp")) {
                assertEquals(List.of(), a.nodes(), "tcp nodes without seeds join nobody until connect");
            }
            env.join(b, a);
            env.join(d, a);
            c.awaitAgreement();
            assertEquals(Set.of("b@127.0.0.1", "d@127.0.0.1"), Set.copyOf(a.nodes()));
            assertInstanceOf(ConnectError.ConnectIgnored.class,
                    ((Result.Err<Void, ConnectError>) b.connect("d@127.0.0.1")).error());
            for (ClusterNode x : c.nodes()) {
                for (ClusterNode y : c.nodes()) {
                    assertTrue(x.ping(y.selfNode()), stack + ": " + x.selfNode() + " ping " + y.selfNode());
                }
            }
            assertFalse(a.ping("ghost@127.0.0.1"), "nobody of that name in the range");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "udp", "dns"})
    void gracefulLeaveIsNodeDownLeft(String stack) throws Exception {
        Env env = Env.of(stack);
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = env.start(c, "la@127.0.0.1");
            ClusterNode b = env.start(c, "lb@127.0.0.1");
            env.join(b, a);
            c.awaitAgreement();
            MembershipEventsTest.Recorder r = new MembershipEventsTest.Recorder();
            a.subscribe(r);
            b.close();
            await().atMost(Duration.ofSeconds(2)).until(() -> r.has(new MembershipEvent.NodeDown("lb@127.0.0.1",
                    DownReason.LEFT)));
            assertEquals(List.of(new MembershipEvent.NodeUp("lb@127.0.0.1"),
                    new MembershipEvent.NodeDown("lb@127.0.0.1", DownReason.LEFT)), r.snapshot());
            assertEquals(List.of(), a.nodes());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "udp", "dns"})
    void killedProcessIsRemovedQuickly(String stack) throws Exception {
        Env env = Env.of(stack);
        try (TestCluster c = new TestCluster();
             ChildNode victim = ChildNode.start("victim@127.0.0.1", COOKIE, 2000, env.port(), RANGE,
                     env.childOptions())) {
            ClusterNode a = env.start(c, "ka@127.0.0.1");
            ClusterNode b = env.start(c, "kb@127.0.0.1");
            env.join(b, a);
            Result<Void, ConnectError> r = a.connect(victim.name);
            assertTrue(r.isOk() || !stack.equals("tcp"), stack + ": " + r);
            // All three agree before the kill (a kill racing a view change tests the race, not crash detection).
            await().atMost(Duration.ofSeconds(5)).until(() -> a.nodes().containsAll(List.of(victim.name, b.selfNode()))
                    && b.nodes().containsAll(List.of(victim.name, a.selfNode())));
            MembershipEventsTest.Recorder events = new MembershipEventsTest.Recorder();
            a.subscribe(events);
            long start = System.nanoTime();
            victim.kill();
            // 2 s is the failure-detection timeout of the test config: a kill must be caught by a closed socket.
            await().atMost(Duration.ofMillis(1500)).pollInterval(Duration.ofMillis(2))
                    .until(() -> !a.nodes().contains(victim.name) && !b.nodes().contains(victim.name));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms < 1500, stack + ": took " + ms + " ms");
            await().atMost(Duration.ofSeconds(1)).until(() -> events.snapshot().stream()
                    .anyMatch(e -> e instanceof MembershipEvent.NodeDown && e.node().equals(victim.name)));
            // tcp and dns see the victim's connections close; udp sees its crash watch connection close.
            assertTrue(events.has(new MembershipEvent.NodeDown(victim.name, DownReason.CRASHED)),
                    stack + ": " + events.snapshot());
            c.awaitAgreement();
            System.out.println(stack + ": kill -9 -> removed in " + ms + " ms; " + events.snapshot());
        }
    }

    /** udp and dns need neither seeds nor connect: a started node joins whoever the group or the name lists. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"udp", "dns"})
    void nodesWithoutSeedsFindEachOther(String stack) throws Exception {
        Env env = Env.of(stack);
        try (TestCluster c = new TestCluster()) {
            env.start(c, "s1@127.0.0.1");
            env.start(c, "s2@127.0.0.1");
            env.start(c, "s3@127.0.0.1");
            if (stack.equals("dns")) {
                env.start(c, "s4@127.0.0.2"); // the second address the name lists
            }
            c.awaitAgreement();
            assertEquals(c.nodes().size() - 1, c.get(0).nodes().size(), c.dump());
        }
    }

    /**
     * Nodes with another cookie on the same group (or DNS name) and cluster name never join or merge: their datagrams
     * do not open and their connections fail the TLS handshake, so each side forms its own cluster as if the other
     * were not there, and connect names the other cookie.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"udp", "dns"})
    void anotherCookieOnTheSameGroupNeverJoins(String stack) throws Exception {
        Env env = Env.of(stack);
        ClusterConfig config = env.config().build();
        String other = "another-cookie-entirely-9876543210";
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = env.start(c, "ca@127.0.0.1", COOKIE, config);
            ClusterNode x = env.start(c, "cx@127.0.0.1", other, config);
            ClusterNode b = env.start(c, "cb@127.0.0.1", COOKIE, config);
            ClusterNode y = env.start(c, "cy@127.0.0.1", other, config);
            await().atMost(Duration.ofSeconds(5)).until(() -> a.nodes().contains(b.selfNode())
                    && x.nodes().contains(y.selfNode()));
            // 4 s go by without a merge (nor a heal probe: nobody was lost).
            await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(5)).until(() ->
                    a.nodes().equals(List.of(b.selfNode())) && b.nodes().equals(List.of(a.selfNode()))
                            && x.nodes().equals(List.of(y.selfNode())) && y.nodes().equals(List.of(x.selfNode())));
            Result<Void, ConnectError> r = a.connect(x.selfNode());
            assertTrue(r.isErr() && ((Result.Err<Void, ConnectError>) r).error().describe()
                    .contains("rejected our cookie"), String.valueOf(r));
            assertFalse(a.ping(x.selfNode()), "a node with another cookie does not count as alive");
            assertEquals(List.of(b.selfNode()), a.nodes());
        }
    }

    @Test
    void udpNodeSkipsAPortAnotherProcessHolds() throws Exception {
        Env env = Env.of("udp");
        try (java.net.DatagramSocket taken = new java.net.DatagramSocket(
                new java.net.InetSocketAddress("127.0.0.1", env.port()));
             TestCluster c = new TestCluster()) {
            // The first port of the range is busy: the node takes the next one, and is found there.
            env.start(c, "busy@127.0.0.1");
            env.start(c, "busy2@127.0.0.1");
            c.awaitAgreement();
        }
    }

    @Test
    void theDnsServerListsBothLoopbackAddresses() throws Exception {
        Env.of("dns");
        assertEquals(Set.of("127.0.0.1", "127.0.0.2"), Set.copyOf(dns.lookup()), dns.log());
    }
}
