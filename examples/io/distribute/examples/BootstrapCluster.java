package io.distribute.examples;

import io.distribute.Result;
import io.distribute.cluster.Cluster;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.ConnectError;

import java.util.ArrayList;
import java.util.List;

/**
 * Pattern 1 of the original Gleam module: start a node and connect to seed nodes, ignoring the ones that do not
 * answer. Runs two seeds in this process plus one name where nothing listens, to show both outcomes.
 */
public final class BootstrapCluster {

    public static Result<Void, String> bootstrapCluster(String myName, String cookie, List<String> seedNodes,
                                                        ClusterConfig config) {
        if (Cluster.startNode(myName, cookie, config).isErr()) {
            return Result.err("Failed to start node");
        }
        for (String seed : seedNodes) {
            Result<Void, ConnectError> r = Cluster.connect(seed);
            System.out.println((r.isOk() ? "Connected to " : "Could not reach ") + seed);
        }
        System.out.println("Cluster bootstrapped with " + Cluster.nodes().size() + " peers");
        return Result.ok();
    }

    public static void main(String[] args) {
        ClusterConfig config = ClusterConfig.fromEnvironment();
        String cookie = config.cookie().orElse("bootstrap-cookie-0123456789");
        List<ClusterNode> seeds = new ArrayList<>();
        try {
            seeds.add(ClusterNode.start("seed1@127.0.0.1", cookie, config).orElseThrow());
            seeds.add(ClusterNode.start("seed2@127.0.0.1", cookie, config).orElseThrow());
            int unused = config.port() + config.portRange() - 1;
            bootstrapCluster("app@127.0.0.1", cookie,
                    List.of("seed1@127.0.0.1", "seed2@127.0.0.1", "gone@127.0.0.1:" + unused), config).orElseThrow();
        } finally {
            Cluster.stop();
            seeds.forEach(ClusterNode::close);
        }
    }
}
