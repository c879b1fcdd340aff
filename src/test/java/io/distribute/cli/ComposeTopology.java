package io.distribute.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The three-node topology of {@code docker/docker-compose.yml}, in one place: {@link ComposeFileTest} checks the
 * compose file says exactly this, and {@link NetnsTopologyTest} runs exactly this in network namespaces.
 */
final class ComposeTopology {

    /** The compose file's bridge network. */
    static final String SUBNET = "10.210.0.0/24";
    static final int PREFIX_LENGTH = 24;
    /** The one port a node uses (TCP), inside its container. */
    static final int PORT = 7800;
    static final String FAILURE_DETECTION_TIMEOUT = "2s";
    static final long FAILURE_DETECTION_TIMEOUT_MS = 2000;
    /** Where the image puts the executable jar (ENTRYPOINT java -jar JAR). */
    static final String JAR_IN_IMAGE = "/app/distribute-cli.jar";

    /** A node: compose service, node name, address on the bridge, and the host port 7800 is published on. */
    record Node(String service, String ip, int hostPort) {
        String name() {
            return service + "@" + ip;
        }

        List<String> seeds() {
            return NODES.stream().filter(n -> !n.equals(this)).map(Node::name).toList();
        }

        /** The arguments after the image's ENTRYPOINT ({@code java -jar /app/distribute-cli.jar}). */
        List<String> command() {
            return List.of("node");
        }

        /** The node's settings, all from the environment (the cookie is added by whoever runs it). */
        Map<String, String> environment() {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("DISTRIBUTE_NAME", name());
            env.put("DISTRIBUTE_SEEDS", String.join(",", seeds()));
            env.put("DISTRIBUTE_PORT", String.valueOf(PORT));
            env.put("DISTRIBUTE_PORT_RANGE", "1");
            env.put("DISTRIBUTE_FAILURE_DETECTION_TIMEOUT", FAILURE_DETECTION_TIMEOUT);
            return env;
        }

        /** The health check: {@code distribute ping} of the node itself. */
        List<String> healthcheck() {
            return List.of("CMD", "distribute", "ping", name());
        }

        /** The compose file's published port: 127.0.0.1:hostPort -> 7800/tcp. */
        String published() {
            return "127.0.0.1:" + hostPort + ":" + PORT + "/tcp";
        }
    }

    static final List<Node> NODES = List.of(
            new Node("node1", "10.210.0.11", 7801),
            new Node("node2", "10.210.0.12", 7802),
            new Node("node3", "10.210.0.13", 7803));

    private ComposeTopology() {
    }
}
