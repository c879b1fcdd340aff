package io.distribute.examples;

import io.distribute.cluster.Cluster;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.MembershipEvent;
import io.distribute.cluster.Subscription;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Pattern 3 of the original Gleam module, push-based. The Gleam module polls nodes() every second and diffs the
 * sets: that misses a node that leaves and comes back between two polls, reports changes up to a second late, and cannot say why a node
 * went down. subscribe() delivers every change as it happens, with the reason, starting with the current members.
 */
public final class NodeWatcher {

    /** Calls {@code callback(node, true)} when a node comes up and {@code (node, false)} when it goes down. */
    public static Subscription startNodeWatcher(BiConsumer<String, Boolean> callback) {
        return Cluster.subscribe(event -> {
            if (event instanceof MembershipEvent.NodeUp up) {
                callback.accept(up.node(), true);
            } else if (event instanceof MembershipEvent.NodeDown down) {
                System.out.println("  (" + down.node() + " went down: " + down.reason() + ")");
                callback.accept(down.node(), false);
            }
        });
    }

    public static void main(String[] args) throws InterruptedException {
        ClusterConfig config = ClusterConfig.fromEnvironment();
        String cookie = config.cookie().orElse("watcher-cookie-0123456789");
        CountDownLatch sawBoth = new CountDownLatch(2);
        Cluster.startNode("watcher@127.0.0.1", cookie, config).orElseThrow();
        try (Subscription s = startNodeWatcher((node, up) -> {
            System.out.println(node + (up ? " is up" : " is down"));
            sawBoth.countDown();
        })) {
            ClusterNode peer = ClusterNode.start("peer@127.0.0.1", cookie, config).orElseThrow();
            peer.connect(Cluster.selfNode()).orElseThrow();
            peer.close();
            System.out.println(sawBoth.await(5, TimeUnit.SECONDS) ? "watcher saw the peer come and go" : "timed out");
        } finally {
            Cluster.stop();
        }
    }
}
