package io.distribute.internal;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ConnectError;
import io.distribute.cluster.MembershipEvent;
import io.distribute.cluster.StartError;
import io.distribute.internal.secure.SecureLayer;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.View;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The node side of the adapter between the public API and a JGroups channel: one object per started node, wiring its
 * parts ({@link NodeStarter}, {@link ViewTracker}, {@link Connector}, {@link PingCall}, {@link SeedJoiner},
 * {@link HealProbes}, {@link NodeJmx}) and closing them in order. Nothing here is public API; no public signature
 * mentions it.
 */
public final class JGroupsNode implements AutoCloseable {

    static {
        JGroupsLogging.routeToSlf4j();
    }

    private static final Logger LOG = LoggerFactory.getLogger(JGroupsNode.class);
    /** The name Erlang reports for a node that is not distributed. */
    public static final String NO_NODE = "nonode@nohost";

    private final NodeName name;
    private final ClusterConfig config;
    private final JChannel channel;
    private final NodeProtocol protocol;
    private final String claimedPort;
    private final InetSocketAddress bound;
    private final SecureLayer layer;
    /** Probes only, on stacks whose transport is not TCP; null on TCP (the transport's own port answers them). */
    private final ServerSocket probeListener;
    private final ViewTracker views;
    private final PingCall pings;
    private final Connector connector;
    private final SeedJoiner seeds;
    private final HealProbes heal;
    /** Join, merge and handshake attempts refused for a bad or replayed cookie proof. */
    private final AtomicLong securityRejections = new AtomicLong();
    private volatile NodeJmx jmx;

    JGroupsNode(NodeName name, ClusterConfig config, JChannel channel, String claimedPort, InetSocketAddress bound,
                SecureLayer layer, ServerSocket probeListener, List<NodeName> seedNames) {
        this.name = name;
        this.config = config;
        this.channel = channel;
        this.protocol = channel.getProtocolStack().findProtocol(NodeProtocol.class);
        this.claimedPort = claimedPort;
        this.bound = bound;
        this.layer = layer;
        this.probeListener = probeListener;
        this.views = new ViewTracker(name.text(), channel::getAddress, protocol::reasonFor);
        NodeFinder finder = new NodeFinder(layer);
        this.pings = new PingCall(name, config, bound, protocol, finder, views);
        this.connector = new Connector(name, config, bound, protocol, finder, views, pings);
        this.seeds = new SeedJoiner(name, seedNames, views, channel::getAddress, connector);
        this.heal = new HealProbes(name, config, bound, protocol, finder, views::view, seedNames, System::nanoTime);
        views.onChange(heal::viewChanged);
    }

    /** Starts a node; every failure is a typed {@link StartError}. Never throws for bad input. */
    public static Result<JGroupsNode, StartError> start(String nodeName, String cookie, ClusterConfig config) {
        return NodeStarter.start(nodeName, cookie, config);
    }

    /** Connects the channel, takes its first view, then registers JMX and reaches out to the seeds. */
    void joinCluster() throws Exception {
        protocol.setSecurityListener(reason -> securityRejections.incrementAndGet());
        protocol.reportAppliedView(views::view);
        channel.setReceiver(views.receiver());
        channel.connect(config.clusterName());
        views.accept(channel.getView());
        if (config.jmx()) {
            jmx = NodeJmx.register(this);
        }
        seeds.start(heal::seedsJoined);
    }

    // ------------------------------------------------------------------------------------------------ the calls

    public String selfNode() {
        return views.isClosed() ? NO_NODE : name.text();
    }

    public List<String> nodes() {
        return views.names();
    }

    /** Connects to {@code target}; see {@link Connector}. */
    public Result<Void, ConnectError> connect(String target) {
        return connectAttempt(target).mapError(ConnectFailure::error);
    }

    /** {@link #connect} with the failure's kind, so that a caller can tell whether a retry may help. */
    public Result<Void, ConnectFailure> connectAttempt(String target) {
        return connector.connect(target);
    }

    /** True if {@code target} answers within the ping timeout: a member over the channel, others by a probe. */
    public boolean ping(String target) {
        return pings.ping(target);
    }

    /** Round trip to a member in nanoseconds, or -1 on timeout. */
    public long pingMember(Address member, long timeoutNanos) {
        return pings.member(member, timeoutNanos);
    }

    /** Subscribes to membership events: current members first as NodeUp, then every change. */
    public AutoCloseable subscribe(Consumer<MembershipEvent> listener) {
        return views.subscribe(listener);
    }

    /** Events delivered synchronously under the view lock; see {@link ViewTracker#attach}. */
    public AutoCloseable attach(Consumer<MembershipEvent> sink) {
        return views.attach(sink);
    }

    /** Completes with {@code node}'s NodeDown; at once (NOT_CONNECTED) if it is not connected. */
    public CompletableFuture<MembershipEvent.NodeDown> monitor(String node) {
        return views.monitor(node);
    }

    /** The current view (null before the first). */
    public View view() {
        return views.view();
    }

    public NodeName name() {
        return name;
    }

    public ClusterConfig config() {
        return config;
    }

    /** How many join, merge or handshake attempts this node refused for a bad or replayed cookie proof. */
    public long securityRejections() {
        return securityRejections.get();
    }

    /** Connections and datagrams dropped below JGroups because they did not prove our cookie. */
    public long droppedFrames() {
        return layer.refusedConnections() + layer.droppedDatagrams();
    }

    /** The JGroups channel, for tests and benchmarks of this package's internals. */
    JChannel channel() {
        return channel;
    }

    /** How many lost members and missing seeds this node is looking for (see {@link HealProbes}). */
    int healPending() {
        return heal.pending();
    }

    /** Our own address in the channel. */
    public Address address() {
        return channel.getAddress();
    }

    public InetSocketAddress boundAddress() {
        return bound;
    }

    /** Leaves the cluster gracefully and releases the name and port; idempotent. */
    @Override
    public void close() {
        if (!views.close()) {
            return;
        }
        NodeJmx j = jmx;
        if (j != null) {
            j.unregister();
        }
        heal.stop();
        seeds.stop(config.connectTimeout().toMillis() + 1000);
        // Whoever watches this process (udp's crash watch) learns that it leaves on purpose, not by crashing.
        layer.farewell();
        try {
            channel.close();
        } catch (RuntimeException e) {
            LOG.warn("{}: error while leaving the cluster: {}", name.text(), e.toString());
        } finally {
            views.finish();
            NodeStarter.closeQuietly(probeListener);
            layer.destroy(); // the TLS key derived from the cookie goes with the node
            LocalClaims.releasePort(claimedPort);
            LocalClaims.releaseName(name.text());
            LOG.info("{}: stopped", name.text());
        }
    }

    public boolean isClosed() {
        return views.isClosed();
    }

    @Override
    public String toString() {
        return "JGroupsNode[" + name.text() + (views.isClosed() ? ", closed" : "") + "]";
    }
}
