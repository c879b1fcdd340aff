package io.distribute.cli;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.ConnectError;
import io.distribute.cluster.MembershipEvent;
import io.distribute.cluster.StartError;
import io.distribute.cluster.Subscription;
import io.distribute.retry.Jitter;
import io.distribute.retry.RetryPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code distribute node}: starts a node, connects to its seeds with retry, and prints membership events as they
 * happen until SIGINT or SIGTERM, which leave the cluster gracefully (exit code 0).
 */
@Command(name = "node", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Starts a node, connects to the seeds (with retry) and prints membership events live, one line"
                + " each (time, event, node, reason, cluster size), until SIGINT/SIGTERM, which leave gracefully.",
                "", "Example:", "  CLUSTER_COOKIE=... distribute node --name a@10.0.0.5 --seed b@10.0.0.6", "",
                "Output lines:",
                "  2026-11-26T08:31:02.123Z  STARTED    a@10.0.0.5  size=1",
                "  2026-11-26T08:31:02.456Z  NODE_UP    b@10.0.0.6  size=2",
                "  2026-11-26T08:31:09.001Z  NODE_DOWN  b@10.0.0.6  reason=CRASHED size=1",
                "Reasons: LEFT (graceful stop), CRASHED (connection lost), UNRESPONSIVE (no heartbeat for the"
                        + " failure-detection timeout: frozen or cut off).", ""})
final class NodeCommand implements Callable<Integer> {

    /** Seeds are retried with backoff for up to about half a minute (20 attempts, delays up to 2 s). */
    static final RetryPolicy SEED_RETRY = RetryPolicy.of(20, 200, 2000, 2.0, Jitter.EQUAL);

    @Spec
    CommandSpec spec;

    @Option(names = "--name", paramLabel = "NAME",
            description = "this node's name, name@host or name@host:port (default: $DISTRIBUTE_NAME)")
    String name;

    @Option(names = "--seed", paramLabel = "NODE",
            description = "a node to connect to, retried until it answers; repeatable (default: $DISTRIBUTE_SEEDS)")
    List<String> seeds = new ArrayList<>();

    @Option(names = "--failure-detection-timeout", paramLabel = "DURATION",
            converter = NodeSettings.DurationConverter.class,
            description = "silence after which a node is reported UNRESPONSIVE, e.g. 2s (default: 3s)")
    Duration failureDetectionTimeout;

    @Mixin
    NodeSettings settings = new NodeSettings();

    /** Set when SIGINT/SIGTERM arrived: seed failures from then on are the stop's, not worth a line. */
    private static volatile boolean stopping;

    @Override
    public Integer call() throws InterruptedException {
        String cookie = settings.cookie(spec);
        ClusterConfig config = settings.config(spec, b -> {
            if (!seeds.isEmpty()) {
                b.seeds(seeds);
            }
            if (failureDetectionTimeout != null) {
                b.failureDetectionTimeout(failureDetectionTimeout);
            }
        });
        String nodeName = name != null ? name : config.nodeName().orElseThrow(() -> NodeSettings.usage(spec,
                "no node name: pass --name NAME (or set DISTRIBUTE_NAME)"));

        Result<ClusterNode, StartError> started = ClusterNode.start(nodeName, cookie, config);
        if (started instanceof Result.Err<ClusterNode, StartError> err) {
            System.err.println("distribute: cannot start " + nodeName + ": " + err.error().describe());
            return Main.START_FAILED;
        }
        ClusterNode node = started.orElseThrow();
        Printer printer = new Printer(System.out, node.selfNode());
        printer.print(EventLine.STARTED, node.selfNode(), null);
        Subscription subscription = node.subscribe(printer::onEvent);

        CountDownLatch forever = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // SIGINT/SIGTERM: leave gracefully, then exit 0 (the JVM would otherwise report 128+signal).
            stopping = true;
            printer.print(EventLine.STOPPING, node.selfNode(), null);
            subscription.close();
            node.close();
            printer.stopped();
            System.out.flush();
            Runtime.getRuntime().halt(Main.OK);
        }, "distribute-stop"));

        Thread seeder = new Thread(() -> connectSeeds(node, config.seeds()), "distribute-seeds");
        seeder.setDaemon(true);
        seeder.start();
        forever.await();
        return Main.OK;
    }

    /** Connects to each seed not yet connected, with backoff; a seed that never answers is reported on stderr. */
    private static void connectSeeds(ClusterNode node, List<String> seeds) {
        for (String seed : seeds) {
            if (seed.equals(node.selfNode()) || node.nodes().contains(seed)) {
                continue;
            }
            Result<Void, ConnectError> r = node.connect(seed, SEED_RETRY);
            if (r instanceof Result.Err<Void, ConnectError> err && !(err.error() instanceof ConnectError.ConnectIgnored)
                    && !node.nodes().contains(seed) && !stopping) {
                System.err.println("distribute: seed " + seed + ": " + err.error().describe() + " after "
                        + SEED_RETRY.maxAttempts() + " attempts; giving up on it (this node keeps running)");
            }
        }
    }

    /** Prints events, tracking the cluster size from the events themselves so that every line agrees. */
    static final class Printer {
        private final PrintStream out;
        private final String self;
        private final Set<String> up = new HashSet<>();
        private boolean stopped;

        Printer(PrintStream out, String self) {
            this.out = out;
            this.self = self;
        }

        synchronized void onEvent(MembershipEvent e) {
            if (stopped) {
                return;
            }
            if (e instanceof MembershipEvent.NodeUp u) {
                up.add(u.node());
                print(EventLine.NODE_UP, u.node(), null);
            } else if (e instanceof MembershipEvent.NodeDown d) {
                up.remove(d.node());
                print(EventLine.NODE_DOWN, d.node(), d.reason().name());
            }
        }

        synchronized void stopped() {
            up.clear();
            stopped = true;
            out.println(new EventLine(Instant.now(), EventLine.STOPPED, self, null, 0).format());
            out.flush();
        }

        synchronized void print(String event, String node, String reason) {
            out.println(new EventLine(Instant.now(), event, node, reason, up.size() + 1).format());
            out.flush();
        }
    }
}
