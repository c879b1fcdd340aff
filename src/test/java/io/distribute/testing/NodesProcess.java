package io.distribute.testing;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.MembershipEvent;
import io.distribute.cluster.StartError;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Several nodes in one child JVM, started at the same moment, for tests of clusters spread over a few processes
 * (driven by {@link ChildNodes}). Args: failure-detection timeout in ms, comma-separated seeds, then the node names.
 * The cookie comes from CLUSTER_COOKIE. Prints {@code READY i name} per node started ({@code FAILED i reason} if not),
 * every membership event as {@code EVENT i UP name} or {@code EVENT i DOWN name REASON}, and answers {@code nodes}
 * with {@code NODES i n1,n2,...} per node; {@code exit} leaves gracefully.
 */
public final class NodesProcess {

    public static void main(String[] args) throws Exception {
        long fdMs = Long.parseLong(args[0]);
        List<String> seeds = Arrays.asList(args[1].split(","));
        List<String> names = Arrays.asList(args).subList(2, args.length);
        List<ClusterNode> nodes = new CopyOnWriteArrayList<>();
        List<Thread> starters = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            int idx = i;
            String name = names.get(i);
            Thread t = new Thread(() -> start(idx, name, seeds, fdMs, nodes), "start-" + name);
            starters.add(t);
        }
        starters.forEach(Thread::start);
        for (Thread t : starters) {
            t.join(60_000);
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            switch (line.trim()) {
                case "nodes" -> {
                    for (int i = 0; i < nodes.size(); i++) {
                        out("NODES " + names.indexOf(nodes.get(i).selfNode()) + " "
                                + String.join(",", nodes.get(i).nodes()));
                    }
                    out("NODESDONE");
                }
                case "exit" -> {
                    nodes.parallelStream().forEach(ClusterNode::close);
                    out("BYE");
                    return;
                }
                default -> out("UNKNOWN " + line);
            }
        }
        nodes.parallelStream().forEach(ClusterNode::close);
    }

    private static void start(int idx, String name, List<String> seeds, long fdMs, List<ClusterNode> nodes) {
        ClusterConfig config = TestCluster.testConfig().failureDetectionTimeout(Duration.ofMillis(fdMs))
                .seeds(seeds.stream().filter(s -> !s.equals(name)).toList()).build();
        Result<ClusterNode, StartError> r = ClusterNode.start(name, System.getenv("CLUSTER_COOKIE"), config);
        if (r instanceof Result.Err<ClusterNode, StartError> e) {
            out("FAILED " + idx + " " + e.error());
            return;
        }
        ClusterNode node = r.orElseThrow();
        nodes.add(node);
        node.subscribe(e -> {
            if (e instanceof MembershipEvent.NodeUp up) {
                out("EVENT " + idx + " UP " + up.node());
            } else if (e instanceof MembershipEvent.NodeDown down) {
                out("EVENT " + idx + " DOWN " + down.node() + " " + down.reason());
            }
        });
        out("READY " + idx + " " + name);
    }

    private static synchronized void out(String s) {
        System.out.println(s);
        System.out.flush();
    }
}
