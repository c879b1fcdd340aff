package io.distribute.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The three-node topology of {@code docker/docker-compose.yml} and {@code docker/Dockerfile}, in one place:
 * {@link ComposeFileTest} checks the files say exactly this, and {@link NetnsTopologyTest} runs exactly this in
 * network namespaces.
 */
final class ComposeTopology {

    /**
     * The addresses {@link NetnsTopologyTest} gives its namespaces (Docker picks its own: the compose file names no
     * address; nodes reach each other by service name).
     */
    static final String SUBNET = "10.210.0.0/24";
    static final int PREFIX_LENGTH = 24;
    /** The one port a node uses for the cluster (TCP), inside its container. */
    static final int PORT = 7800;
    /** The health endpoint's port, set by the image ({@code ENV DISTRIBUTE_HTTP_PORT}). */
    static final int HTTP_PORT = 8080;
    static final String FAILURE_DETECTION_TIMEOUT = "2s";
    static final long FAILURE_DETECTION_TIMEOUT_MS = 2000;
    /** Where the image puts the executable jar (ENTRYPOINT java ... -jar JAR). */
    static final String JAR_IN_IMAGE = "/app/distribute-cli.jar";
    /** Where compose mounts the secret {@code cookie}. */
    static final String COOKIE_FILE = "/run/secrets/cookie";
    /** The image's numeric user. */
    static final String USER = "10001:10001";
    /** The image's health check: {@code distribute status} of the container's own node. */
    static final List<String> HEALTHCHECK = List.of("CMD", "distribute", "status");

    /** The environment the image sets for every container. */
    static Map<String, String> imageEnvironment() {
        return Map.of("DISTRIBUTE_HTTP_PORT", String.valueOf(HTTP_PORT));
    }

    /** A node: compose service (also its host name), address in the netns test, host port of its endpoint. */
    record Node(String service, String ip, int hostPort) {
        String name() {
            return service + "@" + service;
        }

        List<String> seeds() {
            return NODES.stream().filter(n -> !n.equals(this)).map(Node::name).toList();
        }

        /** The arguments after the image's ENTRYPOINT ({@code java -jar /app/distribute-cli.jar}). */
        List<String> command() {
            return List.of("node", "--cookie-file", COOKIE_FILE);
        }

        /** The node's settings from the compose file, all environment (the cookie is a secret file). */
        Map<String, String> environment() {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("DISTRIBUTE_PORT", String.valueOf(PORT));
            env.put("DISTRIBUTE_PORT_RANGE", "1");
            env.put("DISTRIBUTE_FAILURE_DETECTION_TIMEOUT", FAILURE_DETECTION_TIMEOUT);
            env.put("DISTRIBUTE_NAME", name());
            env.put("DISTRIBUTE_SEEDS", String.join(",", seeds()));
            return env;
        }

        /** The compose file's published port: the health endpoint, 127.0.0.1:hostPort -> 8080/tcp. */
        String published() {
            return "127.0.0.1:" + hostPort + ":" + HTTP_PORT + "/tcp";
        }
    }

    static final List<Node> NODES = List.of(
            new Node("node1", "10.210.0.11", 8081),
            new Node("node2", "10.210.0.12", 8082),
            new Node("node3", "10.210.0.13", 8083));

    private ComposeTopology() {
    }
}
