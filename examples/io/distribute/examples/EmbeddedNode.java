package io.distribute.examples;

import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A node owned by a plain {@code main}: try-with-resources closes it when the work is done, and the
 * {@code shutdownHook} setting closes it on SIGTERM too, so that peers see it leave (LEFT) rather than crash.
 * Settings come from DISTRIBUTE_* / distribute.*; the argument is how long to run (default 0 s: start and stop).
 */
public final class EmbeddedNode {

    public static void main(String[] args) throws InterruptedException {
        ClusterConfig config = ClusterConfig.fromEnvironment().toBuilder().shutdownHook(true).build();
        String cookie = config.cookie().orElse("embedded-cookie-0123456789");
        String name = config.nodeName().orElse("embedded@127.0.0.1");
        try (ClusterNode node = ClusterNode.start(name, cookie, config).orElseThrow()) {
            node.subscribe(event -> System.out.println(event));
            runApplication(args);                                        // the application's work
        }
    }

    /** Stands in for the application: waits for the given duration (e.g. "30s"), or not at all. */
    private static void runApplication(String[] args) throws InterruptedException {
        Duration d = args.length > 0 ? Duration.parse("PT" + args[0].toUpperCase(java.util.Locale.ROOT)) : Duration.ZERO;
        System.out.println("running for " + d.toSeconds() + " s");
        new CountDownLatch(1).await(d.toMillis(), TimeUnit.MILLISECONDS);
    }
}
