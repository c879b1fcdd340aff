package io.distribute.cluster;

import io.distribute.Result;
import io.distribute.internal.JGroupsNode;

import java.util.List;

/**
 * The cluster calls of a distributed Erlang node, for this JVM's default node (as one BEAM VM is one node).
 *
 * <pre>{@code
 * Result<Void, StartError> started = Cluster.startNode("orders@127.0.0.1", System.getenv("CLUSTER_COOKIE"));
 * if (started.isOk()) {
 *     Cluster.connect("billing@127.0.0.1");
 *     System.out.println(Cluster.selfNode() + " sees " + Cluster.nodes());
 * }
 * }</pre>
 *
 * <p>For several nodes in one JVM, use {@link ClusterNode}. No method throws for bad input (null included).
 */
public final class Cluster {

    private static final Object LOCK = new Object();
    private static volatile ClusterNode defaultNode;

    private Cluster() {
    }

    /** Starts this JVM's node with {@link ClusterConfig#defaults()}; see {@link ClusterNode#start}. */
    public static Result<Void, StartError> startNode(String name, String cookie) {
        return startNode(name, cookie, ClusterConfig.defaults());
    }

    /** Starts this JVM's node; {@link StartError.AlreadyStarted} if it is running. */
    public static Result<Void, StartError> startNode(String name, String cookie, ClusterConfig config) {
        synchronized (LOCK) {
            if (defaultNode != null) {
                return Result.err(new StartError.AlreadyStarted());
            }
            Result<ClusterNode, StartError> r = ClusterNode.start(name, cookie, config);
            if (r instanceof Result.Ok<ClusterNode, StartError> ok) {
                defaultNode = ok.value();
                return Result.ok();
            }
            return Result.err(((Result.Err<ClusterNode, StartError>) r).error());
        }
    }

    /** Connects to {@code node}; {@link ConnectError.ConnectNetworkError} if this node is not started. */
    public static Result<Void, ConnectError> connect(String node) {
        ClusterNode n = defaultNode;
        if (n == null) {
            return Result.err(new ConnectError.ConnectNetworkError("this node is not started (call startNode first)"));
        }
        return n.connect(node);
    }

    /** The connected nodes; empty before start and after stop. */
    public static List<String> nodes() {
        ClusterNode n = defaultNode;
        return n == null ? List.of() : n.nodes();
    }

    /** This node's name, or {@code "nonode@nohost"} before start and after stop. */
    public static String selfNode() {
        ClusterNode n = defaultNode;
        return n == null ? JGroupsNode.NO_NODE : n.selfNode();
    }

    /** True if {@code node} answers within the ping timeout; false if not, or if this node is not started. */
    public static boolean ping(String node) {
        ClusterNode n = defaultNode;
        return n != null && n.ping(node);
    }

    /** Leaves the cluster gracefully; {@link #startNode} works again afterwards. Does nothing if not started. */
    public static void stop() {
        synchronized (LOCK) {
            ClusterNode n = defaultNode;
            defaultNode = null;
            if (n != null) {
                n.close();
            }
        }
    }
}
