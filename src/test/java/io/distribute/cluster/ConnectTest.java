package io.distribute.cluster;

import io.distribute.Result;
import io.distribute.testing.ChildNode;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The connect rows of DESIGN.md §4, each provoked for real on loopback. */
class ConnectTest {

    private static ConnectError error(Result<Void, ConnectError> r) {
        assertTrue(r.isErr(), "expected an error, got " + r);
        return ((Result.Err<Void, ConnectError>) r).error();
    }

    @Test
    void connectMakesBothSidesListEachOtherWithNamesVerbatim() {
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = c.start("a");
            ClusterNode b = c.start("b");
            assertEquals(Result.ok(), a.connect(b.selfNode()));
            // Ok means both sides list each other already: no waiting here.
            assertEquals(List.of(b.selfNode()), a.nodes());
            assertEquals(List.of(a.selfNode()), b.nodes());
        }
    }

    @Test
    void okMeansThePeerListsUsAtOnceEvenWhenItsClusterIsStillForming() {
        for (int round = 0; round < 5; round++) {
            try (TestCluster c = TestCluster.quick()) {
                ClusterNode seed = c.start("seed" + round);
                // The peer is still joining its own seed when we connect to it.
                ClusterNode peer = c.add(ClusterNode.start("peer" + round + "@127.0.0.1:" + Ports.next(), COOKIE,
                        TestCluster.testConfig().seeds(seed.selfNode()).build()).orElseThrow());
                ClusterNode caller = c.start("caller" + round);
                Result<Void, ConnectError> r = caller.connect(peer.selfNode());
                assertEquals(Result.ok(), r);
                assertTrue(caller.nodes().contains(peer.selfNode()), "caller lists " + caller.nodes());
                assertTrue(peer.nodes().contains(caller.selfNode()), "peer lists " + peer.nodes());
                c.awaitAgreement();
                assertEquals(Set.of(seed.selfNode(), peer.selfNode()), Set.copyOf(caller.nodes()));
            }
        }
    }

    @Test
    void aMemberOfThePeersClusterDyingMidConnectCostsItsDetectionNotTheTimeout() throws Exception {
        int port = Ports.next();
        try (ChildNode victim = ChildNode.start("victim@127.0.0.1:" + port, COOKIE, 2000);
             TestCluster c = new TestCluster()) {
            ClusterNode t = c.start("target");
            ClusterNode m = c.start("member");
            assertEquals(Result.ok(), m.connect(t.selfNode()));
            assertEquals(Result.ok(), t.connect(victim.name));
            // A long connect timeout, so that "returned at the timeout" and "returned once the dead member was out"
            // are far apart: the latter costs its detection plus, at worst, GMS' 2 s merge timeout for its answer.
            ClusterNode a = c.start("newcomer", TestCluster.testConfig().connectTimeout(Duration.ofSeconds(10)).build());
            Thread killer = new Thread(() -> {
                try {
                    victim.kill();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            long start = System.nanoTime();
            killer.start();
            Result<Void, ConnectError> r = a.connect(t.selfNode());
            long ms = (System.nanoTime() - start) / 1_000_000;
            killer.join();
            assertEquals(Result.ok(), r);
            assertTrue(ms < 6000, "a dead member must not hold connect until its 10 s timeout: took " + ms + " ms");
            assertTrue(t.nodes().contains(a.selfNode()), "target lists " + t.nodes());
            assertTrue(a.nodes().contains(t.selfNode()), "newcomer lists " + a.nodes());
            c.awaitAgreement();
            assertEquals(Set.of(t.selfNode(), m.selfNode()), Set.copyOf(a.nodes()));
        }
    }

    @Test
    void connectBySimpleNameFindsTheNodeInTheHostsPortRange() {
        int first = Ports.block(3);
        ClusterConfig cfg = TestCluster.testConfig().port(first).portRange(3).build();
        try (TestCluster c = new TestCluster()) {
            ClusterNode x = c.add(ClusterNode.start("x@127.0.0.1", COOKIE, cfg).orElseThrow());
            ClusterNode y = c.add(ClusterNode.start("y@127.0.0.1", COOKIE, cfg).orElseThrow());
            ClusterNode z = c.add(ClusterNode.start("z@127.0.0.1", COOKIE, cfg).orElseThrow());
            assertEquals(Result.ok(), x.connect("z@127.0.0.1"));
            assertEquals(List.of("z@127.0.0.1"), x.nodes());
            assertEquals(List.of(), y.nodes(), "y was not connected to");
            assertInstanceOf(ConnectError.NodeNotFound.class, error(x.connect("nobody@127.0.0.1")));
            assertTrue(z.nodes().contains("x@127.0.0.1"));
        }
    }

    @Test
    void connectToSelfOrMemberIsIgnored() {
        try (TestCluster c = TestCluster.of("m", 2)) {
            ClusterNode a = c.get(0);
            assertInstanceOf(ConnectError.ConnectIgnored.class, error(a.connect(a.selfNode())));
            assertInstanceOf(ConnectError.ConnectIgnored.class, error(a.connect(c.get(1).selfNode())));
        }
    }

    @Test
    void connectIsTransitive() {
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = c.start("ta");
            ClusterNode b = c.start("tb");
            ClusterNode cc = c.start("tc");
            assertEquals(Result.ok(), b.connect(cc.selfNode()));
            assertEquals(Result.ok(), a.connect(b.selfNode()));
            // A–B and B–C ⇒ A sees C as soon as connect returns
            assertEquals(Set.of(b.selfNode(), cc.selfNode()), Set.copyOf(a.nodes()));
            c.awaitAgreement();
        }
    }

    @Test
    void twoMultiNodeClustersMergeWhenConnected() {
        try (TestCluster c = new TestCluster()) {
            List<ClusterNode> n = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                n.add(c.start("g" + i));
            }
            assertEquals(Result.ok(), n.get(1).connect(n.get(0).selfNode()));
            assertEquals(Result.ok(), n.get(2).connect(n.get(0).selfNode()));
            assertEquals(Result.ok(), n.get(4).connect(n.get(3).selfNode()));
            assertEquals(Result.ok(), n.get(5).connect(n.get(3).selfNode()));
            assertEquals(2, n.get(5).nodes().size());
            assertEquals(Result.ok(), n.get(1).connect(n.get(5).selfNode()));
            assertEquals(5, n.get(1).nodes().size(), n.get(1).nodes().toString());
            c.awaitAgreement();
        }
    }

    @Test
    void nobodyListeningIsNodeNotFound() {
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = c.start("lonely");
            int free = Ports.block(3);
            long start = System.nanoTime();
            assertInstanceOf(ConnectError.NodeNotFound.class, error(a.connect("ghost@127.0.0.1:" + free)));
            long ms = (System.nanoTime() - start) / 1_000_000;
            // Refused ports answer at once: NodeNotFound comes well before the 5 s connect timeout, not at it.
            assertTrue(ms < 4000, "refused ports should fail fast, took " + ms + " ms");
            assertEquals(List.of(), a.nodes());
        }
    }

    @Test
    void unresolvableHostAndInvalidNamesAreNetworkErrors() {
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = c.start("resolver");
            ConnectError e = error(a.connect("b@no-such-host.invalid"));
            assertInstanceOf(ConnectError.ConnectNetworkError.class, e);
            assertTrue(e.describe().contains("cannot resolve host"), e.describe());
            ConnectError bad = error(a.connect("no at sign"));
            assertInstanceOf(ConnectError.ConnectNetworkError.class, bad);
            assertTrue(bad.describe().contains("invalid node name"), bad.describe());
            assertInstanceOf(ConnectError.ConnectNetworkError.class, error(a.connect(null)));
        }
    }

    @Test
    void connectBeforeStartOrAfterCloseIsNetworkError() {
        Cluster.stop();
        ConnectError e = error(Cluster.connect("b@127.0.0.1"));
        assertInstanceOf(ConnectError.ConnectNetworkError.class, e);
        assertTrue(e.describe().contains("not started"), e.describe());
        ClusterNode n = ClusterNode.start("closed@127.0.0.1:" + Ports.next(), COOKIE, TestCluster.testConfig().build()).orElseThrow();
        n.close();
        assertInstanceOf(ConnectError.ConnectNetworkError.class, error(n.connect("b@127.0.0.1")));
    }

    @Test
    void peerWithAnotherCookieIsRejectedAndNobodyJoins() {
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = c.start("cookie-a");
            ClusterNode foreign = c.add(ClusterNode.start("foreign@127.0.0.1:" + Ports.next(),
                    "another-cookie-entirely-0000", TestCluster.testConfig().build()).orElseThrow());
            ConnectError e = error(a.connect(foreign.selfNode()));
            assertInstanceOf(ConnectError.ConnectNetworkError.class, e);
            assertTrue(e.describe().contains("rejected our cookie"), e.describe());
            ConnectError back = error(foreign.connect(a.selfNode()));
            assertTrue(back.describe().contains("rejected our cookie"), back.describe());
            assertEquals(List.of(), a.nodes());
            assertEquals(List.of(), foreign.nodes());
        }
    }

    @Test
    void frozenPeerIsConnectTimeout() throws Exception {
        int port = Ports.next();
        try (ChildNode frozen = ChildNode.start("frozen@127.0.0.1:" + port, COOKIE, 2000);
             TestCluster c = new TestCluster()) {
            ClusterNode a = c.start("waiter", TestCluster.testConfig().connectTimeout(Duration.ofMillis(800)).build());
            frozen.signal("STOP");
            assertInstanceOf(ConnectError.ConnectTimeout.class, error(a.connect(frozen.name)));
            assertEquals(List.of(), a.nodes());
            frozen.signal("CONT");
            assertEquals(Result.ok(), a.connect(frozen.name), "connects once it runs again");
        }
    }

    @Test
    void aNodeWhoseNameIsAlreadyInTheClusterCannotJoin() throws Exception {
        int first = Ports.block(3);
        // Two JVMs each run a node called dup@127.0.0.1: same name, different ports of the range.
        try (ChildNode other = ChildNode.start("dup@127.0.0.1", COOKIE, 2000, first, 3);
             TestCluster c = new TestCluster()) {
            ClusterConfig cfg = TestCluster.testConfig().port(first).portRange(3).build();
            ClusterNode hub = c.add(ClusterNode.start("hub@127.0.0.1", COOKIE, cfg).orElseThrow());
            assertEquals(Result.ok(), hub.connect("dup@127.0.0.1:" + first));
            ClusterNode dup = c.add(ClusterNode.start("dup@127.0.0.1", COOKIE, cfg).orElseThrow());
            ConnectError e = error(dup.connect("hub@127.0.0.1"));
            assertInstanceOf(ConnectError.ConnectNetworkError.class, e);
            assertTrue(e.describe().contains("dup@127.0.0.1 is already in the cluster"), e.describe());
            ConnectError back = error(hub.connect("dup@127.0.0.1:" + (first + 2)));
            assertTrue(back.describe().contains("already in the cluster"), back.describe());
            assertEquals(List.of("dup@127.0.0.1"), hub.nodes());
            assertEquals(List.of(), dup.nodes());
        }
    }

    @Test
    void ipv6NodesConnectAndPing() {
        int p1 = Ports.next();
        int p2 = Ports.next();
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = c.add(ClusterNode.start("v6a@[::1]:" + p1, COOKIE, TestCluster.testConfig().build()).orElseThrow());
            ClusterNode b = c.add(ClusterNode.start("v6b@[::1]:" + p2, COOKIE, TestCluster.testConfig().build()).orElseThrow());
            assertEquals(Result.ok(), a.connect(b.selfNode()));
            assertEquals(List.of("v6b@[::1]:" + p2), a.nodes());
            assertTrue(b.ping(a.selfNode()));
        }
    }
}
