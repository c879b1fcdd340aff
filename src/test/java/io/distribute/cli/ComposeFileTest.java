package io.distribute.cli;

import io.distribute.cli.ComposeTopology.Node;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docker/docker-compose.yml says what {@link NetnsTopologyTest} runs ({@link ComposeTopology}): the same services,
 * node names, addresses, seeds, port, failure-detection timeout and health check; the UDP variant has the same
 * nodes on the udp stack; the Dockerfile runs the jar as the compose file expects.
 */
class ComposeFileTest {

    private static final Path DOCKER = Path.of("docker");

    @Test
    void composeFileMatchesTheTopologyTheNetnsTestRuns() throws IOException {
        Map<String, Object> compose = load("docker-compose.yml");
        Map<String, Object> services = map(compose, "services");
        assertEquals(ComposeTopology.NODES.stream().map(Node::service).toList(), List.copyOf(services.keySet()));
        for (Node n : ComposeTopology.NODES) {
            Map<String, Object> s = map(services, n.service());
            String where = "service " + n.service();
            assertEquals(n.command(), s.get("command"), where + " command");
            Map<String, Object> env = new LinkedHashMap<>(map(s, "environment"));
            Object cookie = env.remove("CLUSTER_COOKIE");
            assertTrue(String.valueOf(cookie).startsWith("${CLUSTER_COOKIE:?"),
                    where + ": the cookie must come from the caller's CLUSTER_COOKIE, never be written here");
            assertEquals(n.environment(), env, where + " environment");
            assertEquals(n.ip(), map(map(s, "networks"), "cluster").get("ipv4_address"), where + " address");
            assertEquals(List.of(ComposeTopology.PORT + "/tcp"), s.get("expose"), where + ": the one port a node uses");
            assertEquals(List.of(n.published()), s.get("ports"), where + " published port");
            assertEquals(n.healthcheck(), map(s, "healthcheck").get("test"), where + " health check");
            assertEquals("distribute:local", s.get("image"), where + " image");
            assertEquals("docker/Dockerfile", map(s, "build").get("dockerfile"), where + " build");
        }
        assertBridge(compose);
    }

    @Test
    void udpVariantRunsTheSameNodesOnTheUdpStack() throws IOException {
        Map<String, Object> compose = load("docker-compose.udp.yml");
        Map<String, Object> services = map(compose, "services");
        assertEquals(ComposeTopology.NODES.stream().map(Node::service).toList(), List.copyOf(services.keySet()));
        for (Node n : ComposeTopology.NODES) {
            Map<String, Object> s = map(services, n.service());
            Map<String, Object> env = map(s, "environment");
            assertEquals(n.name(), env.get("DISTRIBUTE_NAME"));
            assertEquals("udp", env.get("DISTRIBUTE_STACK"));
            assertEquals(null, env.get("DISTRIBUTE_SEEDS"), "multicast discovery needs no seeds");
            assertEquals(n.ip(), map(map(s, "networks"), "cluster").get("ipv4_address"));
            assertEquals(n.healthcheck(), map(s, "healthcheck").get("test"));
        }
        assertBridge(compose);
    }

    @Test
    void dockerfileRunsTheJarAsANonRootUser() throws IOException {
        List<String> lines = Files.readAllLines(DOCKER.resolve("Dockerfile"), StandardCharsets.UTF_8);
        assertTrue(lines.stream().anyMatch(l -> l.matches("FROM maven:3-eclipse-temurin-17 AS build")), "build stage");
        assertTrue(lines.stream().anyMatch(l -> l.equals("FROM eclipse-temurin:17-jre")), "runtime stage");
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("ENTRYPOINT [\"java\"")
                && l.contains("\"-jar\", \"" + ComposeTopology.JAR_IN_IMAGE + "\"")), "entrypoint");
        assertTrue(lines.stream().anyMatch(l -> l.equals("USER distribute")), "non-root user");
        assertTrue(lines.stream().anyMatch(l -> l.equals("EXPOSE " + ComposeTopology.PORT + "/tcp")), "exposed port");
        assertTrue(lines.stream().anyMatch(l -> l.contains("/usr/local/bin/distribute")),
                "the 'distribute' command the health check runs");
    }

    private static void assertBridge(Map<String, Object> compose) {
        Map<String, Object> net = map(map(compose, "networks"), "cluster");
        assertEquals("bridge", net.get("driver"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> config = (List<Map<String, Object>>) map(net, "ipam").get("config");
        assertEquals(ComposeTopology.SUBNET, config.get(0).get("subnet"));
        String prefix = ComposeTopology.SUBNET.substring(0, ComposeTopology.SUBNET.lastIndexOf('.') + 1);
        assertEquals(24, ComposeTopology.PREFIX_LENGTH);
        ComposeTopology.NODES.forEach(n -> assertTrue(n.ip().startsWith(prefix), n + " in " + ComposeTopology.SUBNET));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> load(String file) throws IOException {
        return (Map<String, Object>) MiniYaml.parse(Files.readString(DOCKER.resolve(file), StandardCharsets.UTF_8));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Map)) {
            throw new AssertionError("'" + key + "' is not a mapping in " + m.keySet());
        }
        return (Map<String, Object>) v;
    }
}
