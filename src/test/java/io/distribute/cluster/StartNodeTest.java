package io.distribute.cluster;

import io.distribute.Result;
import io.distribute.internal.JGroupsNode;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The startNode rows of DESIGN.md §4, each provoked for real. */
class StartNodeTest {

    private static ClusterConfig config() {
        return TestCluster.testConfig().build();
    }

    private static String name(String base) {
        return base + "@127.0.0.1:" + Ports.next();
    }

    private static StartError startError(Result<ClusterNode, StartError> r) {
        if (r instanceof Result.Ok<ClusterNode, StartError> ok) {
            ok.value().close();
            throw new AssertionError("expected an error, got a started node");
        }
        return ((Result.Err<ClusterNode, StartError>) r).error();
    }

    @Test
    void validStartReturnsOkAndSelfNodeIsTheNameVerbatim() {
        String n = name("verbatim");
        try (ClusterNode node = ClusterNode.start(n, COOKIE, config()).orElseThrow()) {
            assertEquals(n, node.selfNode());
            assertEquals(List.of(), node.nodes(), "a lone TCP node joins nobody");
        }
    }

    @Test
    void selfNodeAndNodesAfterClose() {
        ClusterNode node = ClusterNode.start(name("closing"), COOKIE, config()).orElseThrow();
        node.close();
        assertEquals("nonode@nohost", node.selfNode());
        assertEquals(List.of(), node.nodes());
        node.close(); // idempotent
    }

    @Test
    void invalidNameIsInvalidNodeName() {
        StartError e = startError(ClusterNode.start("no-at-sign", COOKIE, config()));
        assertInstanceOf(StartError.InvalidNodeName.class, e);
        assertTrue(((StartError.InvalidNodeName) e).reason().contains("'@'"), e.toString());
        assertInstanceOf(StartError.InvalidNodeName.class, startError(ClusterNode.start(null, COOKIE, config())));
    }

    @Test
    void cookieOf255IsAcceptedAnd256IsTooLong() {
        try (ClusterNode node = ClusterNode.start(name("c255"), "x".repeat(255), config()).orElseThrow()) {
            assertTrue(node.selfNode().startsWith("c255@"));
        }
        assertInstanceOf(StartError.CookieTooLong.class, startError(ClusterNode.start(name("c256"), "x".repeat(256), config())));
    }

    @Test
    void emptyOrNullCookieIsAnErrorThatSaysSo() {
        StartError e = startError(ClusterNode.start(name("empty"), "", config()));
        assertInstanceOf(StartError.StartFailed.class, e);
        assertTrue(e.describe().contains("cookie is empty"), e.describe());
        assertInstanceOf(StartError.StartFailed.class, startError(ClusterNode.start(name("nullc"), null, config())));
    }

    @Test
    void nullConfigIsAnError() {
        assertInstanceOf(StartError.StartFailed.class, startError(ClusterNode.start(name("nullcfg"), COOKIE, null)));
    }

    @Test
    void sameNameTwiceInThisJvmIsAlreadyStarted() {
        String n = name("twice");
        try (ClusterNode first = ClusterNode.start(n, COOKIE, config()).orElseThrow()) {
            assertInstanceOf(StartError.AlreadyStarted.class, startError(ClusterNode.start(n, COOKIE, config())));
            assertEquals(n, first.selfNode());
        }
        // the name is free again after close
        ClusterNode.start(n, COOKIE, config()).orElseThrow().close();
    }

    @Test
    void unresolvableHostIsNetworkError() {
        StartError e = startError(ClusterNode.start("a@no-such-host.invalid", COOKIE, config()));
        assertInstanceOf(StartError.NetworkError.class, e);
        assertTrue(e.describe().contains("cannot resolve host 'no-such-host.invalid'"), e.describe());
    }

    @Test
    void addressNotOnThisMachineIsNetworkError() {
        // 192.0.2.0/24 is TEST-NET-1: never assigned to a host. Nothing is sent; only a local bind is tried.
        StartError e = startError(ClusterNode.start("a@192.0.2.7", COOKIE, config()));
        assertInstanceOf(StartError.NetworkError.class, e);
        assertTrue(e.describe().contains("not an address of this machine"), e.describe());
    }

