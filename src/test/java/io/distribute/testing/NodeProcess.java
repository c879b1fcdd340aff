package io.distribute.testing;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.StartError;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A node in its own JVM, driven over stdin for crash and freeze tests. Args: name, then optional
 * failure-detection timeout in ms, then optional first port and port range. The cookie comes from CLUSTER_COOKIE. Prints "READY" once started; then
 * answers "connect NODE", "nodes", "ping NODE", "heap" (used heap bytes after a full GC), "events" (every membership
 * event since the start, ";"-separated) with one line each; "exit" leaves gracefully.
 */
public final class NodeProcess {
    public static void main(String[] args) throws Exception {
        String name = args[0];
        long fdMs = args.length > 1 ? Long.parseLong(args[1]) : 2000;
        ClusterConfig.Builder b = TestCluster.testConfig().failureDetectionTimeout(Duration.ofMillis(fdMs));
        if (args.length > 3) {
            b.port(Integer.parseInt(args[2])).portRange(Integer.parseInt(args[3]));
        }
        // The stack and cluster name of the parent's test (StacksTest), passed as -D options.
        String stack = System.getProperty("distribute.stack");
        if (stack != null) {
            b.stack(stack);
        }
        String cluster = System.getProperty("distribute.cluster_name");
        if (cluster != null) {
            b.clusterName(cluster);
        }
        ClusterConfig config = b.build();
        Result<ClusterNode, StartError> r = ClusterNode.start(name, System.getenv("CLUSTER_COOKIE"), config);
        if (r instanceof Result.Err<ClusterNode, StartError> e) {
            System.out.println("FAILED " + e.error());
            System.exit(2);
        }
        ClusterNode node = r.orElseThrow();
        java.util.List<String> events = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        node.subscribe(e -> events.add(e.toString()));
        System.out.println("READY " + node.selfNode());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String[] cmd = line.trim().split("\\s+", 2);
            switch (cmd[0]) {
                case "connect" -> System.out.println("RESULT " + node.connect(cmd[1]));
                case "nodes" -> System.out.println("NODES " + String.join(",", node.nodes()));
                case "ping" -> System.out.println("PING " + node.ping(cmd[1]));
                case "events" -> {
                    synchronized (events) {
                        System.out.println("EVENTS " + String.join(";", events));
                    }
                }
                case "heap" -> {
                    System.gc();
                    System.out.println("HEAP " + java.lang.management.ManagementFactory.getMemoryMXBean()
                            .getHeapMemoryUsage().getUsed());
                }
                case "exit" -> {
                    node.close();
                    System.out.println("BYE");
                    return;
                }
                default -> System.out.println("UNKNOWN " + line);
            }
        }
        node.close();
    }
}
