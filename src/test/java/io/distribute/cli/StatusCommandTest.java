package io.distribute.cli;

import io.distribute.cluster.ClusterNode;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code distribute status} against a real endpoint in this JVM. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StatusCommandTest {

    private static Object[] status(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "status";
        System.arraycopy(args, 0, all, 1, args.length);
        return new Object[] {cl.execute(all), out.toString(), err.toString()};
    }

    @Test
    void printsReadinessAndMembersAndExitsByReadiness() {
        try (TestCluster c = new TestCluster()) {
            int httpPort = Ports.next();
            ClusterNode a = c.start("sa", TestCluster.testConfig().httpPort(httpPort).httpReadyMembers(1).build());
            ClusterNode b = c.start("sb");
            String url = "http://127.0.0.1:" + httpPort;

            Object[] r = status("--url", url);
            assertEquals(Main.FAILED, r[0], r[1] + "" + r[2]);
            String aAt = "127.0.0.1:" + a.boundAddress().getPort();
            String bAt = "127.0.0.1:" + b.boundAddress().getPort();
            List<String> lines = r[1].toString().lines().toList();
            assertEquals(List.of(a.selfNode() + "  NOT READY  (0 other node(s) connected, 1 required; connected to 0"
                    + " of the 1 other nodes required)", "members (1):", "  " + a.selfNode() + "  " + aAt
                    + "  (this node, coordinator)"), lines.stream().filter(l -> !l.startsWith("view ")).toList());
            assertTrue(lines.get(1).matches("view " + Pattern.quote(a.selfNode()) + "\\|[0-9]+, coordinator "
                    + Pattern.quote(a.selfNode())), lines.get(1));

            a.connect(b.selfNode()).orElseThrow();
            c.awaitAgreement();
            r = status("--url", url + "/");
            assertEquals(Main.OK, r[0], r[1] + "" + r[2]);
            lines = r[1].toString().lines().toList();
            String coordinator = lines.get(1).substring(lines.get(1).lastIndexOf(' ') + 1);
            assertTrue(coordinator.equals(a.selfNode()) || coordinator.equals(b.selfNode()), lines.get(1));
            String aTags = coordinator.equals(a.selfNode()) ? "  (this node, coordinator)" : "  (this node)";
            String bTags = coordinator.equals(b.selfNode()) ? "  (coordinator)" : "";
            assertEquals(List.of(a.selfNode() + "  READY  (1 other node(s) connected, 1 required)", lines.get(1),
                    "members (2):", "  " + a.selfNode() + "  " + aAt + aTags, "  " + b.selfNode() + "  " + bAt + bTags),
                    lines);
        }
    }

    @Test
    void noAnswerIsExitCode1AndNoEndpointIsAUsageError() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            closed = s.getLocalPort();
        }
        Object[] r = status("--url", "http://127.0.0.1:" + closed + "/", "--timeout", "500ms");
        assertEquals(Main.FAILED, r[0]);
        assertTrue(r[1].toString().startsWith("no answer from http://127.0.0.1:" + closed + "/"), r[1].toString());

        r = status("--url", "ftp://x/");
        assertEquals(Main.USAGE, r[0]);
        if (System.getenv("DISTRIBUTE_HTTP_PORT") == null && System.getProperty("distribute.http_port") == null) {
            r = status();
            assertEquals(Main.USAGE, r[0]);
            assertTrue(r[2].toString().contains("no endpoint: pass --url URL or set DISTRIBUTE_HTTP_PORT"), r[2].toString());
        }
    }

    @Test
    void theEndpointsJsonIsReadBack() {
        String json = "{\"self\":\"a\\\"b@h\",\"viewId\":\"c@h|4\",\"coordinator\":\"c@h\",\"members\":["
                + "{\"name\":\"a\\\"b@h\",\"address\":\"[::1]:7800\"},{\"name\":\"c@h\",\"address\":null}],"
                + "\"size\":2,\"connected\":1}";
        assertEquals("a\"b@h", StatusCommand.field(json, "self"));
        assertEquals("c@h|4", StatusCommand.field(json, "viewId"));
        assertEquals(List.of(new StatusCommand.Member("a\"b@h", "[::1]:7800"), new StatusCommand.Member("c@h", null)),
                StatusCommand.members(json));
        assertEquals("1", StatusCommand.number(json, "connected"));
        assertEquals(null, StatusCommand.field(json, "reason"));
    }
}
