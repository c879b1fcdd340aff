package io.distribute.http;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.StartError;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The health and membership endpoint over real HTTP on 127.0.0.1, started by the node from its config. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HealthEndpointTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static HttpResponse<String> get(InetSocketAddress at, String path) throws Exception {
        return send(at, path, "GET");
    }

    private static HttpResponse<String> send(InetSocketAddress at, String path, String method) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.getPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build();
        return HTTP.send(r, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void liveReadyAndMembersFollowTheCluster() throws Exception {
        try (TestCluster c = new TestCluster()) {
            int httpPort = Ports.next();
            ClusterNode a = c.start("ha", TestCluster.testConfig().httpPort(httpPort).httpReadyMembers(1).build());
            ClusterNode b = c.start("hb");
            InetSocketAddress at = a.httpAddress().orElseThrow();
            assertEquals(new InetSocketAddress("127.0.0.1", httpPort), at, "the node's own address by default");

            assertEquals(200, get(at, "/health/live").statusCode());
            HttpResponse<String> notReady = get(at, "/health/ready");
            assertEquals(503, notReady.statusCode(), notReady.body());
            assertTrue(notReady.body().contains("\"connected\":0,\"required\":1"), notReady.body());
            assertEquals("application/json; charset=utf-8", notReady.headers().firstValue("Content-Type").orElse(""));
            String alone = get(at, "/members").body();
            assertEquals(List.of(a.selfNode()), List.copyOf(members(alone).keySet()), alone);
            assertEquals(a.selfNode(), field(alone, "coordinator"), alone);
            assertTrue(alone.endsWith(",\"size\":1,\"ready\":false}\n"), alone);

            a.connect(b.selfNode()).orElseThrow();
            c.awaitAgreement();
            HttpResponse<String> ready = get(at, "/health/ready");
            assertEquals(200, ready.statusCode(), ready.body());
            assertEquals("{\"ready\":true,\"self\":\"" + a.selfNode() + "\",\"connected\":1,\"required\":1}\n",
                    ready.body());
            String members = get(at, "/members").body();
            assertEquals(List.of(a.selfNode(), b.selfNode()), List.copyOf(members(members).keySet()), members);
            assertTrue(members.endsWith(",\"size\":2,\"ready\":true}\n"), members);

            b.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> get(at, "/health/ready").statusCode() == 503);
            assertEquals(200, get(at, "/health/live").statusCode());

            assertEquals(404, get(at, "/nothing").statusCode());
            HttpResponse<String> post = send(at, "/members", "POST");
            assertEquals(405, post.statusCode());
            assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
            HttpResponse<String> head = send(at, "/health/live", "HEAD");
            assertEquals(200, head.statusCode());
            assertEquals("", head.body());

            a.close();
            assertTrue(a.httpAddress().isEmpty());
            assertThrows(ConnectException.class, () -> get(at, "/health/live"), "closed with its node");
        }
    }

    @Test
    void membersListsEveryMemberWithItsAddressTheViewIdAndACoordinatorThatIsAMember() throws Exception {
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = c.start("ma", TestCluster.testConfig().httpPort(Ports.next()).build());
            ClusterNode b = c.start("mb");
            ClusterNode d = c.start("mc");
            b.connect(a.selfNode()).orElseThrow();
            d.connect(a.selfNode()).orElseThrow();
            c.awaitAgreement();
            InetSocketAddress at = a.httpAddress().orElseThrow();

            String json = get(at, "/members").body();
            Map<String, String> expected = new LinkedHashMap<>();
            for (ClusterNode n : List.of(a, b, d)) { // sorted by name: ma, mb, mc
                expected.put(n.selfNode(), "127.0.0.1:" + n.boundAddress().getPort());
            }
            assertEquals(expected, members(json), json);
            assertEquals(a.selfNode(), field(json, "self"), json);
            String viewId = field(json, "viewId");
            assertTrue(viewId != null && viewId.matches(".+\\|[0-9]+")
                    && expected.containsKey(viewId.substring(0, viewId.lastIndexOf('|'))), json);
            assertTrue(expected.containsKey(field(json, "coordinator")), json);
            assertTrue(json.contains("\"size\":3,"), json);

            b.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> members(get(at, "/members").body()).size() == 2);
            String after = get(at, "/members").body();
            assertEquals(List.of(a.selfNode(), d.selfNode()), List.copyOf(members(after).keySet()), after);
            assertNotEquals(viewId, field(after, "viewId"), "a new view after a member left: " + after);
            assertTrue(members(after).containsKey(field(after, "coordinator")), after);
        }
    }

    @Test
    void anEndpointOfAClosedNodeListsNoView() throws Exception {
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = c.start("me");
            try (HealthEndpoint e = HealthEndpoint.start(a, new InetSocketAddress("127.0.0.1", 0), 0)) {
                assertEquals(List.of(a.selfNode()), List.copyOf(members(get(e.address(), "/members").body()).keySet()));
                a.close();
                assertEquals("{\"self\":\"nonode@nohost\",\"viewId\":null,\"coordinator\":null,\"members\":[],"
                        + "\"size\":0,\"ready\":false}\n", get(e.address(), "/members").body());
                assertEquals(503, get(e.address(), "/health/ready").statusCode());
            }
        }
    }

    /** {@code /members}' member objects in order: name to address. */
    private static Map<String, String> members(String json) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\\{\"name\":\"([^\"]*)\",\"address\":(?:null|\"([^\"]*)\")}").matcher(json);
        while (m.find()) {
            out.put(m.group(1), m.group(2));
        }
        return out;
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : null;
    }

    @Test
    void readyWithoutARequiredCountAndBoundWhereToldEvenWhenTheNodeIsLone() throws Exception {
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        try (TestCluster c = new TestCluster()) {
            int httpPort = Ports.next();
            ClusterNode a = c.start("hc", TestCluster.testConfig().httpPort(httpPort).httpAddress("127.0.0.1")
                    .build());
            InetSocketAddress at = a.httpAddress().orElseThrow();
            assertEquals(200, get(at, "/health/ready").statusCode());
            assertTrue(a.toString().contains("hc@"));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !before.contains(t)).noneMatch(t -> t.getName().startsWith("HTTP-")
                        || t.getName().startsWith("distribute-http")));
    }

    @Test
    void withReadySeedANodeIsNotReadyUntilASeedIsConnectedAndAnyOtherMemberDoesNotCount() throws Exception {
        try (TestCluster c = new TestCluster()) {
            String seed = "rb@127.0.0.1:" + Ports.next(); // not up yet
            ClusterNode a = c.start("ra", TestCluster.testConfig().seeds(seed).httpPort(Ports.next())
                    .httpReadySeed(true).build());
            InetSocketAddress at = a.httpAddress().orElseThrow();
            HttpResponse<String> down = get(at, "/health/ready");
            assertEquals(503, down.statusCode(), down.body());
            assertEquals("not connected to any seed of [" + seed + "]", field(down.body(), "reason"), down.body());
            assertTrue(down.body().contains("\"seeds\":[\"" + seed + "\"],\"seedConnected\":false"), down.body());
            assertTrue(get(at, "/members").body().endsWith(",\"ready\":false}\n"));

            ClusterNode other = c.start("rc");
            other.connect(a.selfNode()).orElseThrow();
            c.awaitAgreement();
            HttpResponse<String> notASeed = get(at, "/health/ready");
            assertEquals(503, notASeed.statusCode(), "a member that is not a seed does not count: " + notASeed.body());
            assertTrue(notASeed.body().contains("\"connected\":1,"), notASeed.body());

            ClusterNode b = c.start(seed, TestCluster.COOKIE, TestCluster.testConfig().build());
            b.connect(a.selfNode()); // Ok, or ConnectIgnored if the stack's discovery merged them first
            c.awaitAgreement();
            await().atMost(Duration.ofSeconds(5)).until(() -> get(at, "/health/ready").statusCode() == 200);
            HttpResponse<String> up = get(at, "/health/ready");
            assertEquals("{\"ready\":true,\"self\":\"" + a.selfNode() + "\",\"connected\":2,\"required\":0,"
                    + "\"seeds\":[\"" + seed + "\"],\"seedConnected\":true}\n", up.body());
            assertTrue(get(at, "/members").body().endsWith(",\"ready\":true}\n"));
        }
    }

    @Test
    void withReadySeedANodeWhoseOnlySeedIsItselfOrWithNoSeedsIsReadyAlone() throws Exception {
        try (TestCluster c = new TestCluster()) {
            String self = "rs@127.0.0.1:" + Ports.next();
            ClusterNode a = c.start(self, TestCluster.COOKIE, TestCluster.testConfig().seeds(self)
                    .httpPort(Ports.next()).httpReadySeed(true).build());
            HttpResponse<String> r = get(a.httpAddress().orElseThrow(), "/health/ready");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("{\"ready\":true,\"self\":\"" + self + "\",\"connected\":0,\"required\":0}\n", r.body());

            ClusterNode n = c.start("rn", TestCluster.testConfig().httpPort(Ports.next()).httpReadySeed(true).build());
            HttpResponse<String> none = get(n.httpAddress().orElseThrow(), "/health/ready");
            assertEquals(200, none.statusCode(), none.body());
        }
    }

    @Test
    void readySeedAndReadyMembersAreBothNamedWhenBothAreMissing() throws Exception {
        try (TestCluster c = new TestCluster()) {
            String seed = "rx@127.0.0.1:" + Ports.next(); // never started
            ClusterNode a = c.start("ry", TestCluster.testConfig().seeds(seed).httpPort(Ports.next())
                    .httpReadyMembers(1).httpReadySeed(true).build());
            HttpResponse<String> r = get(a.httpAddress().orElseThrow(), "/health/ready");
            assertEquals(503, r.statusCode(), r.body());
            assertEquals("connected to 0 of the 1 other nodes required; not connected to any seed of [" + seed + "]",
                    field(r.body(), "reason"), r.body());
        }
    }

    @Test
    void aSeedNamesANodeByNameAndHostAndByPortOnlyIfBothGiveOne() {
        assertTrue(HealthEndpoint.sameNode("b@127.0.0.1:7801", "b@127.0.0.1:7801"));
        assertTrue(HealthEndpoint.sameNode("b@127.0.0.1", "b@127.0.0.1:7805"), "found in the port range");
        assertTrue(HealthEndpoint.sameNode("b@Node2.example", "b@node2.example"));
        assertFalse(HealthEndpoint.sameNode("b@127.0.0.1:7801", "b@127.0.0.1:7802"));
        assertFalse(HealthEndpoint.sameNode("b@127.0.0.1", "c@127.0.0.1"));
        assertFalse(HealthEndpoint.sameNode("b@127.0.0.1", "b@127.0.0.2"));
        assertEquals(List.of("b@h2", "c@h3"), HealthEndpoint.otherSeeds(List.of("a@h1", "b@h2", "c@h3"), "a@h1:7800"));
        assertEquals(List.of(), HealthEndpoint.otherSeeds(List.of("a@h1:7800"), "a@h1:7800"));
    }

    @Test
    void anEndpointPortInUseFailsTheStartAndStopsTheNode() throws IOException {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress("127.0.0.1", 0));
            int nodePort = Ports.next();
            String name = "hd@127.0.0.1:" + nodePort;
            Result<ClusterNode, StartError> r = ClusterNode.start(name, TestCluster.COOKIE,
                    TestCluster.testConfig().httpPort(busy.getLocalPort()).build());
            StartError e = ((Result.Err<ClusterNode, StartError>) r).error();
            assertInstanceOf(StartError.NetworkError.class, e);
            assertTrue(e.describe().contains("health endpoint on 127.0.0.1:" + busy.getLocalPort()), e.describe());
            // The node was stopped again: its name and port are free.
            try (ClusterNode again = ClusterNode.start(name, TestCluster.COOKIE, ClusterConfig.defaults())
                    .orElseThrow()) {
                assertEquals(name, again.selfNode());
            }
        }
    }

    @Test
    void settingsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> ClusterConfig.builder().httpPort(70000));
        assertThrows(IllegalArgumentException.class, () -> ClusterConfig.builder().httpReadyMembers(-1));
        assertThrows(IllegalArgumentException.class, () -> ClusterConfig.builder().httpAddress(" "));
        assertEquals(0, ClusterConfig.defaults().httpPort(), "off by default");
    }

    @Test
    void stringsAreEscapedAsJson() {
        assertEquals("\"a\\\"b\\\\c\\n\\u0001\"", HealthEndpoint.quote("a\"b\\c\n\u0001"));
        assertEquals("null", HealthEndpoint.quote(null));
    }
}
