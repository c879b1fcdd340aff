package io.distribute.examples;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.ConnectError;
import io.distribute.cluster.StartError;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The README's first command: three real nodes on 127.0.0.1 in this process form one cluster, ping each other,
 * one leaves, the others notice, and everything stops.
 */
public final class LocalCluster {

    public static void main(String[] args) {
        String cookie = System.getenv().getOrDefault("CLUSTER_COOKIE", "local-demo-cookie-" + ProcessHandle.current().pid());
        ClusterConfig config = ClusterConfig.fromEnvironment().toBuilder()
                .failureDetectionTimeout(Duration.ofSeconds(2)).build();
        List<ClusterNode> nodes = new ArrayList<>();
        try {
            for (String name : List.of("alpha", "beta", "gamma")) {
                long t0 = System.nanoTime();
                Result<ClusterNode, StartError> r = ClusterNode.start(name + "@127.0.0.1", cookie, config);
                if (r instanceof Result.Err<ClusterNode, StartError> err) {
                    System.out.println("could not start " + name + ": " + err.error().describe());
                    return;
                }
                ClusterNode node = r.orElseThrow();
                nodes.add(node);
                System.out.printf("started  %-16s in %5.1f ms%n", node.selfNode(), ms(t0));
            }
            ClusterNode alpha = nodes.get(0);
            for (ClusterNode other : nodes.subList(1, nodes.size())) {
                long t0 = System.nanoTime();
                Result<Void, ConnectError> r = other.connect(alpha.selfNode());
                System.out.printf("connect  %-16s -> %-16s %s in %5.1f ms%n", other.selfNode(), alpha.selfNode(),
                        r.isOk() ? "ok" : ((Result.Err<Void, ConnectError>) r).error().describe(), ms(t0));
            }
            for (ClusterNode n : nodes) {
                System.out.printf("nodes    %-16s sees %s%n", n.selfNode(), n.nodes());
            }
            long t0 = System.nanoTime();
            boolean up = alpha.ping(nodes.get(2).selfNode());
            System.out.printf("ping     %-16s -> %-16s %s in %5.3f ms%n", alpha.selfNode(), nodes.get(2).selfNode(),
                    up ? "pong" : "no answer", ms(t0));
            ClusterNode gamma = nodes.remove(2);
            String gone = gamma.selfNode();
            gamma.close();
            long t1 = System.nanoTime();
            while (alpha.nodes().contains(gone) && ms(t1) < 5000) {
                Thread.onSpinWait();
            }
            System.out.printf("leave    %-16s left; alpha now sees %s (%.1f ms)%n", gone, alpha.nodes(), ms(t1));
        } finally {
            nodes.forEach(ClusterNode::close);
            System.out.println("stopped  all nodes");
        }
    }

    private static double ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }
}
