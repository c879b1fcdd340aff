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
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
            assertEquals("{\"self\":\"" + a.selfNode() + "\",\"members\":[\"" + a.selfNode() + "\"],\"size\":1,"
                    + "\"ready\":false}\n", get(at, "/members").body());

            a.connect(b.selfNode()).orElseThrow();
            c.awaitAgreement();
            HttpResponse<String> ready = get(at, "/health/ready");
            assertEquals(200, ready.statusCode(), ready.body());
            assertEquals("{\"ready\":true,\"self\":\"" + a.selfNode() + "\",\"connected\":1,\"required\":1}\n",
                    ready.body());
            String members = get(at, "/members").body();
            assertEquals("{\"self\":\"" + a.selfNode() + "\",\"members\":[\"" + a.selfNode() + "\",\""
                    + b.selfNode() + "\"],\"size\":2,\"ready\":true}\n", members);

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
