package io.distribute.cluster;

import io.distribute.Result;
import io.distribute.internal.JGroupsNode;

import java.util.List;

/**
 * A distributed node: the calls of {@link Cluster} on an instance, for several nodes in one JVM (application
 * servers, tests). Thread-safe. Close it to leave the cluster gracefully.
 *
 * <pre>{@code
 * try (ClusterNode a = ClusterNode.start("a@127.0.0.1", cookie, ClusterConfig.defaults()).orElseThrow();
 *      ClusterNode b = ClusterNode.start("b@127.0.0.1", cookie, ClusterConfig.defaults()).orElseThrow()) {
 *     a.connect("b@127.0.0.1");   // Ok: a and b now list each other
 *     a.nodes();                  // ["b@127.0.0.1"]
 * }
 * }</pre>
 *
 * <p>No method throws for bad input (null included): failures are typed values.
 */
public final class ClusterNode implements AutoCloseable {

    private final JGroupsNode node;

    private ClusterNode(JGroupsNode node) {
        this.node = node;
    }

    /**
     * Starts a node called {@code name} ({@code name@host} or {@code name@host:port}) with the cluster's shared
     * {@code cookie} (1-255 characters). It binds the first free port of {@code [port, port + portRange)} on
     * {@code host}, or exactly the port in the name.
     */
    public static Result<ClusterNode, StartError> start(String name, String cookie, ClusterConfig config) {
        return JGroupsNode.start(name, cookie, config).map(ClusterNode::new);
    }

    /** {@link #start(String, String, ClusterConfig)} with {@link ClusterConfig#defaults()}. */
    public static Result<ClusterNode, StartError> start(String name, String cookie) {
        return start(name, cookie, ClusterConfig.defaults());
    }

    /**
     * Connects to {@code node}: finds it in its host's port range and merges this node's cluster with its cluster,
     * so that both (and every node either was connected to) list each other. Returns when the merge is done.
     */
    public Result<Void, ConnectError> connect(String node) {
        return this.node.connect(node);
    }

    /** The names of all connected nodes, without this one; empty after {@link #close()}. */
    public List<String> nodes() {
        return node.nodes();
    }

    /** This node's name exactly as given to {@link #start}, or {@code "nonode@nohost"} after {@link #close()}. */
    public String selfNode() {
        return node.selfNode();
    }

    /**
     * True if {@code node} answers within the ping timeout: this node, a member, or a live node holding the same
     * cookie that is not a member (it is not joined). False for an invalid name, an unknown, dead or foreign node.
     */
    public boolean ping(String node) {
        return this.node.ping(node);
    }

    /** The configuration this node was started with. */
    public ClusterConfig config() {
        return node.config();
    }

    /** Leaves the cluster gracefully and frees the name and port. Idempotent. */
    @Override
    public void close() {
        node.close();
    }

    @Override
    public String toString() {
        return "ClusterNode[" + node.name().text() + (node.isClosed() ? ", closed" : ", " + node.nodes().size()
                + " connected") + "]";
    }
}
