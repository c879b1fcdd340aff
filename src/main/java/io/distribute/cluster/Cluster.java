package io.distribute.cluster;

import io.distribute.Result;
import io.distribute.internal.EventThreads;
import io.distribute.internal.SubscriberQueue;
import io.distribute.retry.RetryPolicy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The cluster calls of a distributed Erlang node, for this JVM's default node (as one BEAM VM is one node).
 *
 * <pre>{@code
 * Result<Void, StartError> started = Cluster.startNode("orders@127.0.0.1", System.getenv("CLUSTER_COOKIE"));
 * if (started.isOk()) {
 *     Cluster.connect("billing@127.0.0.1");
 *     System.out.println(Cluster.selfNode() + " sees " + Cluster.nodes());
 * }
 * }</pre>
 *
 * <p>For several nodes in one JVM, use {@link ClusterNode}. No method throws for bad input (null included).
 */
public final class Cluster {

    private static final Object LOCK = new Object();
    private static volatile ClusterNode defaultNode;
    /** Subscriptions made through this facade; they follow the default node across stop and start. */
    private static final List<Listener> LISTENERS = new CopyOnWriteArrayList<>();
    /** Delivers to facade listeners; never shut down (it outlives every node), its threads end when idle. */
    private static final Executor EVENTS = EventThreads.pool("facade", 2000);

    /**
     * A facade listener: one queue for its whole life, fed by each default node in turn, so the listener is called
     * one event at a time across stop and start, and the old node's LOCAL_STOP events (queued before its close
     * returns) come before the new node's NodeUp.
     */
    private static final class Listener implements Subscription {
        final SubscriberQueue queue;
        /** The attachment to the current default node, if one is running. */
        Subscription current;

        Listener(Consumer<MembershipEvent> consumer) {
            this.queue = new SubscriberQueue("Cluster.subscribe", consumer, EVENTS, SubscriberQueue.DEFAULT_CAPACITY);
        }

        void attachTo(ClusterNode node) {
            current = node.attach(queue::offer);
        }

        @Override
        public void close() {
            synchronized (LOCK) {
                LISTENERS.remove(this);
                if (current != null) {
                    current.close();
                    current = null;
                }
                queue.close();
            }
        }
    }

    private Cluster() {
    }

    /** Starts this JVM's node with {@link ClusterConfig#defaults()}; see {@link ClusterNode#start}. */
    public static Result<Void, StartError> startNode(String name, String cookie) {
        return startNode(name, cookie, ClusterConfig.defaults());
    }

    /** Starts this JVM's node; {@link StartError.AlreadyStarted} if it is running. */
    public static Result<Void, StartError> startNode(String name, String cookie, ClusterConfig config) {
        synchronized (LOCK) {
            if (defaultNode != null) {
                return Result.err(new StartError.AlreadyStarted());
            }
            Result<ClusterNode, StartError> r = ClusterNode.start(name, cookie, config);
            if (r instanceof Result.Ok<ClusterNode, StartError> ok) {
                defaultNode = ok.value();
                for (Listener l : LISTENERS) {
                    l.attachTo(ok.value());
                }
                return Result.ok();
            }
            return Result.err(((Result.Err<ClusterNode, StartError>) r).error());
        }
    }

    /** Connects to {@code node}; {@link ConnectError.ConnectNetworkError} if this node is not started. */
    public static Result<Void, ConnectError> connect(String node) {
        ClusterNode n = defaultNode;
        if (n == null) {
            return Result.err(new ConnectError.ConnectNetworkError("this node is not started (call startNode first)"));
        }
        return n.connect(node);
    }

    /** {@link ClusterNode#connect(String, RetryPolicy)} on this JVM's node. */
    public static Result<Void, ConnectError> connect(String node, RetryPolicy policy) {
        ClusterNode n = defaultNode;
        if (n == null) {
            return Result.err(new ConnectError.ConnectNetworkError("this node is not started (call startNode first)"));
        }
        return n.connect(node, policy);
    }

    /**
     * Subscribes to membership events of this JVM's node, with the contract of {@link ClusterNode#subscribe}. The
     * subscription outlives {@link #stop()}: after the next {@link #startNode} it receives that node's events too,
     * still one at a time on one thread at a time, and always after the stopped node's final
     * {@code NodeDown(node, LOCAL_STOP)} events.
     */
    public static Subscription subscribe(Consumer<MembershipEvent> listener) {
        if (listener == null) {
            return () -> { };
        }
        synchronized (LOCK) {
            Listener l = new Listener(listener);
            LISTENERS.add(l);
            ClusterNode n = defaultNode;
            if (n != null) {
                l.attachTo(n);
            }
            return l;
        }
    }

    /** {@link ClusterNode#monitor} on this JVM's node; completes at once with NOT_CONNECTED if it is not started. */
    public static CompletableFuture<MembershipEvent.NodeDown> monitor(String node) {
        ClusterNode n = defaultNode;
        if (n == null) {
            return CompletableFuture.completedFuture(new MembershipEvent.NodeDown(String.valueOf(node),
                    DownReason.NOT_CONNECTED));
        }
        return n.monitor(node);
    }

    /** The connected nodes; empty before start and after stop. */
    public static List<String> nodes() {
        ClusterNode n = defaultNode;
        return n == null ? List.of() : n.nodes();
    }

    /** This node's name, or {@code "nonode@nohost"} before start and after stop. */
    public static String selfNode() {
        ClusterNode n = defaultNode;
        return n == null ? ClusterNode.NO_NODE : n.selfNode();
    }

    /** True if {@code node} answers within the ping timeout; false if not, or if this node is not started. */
    public static boolean ping(String node) {
        ClusterNode n = defaultNode;
        return n != null && n.ping(node);
    }

    /**
     * Leaves the cluster gracefully; {@link #startNode} works again afterwards. Does nothing if not started. When it
     * returns, every {@link #subscribe} listener has its {@code NodeDown(node, LOCAL_STOP)} events queued.
     */
    public static void stop() {
        synchronized (LOCK) {
            ClusterNode n = defaultNode;
            defaultNode = null;
            if (n != null) {
                n.close();
            }
        }
    }
}
