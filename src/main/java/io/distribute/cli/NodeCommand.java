package io.distribute.cli;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.ConnectError;
import io.distribute.cluster.MembershipEvent;
import io.distribute.cluster.StartError;
import io.distribute.cluster.Subscription;
import io.distribute.retry.Jitter;
import io.distribute.retry.Retry;
import io.distribute.retry.RetryPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code distribute node}: starts a node, connects to its seeds with retry, and prints membership events as they
 * happen until SIGINT or SIGTERM, which leave the cluster gracefully (exit code 0).
 */
@Command(name = "node", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Starts a node, connects to the seeds (with retry) and prints membership events live, one line"
                + " each (time, event, node, reason, cluster size), until SIGINT/SIGTERM, which leave gracefully.",
                "", "Example:", "  CLUSTER_COOKIE=... distribute node --name a@10.0.0.5 --seed b@10.0.0.6", "",
                "Output lines:",
                "  2026-11-26T08:31:02.123Z  STARTED    a@10.0.0.5  size=1 address=10.0.0.5 port=7800 stack=tcp"
                        + " cluster=distribute",
                "  2026-11-26T08:31:02.456Z  NODE_UP    b@10.0.0.6  size=2",
                "  2026-11-26T08:31:09.001Z  NODE_DOWN  b@10.0.0.6  reason=CRASHED size=1",
                "Reasons: LEFT (graceful stop), CRASHED (connection lost), UNRESPONSIVE (no heartbeat for the"
                        + " failure-detection timeout: frozen or cut off).", ""})
final class NodeCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(NodeCommand.class);

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
            description = "silence after which a node is reported UNRESPONSIVE, with a unit: 2s, 1500ms (default: 3s)")
    Duration failureDetectionTimeout;

    @Option(names = "--http-port", paramLabel = "N",
            description = "serve the health and membership endpoint (/health/live, /health/ready, /members) on this"
                    + " port of the node's address (default: none, or $DISTRIBUTE_HTTP_PORT)")
    Integer httpPort;

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
            if (httpPort != null) {
                b.httpPort(httpPort);
            }
        });
        String nodeName = name != null ? name : config.nodeName().orElseThrow(() -> NodeSettings.usage(spec,
                "no node name: pass --name NAME (or set DISTRIBUTE_NAME)"));

        Result<ClusterNode, StartError> started = ClusterNode.start(nodeName, cookie, config);
        if (started instanceof Result.Err<ClusterNode, StartError> err) {
            String why = "cannot start " + nodeName + ": " + err.error().describe();
            if (isBadInput(err.error())) {
                throw NodeSettings.usage(spec, why);
            }
            System.err.println("distribute: " + why);
            return Main.START_FAILED;
        }
        ClusterNode node = started.orElseThrow();
        Printer printer = new Printer(System.out, node.selfNode());
        AtomicReference<Subscription> subscription = new AtomicReference<>();
        CountDownLatch forever = new CountDownLatch(1);
        // Registered before the first line is printed: whoever reads STARTED or NODE_UP may send SIGTERM at once
        // (the demo does), and a signal before the hook exists ends the JVM without a graceful leave (exit 143).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // SIGINT/SIGTERM: leave gracefully, then exit 0 (the JVM would otherwise report 128+signal).
            stopping = true;
            printer.print(EventLine.STOPPING, node.selfNode(), null);
            Subscription s = subscription.getAndSet(null);
            if (s != null) {
                s.close();
            }
            node.close();
            printer.stopped();
            System.out.flush();
            Runtime.getRuntime().halt(Main.OK);
        }, "distribute-stop"));
        printer.started(startedDetails(node));
        subscription.set(node.subscribe(printer::onEvent));

        Thread seeder = new Thread(() -> connectSeeds(node, config.seeds()), "distribute-seeds");
        seeder.setDaemon(true);
        seeder.start();
        forever.await();
        return Main.OK;
    }

    /**
     * A start error caused by what the user gave (the name, a seed, the cookie) rather than by the machine: a usage
     * error (exit code 2), like an invalid option or DISTRIBUTE_* value. An invalid seed is a {@code StartFailed}
     * whose reason names the seed (the library has no type of its own for it).
     */
    static boolean isBadInput(StartError e) {
        return e instanceof StartError.InvalidNodeName || e instanceof StartError.CookieTooLong
                || e instanceof StartError.StartFailed f && f.reason().startsWith("seed '")
                        && f.reason().contains("' is invalid");
    }

    /** What the STARTED line adds: the bound address and port, the stack and the cluster name. */
    static String startedDetails(ClusterNode node) {
        InetSocketAddress bound = node.boundAddress();
        String address = bound.getAddress() != null ? bound.getAddress().getHostAddress() : bound.getHostString();
        return "address=" + address.replaceAll("%.*", "") + " port=" + bound.getPort() + " stack="
                + node.config().stack() + " cluster=" + node.config().clusterName()
                + node.httpAddress().map(h -> " http=" + h.getAddress().getHostAddress().replaceAll("%.*", "")
                        + ":" + h.getPort()).orElse("");
    }

    /**
     * Connects to each seed not yet connected, with backoff; a seed that does not answer is reported on stderr,
     * with the number of attempts if it was retried.
     */
    private static void connectSeeds(ClusterNode node, List<String> seeds) {
        for (String seed : seeds) {
            if (seed.equals(node.selfNode()) || node.nodes().contains(seed)) {
                continue;
            }
            int[] attempts = {0};
            Result<Void, ConnectError> r = Retry.execute(SEED_RETRY, () -> {
                Result<Void, ConnectError> attempt = node.connect(seed);
                attempts[0]++;
                if (attempt instanceof Result.Err<Void, ConnectError> e) {
                    LOG.debug("seed {}: attempt {} failed: {}", seed, attempts[0], e.error().describe());
                }
                return attempt;
            }, e -> !stopping && worthRetrying(e));
            if (r instanceof Result.Err<Void, ConnectError> err && !(err.error() instanceof ConnectError.ConnectIgnored)
                    && !node.nodes().contains(seed) && !stopping) {
                System.err.println("distribute: seed " + seed + ": " + err.error().describe()
                        + (attempts[0] > 1 ? " after " + attempts[0] + " attempts" : "")
                        + "; giving up on it (this node keeps running)");
            }
        }
    }

    /**
     * Whether a failed connect to a seed may succeed later: not found, timed out or a network error (the seed may
     * still be starting), but not a seed that is ourselves or already connected, rejects our cookie, or whose name is
     * taken in its cluster: retrying those only delays the message. (What {@code ClusterNode.connect(node, policy)}
     * retries, which does not say how many attempts it made; seeds are valid names here, checked at start.)
     */
    static boolean worthRetrying(ConnectError e) {
        if (e instanceof ConnectError.ConnectNetworkError n) {
            return !n.reason().contains("rejected our cookie") && !n.reason().contains("is already in the cluster");
        }
        return e instanceof ConnectError.ConnectTimeout || e instanceof ConnectError.NodeNotFound;
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

        synchronized void started(String details) {
            out.println(new EventLine(Instant.now(), EventLine.STARTED, self, null, 1, details).format());
            out.flush();
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
