package io.distribute.security;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.StartError;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.awaitility.core.ConditionTimeoutException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.awaitility.Awaitility.await;

/**
 * The victims of one test: real nodes on 127.0.0.1 with ports from {@link Ports}, closed together. Like
 * {@link TestCluster}, without its wait for idle JGroups and handshake threads to exit on close (up to 5 s per test,
 * as the handshake pool keeps idle threads 5 s), which this package cannot afford in its time budget; the flood tests
 * check instead that no handshake is left pending.
 */
final class Nodes implements AutoCloseable {

    private final List<ClusterNode> nodes = new ArrayList<>();

    /** Starts {@code n} nodes {@code prefix1..n} and connects them into one cluster. */
    static Nodes cluster(String prefix, int n) {
        Nodes c = new Nodes();
        try {
            for (int i = 1; i <= n; i++) {
                c.start(prefix + i);
            }
            for (int i = 1; i < n; i++) {
                c.nodes.get(i).connect(c.nodes.get(0).selfNode()).orElseThrow();
            }
            c.awaitAgreement();
            return c;
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
    }

    /** Starts {@code name@127.0.0.1:<unique port>} with the test config and cookie; it joins nobody. */
    ClusterNode start(String name) {
        return start(name, TestCluster.testConfig().build());
    }

    ClusterNode start(String name, ClusterConfig config) {
        return start(name + "@127.0.0.1:" + Ports.next(), TestCluster.COOKIE, config);
    }

    /** Starts a node of exactly this name (host and port included). */
    ClusterNode start(String fullName, String cookie, ClusterConfig config) {
        Result<ClusterNode, StartError> r = ClusterNode.start(fullName, cookie, config);
        return add(r.orElseThrow());
    }

    ClusterNode add(ClusterNode node) {
        nodes.add(node);
        return node;
    }

    ClusterNode get(int i) {
        return nodes.get(i);
    }

    /** Waits until every open node lists every other open node and nothing else. */
    void awaitAgreement() {
        try {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(this::agree);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("nodes do not agree: " + dump(), e);
        }
    }

    boolean agree() {
        Set<String> all = new HashSet<>();
        for (ClusterNode n : nodes) {
            all.add(n.selfNode());
        }
        all.remove("nonode@nohost");
        for (ClusterNode n : nodes) {
            if (n.selfNode().equals("nonode@nohost")) {
                continue;
            }
            Set<String> expected = new HashSet<>(all);
            expected.remove(n.selfNode());
            if (!new HashSet<>(n.nodes()).equals(expected) || n.nodes().size() != expected.size()) {
                return false;
            }
        }
        return true;
    }

    String dump() {
        StringBuilder b = new StringBuilder();
        for (ClusterNode n : nodes) {
            b.append(n.selfNode()).append(" -> ").append(n.nodes()).append("; ");
        }
        return b.toString();
    }

    @Override
    public void close() {
        for (ClusterNode n : nodes) {
            n.close();
        }
        nodes.clear();
    }
}
