package io.distribute.internal;

import org.jgroups.EmptyMessage;
import org.jgroups.Message;
import org.jgroups.conf.ClassConfigurator;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.ConnectError;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.stack.IpAddress;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A node without the cookie is refused every time; a captured proof cannot be reused; the cookie is never logged. */
class CookieSecurityTest {

    private static final String WRONG = "not-the-right-cookie-at-all-000";

    @Test
    void wrongCookieIsRejectedHundredTimesOutOfHundred() {
        try (TestCluster c = TestCluster.of("guarded", 2)) {
            ClusterNode member = c.get(0);
            ClusterConfig cfg = TestCluster.testConfig().connectTimeout(Duration.ofSeconds(2)).build();
            for (int i = 0; i < 100; i++) {
                try (ClusterNode intruder = ClusterNode.start("intruder" + i + "@127.0.0.1:" + Ports.next(), WRONG, cfg)
                        .orElseThrow()) {
                    Result<Void, ConnectError> join = intruder.connect(member.selfNode());
                    assertTrue(join.isErr(), "attempt " + i);
                    ConnectError e = ((Result.Err<Void, ConnectError>) join).error();
                    assertInstanceOf(ConnectError.ConnectNetworkError.class, e, "attempt " + i);
                    assertTrue(e.describe().contains("rejected our cookie"), e.describe());
                    // the member reaching out (a merge from our side) is refused as well
                    Result<Void, ConnectError> merge = member.connect(intruder.selfNode());
                    assertTrue(merge.isErr() && ((Result.Err<Void, ConnectError>) merge).error().describe()
                            .contains("rejected our cookie"), "merge attempt " + i + ": " + merge);
                    assertFalse(intruder.ping(member.selfNode()), "ping attempt " + i);
                    assertFalse(member.ping(intruder.selfNode()), "ping attempt " + i);
                    assertEquals(List.of(), intruder.nodes());
                }
            }
            assertEquals(List.of(c.get(1).selfNode()), member.nodes());
        }
    }

    @Test
    void aNodeWithAnotherCookieStartedWithOurSeedsJoinsNobody() {
        try (TestCluster c = TestCluster.of("seedguard", 1)) {
            ClusterNode member = c.get(0);
            ClusterConfig cfg = TestCluster.testConfig().seeds(member.selfNode()).joinTimeout(Duration.ofMillis(200)).build();
            for (int i = 0; i < 20; i++) {
                try (ClusterNode intruder = ClusterNode.start("seeded" + i + "@127.0.0.1:" + Ports.next(), WRONG, cfg)
                        .orElseThrow()) {
                    assertEquals(List.of(), intruder.nodes(), "attempt " + i);
                    assertEquals(List.of(), member.nodes(), "attempt " + i);
                }
            }
        }
    }

