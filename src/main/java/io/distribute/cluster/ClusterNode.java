package io.distribute.cluster;

import io.distribute.Result;
import io.distribute.http.HealthEndpoint;
import io.distribute.internal.ConnectFailure;
import io.distribute.internal.JGroupsNode;
import io.distribute.internal.NodeAccess;
import io.distribute.retry.Retry;
import io.distribute.retry.RetryPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

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

    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);

    /** The name Erlang reports for a node that is not distributed: before start and after stop. */
    static final String NO_NODE = JGroupsNode.NO_NODE;

    static {
        // The health endpoint (io.distribute.http) reads the view behind a node through this, not a public method.
        NodeAccess.register(n -> n.node);
    }

    /** The adapter: created in {@link #start}, the only place the public API reaches into it. */
    private final JGroupsNode node;
    /** The health endpoint, when {@link ClusterConfig#httpPort()} asks for one. */
    private volatile HealthEndpoint http;
    /** The JVM shutdown hook that closes this node, when {@link ClusterConfig#shutdownHook()} asks for one. */
    private volatile Thread shutdownHook;

    private ClusterNode(JGroupsNode node) {
        this.node = node;
    }

    /**
     * Starts a node called {@code name} ({@code name@host} or {@code name@host:port}) with the cluster's shared
     * {@code cookie} (1-255 characters). It binds the first free port of {@code [port, port + portRange)} on
     * {@code host}, or exactly the port in the name.
     *
     * <p>The started node keeps only keys derived from the cookie: a cookie in {@code config} (read by
     * {@link ClusterConfig#fromEnvironment()}) is left out of the config the node keeps and {@link #config()} returns.
     *
     * <p>With {@link ClusterConfig#httpPort()} set, the node also serves its {@link HealthEndpoint} there; an
     * endpoint that cannot be bound fails the start ({@code NetworkError}, or {@code SystemError} if the OS refused)
     * and the node is stopped again. With {@link ClusterConfig#shutdownHook()} set, a JVM shutdown hook closes the
     * node (SIGTERM, {@code System.exit}): its peers see it leave ({@code LEFT}), not crash.
     */
    public static Result<ClusterNode, StartError> start(String name, String cookie, ClusterConfig config) {
        ClusterConfig kept = config == null || config.cookie().isEmpty() ? config : config.toBuilder().cookie(null).build();
        Result<ClusterNode, StartError> started = JGroupsNode.start(name, cookie, kept).map(ClusterNode::new);
        if (started instanceof Result.Ok<ClusterNode, StartError> ok && ok.value().config().httpPort() > 0) {
            ClusterNode n = ok.value();
            StartError failed = n.startHttp();
            if (failed != null) {
                n.close();
                return Result.err(failed);
            }
        }
        if (started instanceof Result.Ok<ClusterNode, StartError> ok && ok.value().config().shutdownHook()) {
            ok.value().installShutdownHook();
        }
        return started;
    }

    private void installShutdownHook() {
        String self = selfNode();
        Thread hook = new Thread(() -> {
            LOG.info("{}: the JVM is shutting down: leaving the cluster", self);
            close();
        }, "distribute-shutdown-" + self);
        shutdownHook = hook;
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Starts the health endpoint the config asks for; the error if it cannot. */
    private StartError startHttp() {
        ClusterConfig c = config();
        String where = c.httpAddress().orElse(boundAddress().getAddress().getHostAddress()) + ":" + c.httpPort();
        try {
            InetAddress address = c.httpAddress().isPresent() ? InetAddress.getByName(c.httpAddress().get())
                    : boundAddress().getAddress();
            http = HealthEndpoint.start(this, new InetSocketAddress(address, c.httpPort()), c.httpReadyMembers(),
                    c.httpReadySeed());
            return null;
        } catch (UnknownHostException e) {
            return new StartError.NetworkError("cannot resolve httpAddress '" + c.httpAddress().orElse("") + "'");
        } catch (IOException e) {
            String why = String.valueOf(e.getMessage());
            String reason = "cannot serve the health endpoint on " + where + ": " + why;
            return why.toLowerCase(java.util.Locale.ROOT).contains("permission denied")
                    ? new StartError.SystemError(reason) : new StartError.NetworkError(reason);
        }
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

    /**
     * {@link #connect(String)} with retries: {@code ConnectTimeout}, {@code NodeNotFound} and network failures are
     * retried as {@code policy} says (by {@link Retry#execute}; each failed attempt is logged at debug);
     * {@code ConnectIgnored}, a rejected
     * cookie, an invalid name, a duplicate name or a stopped node end it at once. A null policy means no retry.
     */
    public Result<Void, ConnectError> connect(String node, RetryPolicy policy) {
        RetryPolicy p = policy == null ? RetryPolicy.noRetry() : policy;
        int[] attempt = {0};
        return Retry.execute(p, () -> {
            Result<Void, ConnectFailure> r = this.node.connectAttempt(node);
            if (r instanceof Result.Err<Void, ConnectFailure> err && err.error().retryable()) {
                attempt[0]++;
                LOG.debug("{}: connect to {} failed on attempt {} ({})", selfNode(), node, attempt[0],
                        err.error().error().describe());
            }
            return r;
        }, ConnectFailure::retryable).mapError(ConnectFailure::error);
    }

    /**
     * Subscribes {@code listener} to membership events. It first receives a {@link MembershipEvent.NodeUp} for
     * every node connected now, then every later change, with nothing missed or repeated in between.
     *
     * <p>Contract: events for one subscriber arrive in order and never concurrently, on one of this node's event
     * threads (never a JGroups thread). A node that comes back under the same name (a restart) is a new incarnation:
     * {@code NodeDown} for the old one comes before {@code NodeUp} for the new one. A listener should not block for
     * long: it delays only its own later events, not other subscribers or the cluster. If it falls more than 10,000
     * events behind, its backlog is collapsed to the net change (for each node at most a {@code NodeDown} then a
     * {@code NodeUp}) and one WARN names it: it still ends with the true members but misses intermediate ups and
     * downs. An exception it throws is logged and delivery goes on. When this node stops, the listener gets
     * {@code NodeDown(node, LOCAL_STOP)} for every node still connected, always.
     */
    public Subscription subscribe(Consumer<MembershipEvent> listener) {
        if (listener == null) {
            return () -> { };
        }
        AutoCloseable s = node.subscribe(listener);
        return () -> {
            try {
                s.close();
            } catch (Exception e) {
                LOG.debug("closing a subscription: {}", e.toString());
            }
        };
    }

    /**
     * For {@link Cluster}'s facade: hands every event to {@code sink} synchronously, on the thread that applies the
     * view (a JGroups thread), current members first; {@code sink} must only enqueue. {@link #close()} hands it the
     * final LOCAL_STOP events before it returns.
     */
    Subscription attach(Consumer<MembershipEvent> sink) {
        AutoCloseable a = node.attach(sink);
        return () -> {
            try {
                a.close();
            } catch (Exception e) {
                LOG.debug("detaching from membership events: {}", e.toString());
            }
        };
    }

    /**
     * Watches {@code node} as Erlang's {@code monitor_node}: the future completes with its
     * {@link MembershipEvent.NodeDown} when the incarnation connected now goes down (also when it restarts under the
     * same name), at once with {@link DownReason#NOT_CONNECTED} if it is
     * not connected now, and with {@link DownReason#LOCAL_STOP} if this node stops first. Dependent stages run on
     * this node's event threads. A cancelled or completed future is forgotten at once.
     */
    public CompletableFuture<MembershipEvent.NodeDown> monitor(String node) {
        return this.node.monitor(node);
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

    /**
     * The address and port this node is bound to: the port in its name, or the first free one of its range. Nodes
     * behind NAT are reached at {@link ClusterConfig#externalAddress()} / {@link ClusterConfig#externalPort()}.
     */
    public InetSocketAddress boundAddress() {
        return node.boundAddress();
    }

    /**
     * Where this node's {@link HealthEndpoint} listens, if {@link ClusterConfig#httpPort()} asked for one and the
     * node is not closed.
     */
    public Optional<InetSocketAddress> httpAddress() {
        HealthEndpoint h = http;
        return h == null ? Optional.empty() : Optional.of(h.address());
    }

    /** The configuration this node was started with (without the cookie). */
    public ClusterConfig config() {
        return node.config();
    }

    /** Leaves the cluster gracefully and frees the name and port. Idempotent. */
    @Override
    public void close() {
        Thread hook = shutdownHook;
        shutdownHook = null;
        if (hook != null && hook != Thread.currentThread()) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook runs (or ran) close() too, which is idempotent
            }
        }
        HealthEndpoint h = http;
        http = null;
        if (h != null) {
            h.close();
        }
        node.close();
    }

    @Override
    public String toString() {
        return "ClusterNode[" + node.name().text() + (node.isClosed() ? ", closed" : ", " + node.nodes().size()
                + " connected") + "]";
    }
}
