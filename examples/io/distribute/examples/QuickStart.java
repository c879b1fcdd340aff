package io.distribute.examples;

import io.distribute.Result;
import io.distribute.cluster.Cluster;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.ConnectError;
import io.distribute.cluster.StartError;

/**
 * The original Gleam module's Quick Start in Java: start this JVM's node, connect to another node, list and ping. To
 * be runnable on its own it starts the peer ("master") in the same process; settings come from DISTRIBUTE_* /
 * distribute.*.
 */
public final class QuickStart {

    public static void main(String[] args) {
        ClusterConfig config = ClusterConfig.fromEnvironment();
        String cookie = config.cookie().orElse("quickstart-cookie-0123456789");
        try (ClusterNode master = ClusterNode.start("master@127.0.0.1", cookie, config).orElseThrow()) {
            start("myapp@127.0.0.1", cookie, config);
            joinCluster("master@127.0.0.1");
            showClusterStatus();
            checkNodeHealth("master@127.0.0.1");
        } finally {
            Cluster.stop();
        }
    }

    static void start(String name, String cookie, ClusterConfig config) {
        Result<Void, StartError> started = Cluster.startNode(name, cookie, config);
        if (started.isOk()) {
            System.out.println("Node started successfully! Self: " + Cluster.selfNode());
        } else if (started instanceof Result.Err<Void, StartError> err) {
            if (err.error() instanceof StartError.AlreadyStarted) {
                System.out.println("Node was already started");
            } else if (err.error() instanceof StartError.InvalidNodeName bad) {
                System.out.println("Invalid name: " + bad.reason());
            } else {
                System.out.println("Failed to start: " + err.error().describe());
            }
        }
    }

    static Result<Void, String> joinCluster(String peer) {
        Result<Void, ConnectError> r = Cluster.connect(peer);
        if (r.isOk()) {
            System.out.println("Connected to " + peer);
            return Result.ok();
        }
        ConnectError e = ((Result.Err<Void, ConnectError>) r).error();
        if (e instanceof ConnectError.ConnectIgnored) {
            return Result.ok(); // already connected, or ourselves
        } else if (e instanceof ConnectError.ConnectTimeout) {
            return Result.err("Connection timed out");
        } else if (e instanceof ConnectError.NodeNotFound) {
            return Result.err("Node not found or unreachable");
        } else {
            return Result.err(e.describe());
        }
    }

    static void showClusterStatus() {
        System.out.println("This node: " + Cluster.selfNode());
        System.out.println("Connected nodes: " + Cluster.nodes());
        System.out.println("Total cluster size: " + (Cluster.nodes().size() + 1));
    }

    static boolean checkNodeHealth(String node) {
        boolean up = Cluster.ping(node);
        System.out.println(node + (up ? " is reachable" : " is NOT reachable"));
        return up;
    }
}