    @Test
    void aProofIsBoundToItsSenderReceiverAndKind() {
        ClusterConfig cfg = TestCluster.testConfig().build();
        JGroupsNode a = JGroupsNode.start("proof-a@127.0.0.1:" + Ports.next(), TestCluster.COOKIE, cfg).orElseThrow();
        JGroupsNode b = JGroupsNode.start("proof-b@127.0.0.1:" + Ports.next(), TestCluster.COOKIE, cfg).orElseThrow();
        JGroupsNode c = JGroupsNode.start("proof-c@127.0.0.1:" + Ports.next(), TestCluster.COOKIE, cfg).orElseThrow();
        JGroupsNode x = JGroupsNode.start("proof-x@127.0.0.1:" + Ports.next(), WRONG, cfg).orElseThrow();
        try {
            NodeProtocol pa = a.channel().getProtocolStack().findProtocol(NodeProtocol.class);
            NodeProtocol pb = b.channel().getProtocolStack().findProtocol(NodeProtocol.class);
            NodeProtocol pc = c.channel().getProtocolStack().findProtocol(NodeProtocol.class);
            NodeProtocol px = x.channel().getProtocolStack().findProtocol(NodeProtocol.class);
            CookieToken join = pb.tokenFor(GMS.GmsHeader.JOIN_REQ, a.address());
            assertTrue(pa.verify(join, gms(GMS.GmsHeader.JOIN_REQ, b.address(), a.address())), "the genuine proof");
            assertFalse(pc.verify(join, gms(GMS.GmsHeader.JOIN_REQ, b.address(), c.address())), "made for a, shown to c");
            assertFalse(pa.verify(join, gms(GMS.GmsHeader.JOIN_REQ, c.address(), a.address())), "b's proof claimed by c");
            assertFalse(pa.verify(join, gms(GMS.GmsHeader.MERGE_REQ, b.address(), a.address())), "bound to its kind");
            CookieToken forged = px.tokenFor(GMS.GmsHeader.JOIN_REQ, a.address());
            assertFalse(pa.verify(forged, gms(GMS.GmsHeader.JOIN_REQ, x.address(), a.address())), "another cookie");
            assertFalse(pa.verify(new CookieToken(), gms(GMS.GmsHeader.JOIN_REQ, b.address(), a.address())), "no proof");
        } finally {
            x.close();
            c.close();
            b.close();
            a.close();
        }
    }

    private static Message gms(byte kind, org.jgroups.Address from, org.jgroups.Address to) {
        return new EmptyMessage(to).setSrc(from).putHeader(ClassConfigurator.getProtocolId(GMS.class),
                new GMS.GmsHeader(kind));
    }

    @Test
    void theCookieAppearsInNoLogLineAtAnyLevel() {
        String cookie = "Very-Secret-Cookie-" + System.nanoTime();
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger jgroups = ctx.getLogger("org.jgroups");
        Logger ours = ctx.getLogger("io.distribute");
        Level r0 = root.getLevel();
        Level j0 = jgroups.getLevel();
        Level o0 = ours.getLevel();
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        root.addAppender(appender);
        root.setLevel(Level.TRACE);
        jgroups.setLevel(Level.TRACE);
        ours.setLevel(Level.TRACE);
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = c.add(ClusterNode.start("log-a@127.0.0.1:" + Ports.next(), cookie, TestCluster.testConfig().build()).orElseThrow());
            ClusterNode b = c.add(ClusterNode.start("log-b@127.0.0.1:" + Ports.next(), cookie, TestCluster.testConfig().build()).orElseThrow());
            ClusterNode x = c.add(ClusterNode.start("log-x@127.0.0.1:" + Ports.next(), cookie + "-wrong", TestCluster.testConfig().build()).orElseThrow());
            assertTrue(b.connect(a.selfNode()).isOk());
            assertTrue(x.connect(a.selfNode()).isErr());
            assertTrue(a.ping(b.selfNode()));
            ClusterNode.start("log-bad@127.0.0.1:" + Ports.next(), cookie + "x".repeat(300), TestCluster.testConfig().build());
            assertTrue(a.toString().length() > 0 && ClusterConfig.builder().cookie(cookie).build().toString().contains("<redacted>"));
        } finally {
            root.detachAppender(appender);
            root.setLevel(r0);
            jgroups.setLevel(j0);
            ours.setLevel(o0);
        }
        byte[] raw = cookie.getBytes(StandardCharsets.UTF_8);
        List<String> forms = List.of(cookie, HexFormat.of().formatHex(raw), HexFormat.of().withUpperCase().formatHex(raw),
                Base64.getEncoder().encodeToString(raw), Base64.getEncoder().withoutPadding().encodeToString(raw));
        assertTrue(appender.list.size() > 100, "TRACE logging captured " + appender.list.size() + " lines");
        for (ILoggingEvent e : appender.list) {
            String line = e.getFormattedMessage() + (e.getThrowableProxy() != null ? e.getThrowableProxy().getMessage() : "");
            for (String f : forms) {
                assertFalse(line.contains(f), "cookie in a log line: " + line);
            }
        }
    }
}
