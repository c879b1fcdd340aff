package io.distribute.examples;

import io.distribute.cluster.Cluster;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;

import java.util.ArrayList;
import java.util.List;

/** Pings every connected node, as the original Gleam module's "use ping for health checks". */
public final class HealthCheck {

    /** Pings each node of the cluster and returns how many answered. */
    public static int checkAll() {
        int healthy = 0;
        for (String node : Cluster.nodes()) {
            long t0 = System.nanoTime();
            boolean up = Cluster.ping(node);
            System.out.printf("%-24s %s (%.2f ms)%n", node, up ? "reachable" : "NOT reachable",
                    (System.nanoTime() - t0) / 1e6);
            healthy += up ? 1 : 0;
        }
        return healthy;
    }

    public static void main(String[] args) {
        ClusterConfig config = ClusterConfig.fromEnvironment();
        String cookie = config.cookie().orElse("health-cookie-0123456789");
        List<ClusterNode> peers = new ArrayList<>();
        Cluster.startNode("doctor@127.0.0.1", cookie, config).orElseThrow();
        try {
            for (String name : List.of("p1@127.0.0.1", "p2@127.0.0.1", "p3@127.0.0.1")) {
                ClusterNode p = ClusterNode.start(name, cookie, config).orElseThrow();
                peers.add(p);
                // The node that checks makes the connection, so the Ok is about its own nodes(), which it reads next.
                Cluster.connect(p.selfNode()).orElseThrow();
            }
            System.out.println(checkAll() + " of " + Cluster.nodes().size() + " nodes healthy");
        } finally {
            Cluster.stop();
            peers.forEach(ClusterNode::close);
        }
    }
}