    @Test
    void everyPortOfTheRangeBusyIsNetworkError() throws IOException {
        int first = Ports.block(2);
        ClusterConfig range2 = TestCluster.testConfig().port(first).portRange(2).build();
        try (ClusterNode a = ClusterNode.start("r1@127.0.0.1", COOKIE, range2).orElseThrow();
             ClusterNode b = ClusterNode.start("r2@127.0.0.1", COOKIE, range2).orElseThrow()) {
            StartError e = startError(ClusterNode.start("r3@127.0.0.1", COOKIE, range2));
            assertInstanceOf(StartError.NetworkError.class, e);
            assertTrue(e.describe().contains("127.0.0.1:" + first + "-" + (first + 1)), e.describe());
            assertTrue(e.describe().contains("in use"), e.describe());
        }
        // ports held by another program, not by a node of this JVM
        int p = Ports.next();
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p));
            StartError e = startError(ClusterNode.start("held@127.0.0.1:" + p, COOKIE, config()));
            assertInstanceOf(StartError.NetworkError.class, e);
        }
    }

    @Test
    void nodesWithPortInNameBindExactlyThatPort() {
        int p = Ports.next();
        try (ClusterNode n = ClusterNode.start("exact@127.0.0.1:" + p, COOKIE, config()).orElseThrow()) {
            assertEquals("exact@127.0.0.1:" + p, n.selfNode());
            assertInstanceOf(StartError.NetworkError.class, startError(ClusterNode.start("other@127.0.0.1:" + p, COOKIE, config())));
        }
    }

    @Test
    void missingStackFileIsStartFailed() {
        StartError e = startError(ClusterNode.start(name("nostack"), COOKIE,
                TestCluster.testConfig().stack("/nonexistent/stack.xml").build()));
        assertInstanceOf(StartError.StartFailed.class, e);
        assertTrue(e.describe().contains("/nonexistent/stack.xml") && e.describe().contains("does not exist"), e.describe());
    }

    @Test
    void malformedStackFileIsStartFailed(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.xml");
        Files.writeString(bad, "<config xmlns=\"urn:org:jgroups\"><TCP bind_port=\"7800\"/><pbcast.GMS join_timeout=\"1s\"");
        StartError e = startError(ClusterNode.start(name("badxml"), COOKIE, TestCluster.testConfig().stack(bad.toString()).build()));
        assertInstanceOf(StartError.StartFailed.class, e);
        assertTrue(e.describe().contains(bad.toString()) && e.describe().contains("not a valid JGroups stack"), e.describe());
    }

    @Test
    void stackWithoutMembershipIsStartFailed(@TempDir Path dir) throws IOException {
        Path noGms = dir.resolve("nogms.xml");
        Files.writeString(noGms, "<config xmlns=\"urn:org:jgroups\"><TCP/><TCPPING/><UNICAST3/></config>");
        StartError e = startError(ClusterNode.start(name("nogms"), COOKIE, TestCluster.testConfig().stack(noGms.toString()).build()));
        assertInstanceOf(StartError.StartFailed.class, e);
        assertTrue(e.describe().contains("no membership protocol"), e.describe());
    }

    /** Every stack runs behind the secure connection layer; one that would carry bytes around it is refused. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "<TCP_NIO2/><TCPPING/><pbcast.GMS/>|transport TCP_NIO2 is not TCP or UDP",
            "<TCP/><TCPPING/><FD_SOCK2/><pbcast.GMS/>|FD_SOCK2 opens connections of its own",
            "<TCP tls.enabled=\"true\"/><TCPPING/><pbcast.GMS/>|tls.enabled",
            "<TCP diag.enabled=\"${x.diag:true}\"/><TCPPING/><pbcast.GMS/>|diagnostics"})
    void stackThatBypassesTheSecureLayerIsStartFailed(String protocols, String why, @TempDir Path dir) throws IOException {
        Path f = dir.resolve("bypass.xml");
        Files.writeString(f, "<config xmlns=\"urn:org:jgroups\">" + protocols + "</config>");
        StartError e = startError(ClusterNode.start(name("bypass"), COOKIE, TestCluster.testConfig().stack(f.toString()).build()));
        assertInstanceOf(StartError.StartFailed.class, e);
        assertTrue(e.describe().contains("secure connection layer") && e.describe().contains(why), e.describe());
    }

    @Test
    void invalidSeedIsStartFailed() {
        StartError e = startError(ClusterNode.start(name("seeded"), COOKIE, TestCluster.testConfig().seeds("bad seed").build()));
        assertInstanceOf(StartError.StartFailed.class, e);
        assertTrue(e.describe().contains("seed 'bad seed'"), e.describe());
    }

    @Test
    void lowPortAsUnprivilegedUserIsSystemErrorWhenNotRoot() throws Exception {
        // Provoked for real when the tests do not run as root (a developer's machine).
        if ("root".equals(System.getProperty("user.name"))) {
            return;
        }
        StartError e = startError(ClusterNode.start("low@127.0.0.1:80", COOKIE, config()));
        assertInstanceOf(StartError.SystemError.class, e);
    }

    @Test
    void manyNodesStartedAtOnceInOneJvmGetDistinctPorts() throws Exception {
        int first = Ports.block(8);
        ClusterConfig cfg = TestCluster.testConfig().port(first).portRange(8).build();
        List<Thread> threads = new ArrayList<>();
        List<Result<ClusterNode, StartError>> results = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 8; i++) {
            int k = i;
            threads.add(new Thread(() -> results.add(ClusterNode.start("burst" + k + "@127.0.0.1", COOKIE, cfg))));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join(30_000);
        }
        try {
            assertEquals(8, results.size());
            assertTrue(results.stream().allMatch(Result::isOk), results.toString());
        } finally {
            results.forEach(r -> r.map(n -> {
                n.close();
                return null;
            }));
        }
    }
}
