package io.distribute.cli;

import io.distribute.cli.ComposeTopology.Node;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docker/docker-compose.yml and the Dockerfile say what {@link NetnsTopologyTest} runs ({@link ComposeTopology}):
 * the same services, node names, seeds, port, failure-detection timeout, cookie file and health check; the UDP
 * variant has the same nodes on the udp stack; the image is built as the README says (pinned bases, numeric user,
 * exit on OOM, health check on the endpoint), and the Kubernetes pod runs as the image's user.
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
            Map<String, Object> env = map(s, "environment");
            assertFalse(env.containsKey("CLUSTER_COOKIE"), where + ": the cookie is a secret file, never an env var");
            assertEquals(n.environment(), env, where + " environment");
            assertEquals(n.service(), s.get("hostname"), where + " hostname");
            assertEquals(List.of(ComposeTopology.PORT + "/tcp", ComposeTopology.HTTP_PORT + "/tcp"), s.get("expose"),
                    where + ": the node's port and its endpoint's");
            assertEquals(List.of(n.published()), s.get("ports"), where + " published port");
            assertNull(s.get("healthcheck"), where + ": the image's health check applies");
            assertEquals(List.of("cookie"), s.get("secrets"), where + " secrets");
            assertEquals(List.of("cluster"), s.get("networks"), where + ": no static address");
            assertEquals("distribute:local", s.get("image"), where + " image");
            assertEquals("docker/Dockerfile", map(s, "build").get("dockerfile"), where + " build");
        }
        assertCommon(compose);
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
            assertNull(env.get("DISTRIBUTE_SEEDS"), "multicast discovery needs no seeds");
            assertFalse(env.containsKey("CLUSTER_COOKIE"));
            assertEquals(n.command(), s.get("command"));
            assertEquals(n.service(), s.get("hostname"));
            assertEquals(List.of(n.published()), s.get("ports"));
        }
        assertCommon(compose);
    }

    @Test
    void dockerfileBuildsAPinnedUnprivilegedImageWithAHealthCheck() throws IOException {
        List<String> lines = Files.readAllLines(DOCKER.resolve("Dockerfile"), StandardCharsets.UTF_8);
        Pattern pinned = Pattern.compile("ARG (BUILD|RUNTIME)_IMAGE=[a-z-]+:(\\S+)");
        long pins = lines.stream().map(pinned::matcher).filter(Matcher::matches)
                .peek(m -> assertTrue(m.group(2).matches("[0-9]+\\.[0-9]+\\.[0-9]+.*"), "pinned tag: " + m.group()))
                .count();
        assertEquals(2, pins, "a pinned build and runtime image");
        assertTrue(lines.contains("FROM ${BUILD_IMAGE} AS build"));
        assertTrue(lines.contains("FROM ${RUNTIME_IMAGE}"));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("ENTRYPOINT [\"java\"")
                && l.contains("\"-XX:+ExitOnOutOfMemoryError\"")
                && l.contains("\"-jar\", \"" + ComposeTopology.JAR_IN_IMAGE + "\"")), "entrypoint");
        assertTrue(lines.contains("USER " + ComposeTopology.USER), "numeric non-root user");
        assertTrue(lines.contains("EXPOSE " + ComposeTopology.PORT + "/tcp " + ComposeTopology.HTTP_PORT + "/tcp"));
        ComposeTopology.imageEnvironment().forEach((k, v) -> assertTrue(lines.contains("ENV " + k + "=" + v), k));
        String check = lines.stream().filter(l -> l.startsWith("HEALTHCHECK ")).findFirst().orElseThrow();
        assertTrue(check.endsWith(" CMD [\"" + String.join("\", \"", ComposeTopology.HEALTHCHECK.subList(1, 3))
                + "\"]"), check);
        assertTrue(lines.stream().anyMatch(l -> l.contains("/usr/local/bin/distribute")),
                "the 'distribute' command the health check runs");

        List<String> ignore = Files.readAllLines(Path.of(".dockerignore"), StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertEquals("*", ignore.get(0), "the context holds only what is let in");
        assertTrue(ignore.contains("!target/distribute-cli.jar") && ignore.contains("!src/"), ignore.toString());
    }

    @Test
    void theKubernetesPodRunsAsTheImagesUser() throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> sts = (Map<String, Object>) MiniYaml.parse(Files.readString(
                DOCKER.resolve("kubernetes").resolve("statefulset.yaml"), StandardCharsets.UTF_8));
        Map<String, Object> security = map(map(map(map(sts, "spec"), "template"), "spec"), "securityContext");
        String[] user = ComposeTopology.USER.split(":");
        assertEquals(user[0], security.get("runAsUser"));
        assertEquals(user[1], security.get("runAsGroup"));
    }

    private static void assertCommon(Map<String, Object> compose) {
        assertEquals("bridge", map(map(compose, "networks"), "cluster").get("driver"));
        assertEquals("./cookie", map(map(compose, "secrets"), "cookie").get("file"));
        assertTrue(ComposeTopology.COOKIE_FILE.endsWith("/cookie"), "compose mounts secret 'cookie' there");
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
