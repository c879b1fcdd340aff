package io.distribute.examples;

import io.distribute.Result;
import io.distribute.cluster.Cluster;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.ConnectError;
import io.distribute.retry.Jitter;
import io.distribute.retry.RetryPolicy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Pattern 2 of the original Gleam module: connect with exponential backoff and jitter. The peer here starts 300 ms
 * late, so the first attempts fail with NodeNotFound and a later one succeeds.
 */
public final class ConnectWithRetry {

    public static Result<Void, ConnectError> connectWithRetry(String node) {
        // EQUAL jitter waits at least half of each backoff step: 50 + 100 + 200 + 400 ms over 5 attempts.
        RetryPolicy policy = RetryPolicy.defaults().withJitter(Jitter.EQUAL).withMaxAttempts(5);
        return Cluster.connect(node, policy);
    }

    public static void main(String[] args) throws Exception {
        ClusterConfig config = ClusterConfig.fromEnvironment();
        String cookie = config.cookie().orElse("retry-cookie-0123456789");
        Cluster.startNode("client@127.0.0.1", cookie, config).orElseThrow();
        CompletableFuture<ClusterNode> late = CompletableFuture.supplyAsync(
                () -> ClusterNode.start("late@127.0.0.1", cookie, config).orElseThrow(),
                CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS));
        try {
            long t0 = System.nanoTime();
            Result<Void, ConnectError> r = connectWithRetry("late@127.0.0.1");
            System.out.printf("connect with retry: %s after %d ms%n", r.isOk() ? "connected" : r,
                    (System.nanoTime() - t0) / 1_000_000);
        } finally {
            Cluster.stop();
            late.get(10, TimeUnit.SECONDS).close();
        }
    }
}
