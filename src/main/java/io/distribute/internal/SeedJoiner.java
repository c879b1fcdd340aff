package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.View;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Connects to the seeds once, in the background, right after start. JGroups' own join reaches at most one coordinator;
 * nodes started at the same instant can end up as islands that MERGE3 would merge only seconds later. Finding every
 * seed not yet in the view and merging with all their clusters in one merge, then connecting to each, merges them at
 * once.
 */
final class SeedJoiner {

    private static final Logger LOG = LoggerFactory.getLogger(SeedJoiner.class);
    /** How long the first round looks for the seeds (the connects after it have the connect timeout each). */
    private static final long FIND_MILLIS = 1000;
    private static final int PARALLEL_FINDS = 8;

    private final NodeName self;
    private final List<NodeName> seeds;
    private final ViewTracker views;
    private final Supplier<Address> address;
    private final Connector connector;
    private volatile Thread thread;
    private volatile Runnable then = () -> { };

    SeedJoiner(NodeName self, List<NodeName> seeds, ViewTracker views, Supplier<Address> address, Connector connector) {
        this.self = self;
        this.seeds = List.copyOf(seeds);
        this.views = views;
        this.address = address;
        this.connector = connector;
    }

    /** Runs {@code after} once the seeds have been tried (at once if there are none). */
    void start(Runnable after) {
        this.then = after;
        if (seeds.isEmpty()) {
            after.run();
            return;
        }
        Thread t = new Thread(this::run, "distribute-seeds-" + self.text());
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    private void run() {
        try {
            connectSeeds();
        } finally {
            then.run();
        }
    }

    private void connectSeeds() {
        if (!coordinator()) {
            return;
        }
        mergeWithEveryIsland();
        for (NodeName seed : seeds) {
            if (views.isClosed() || Thread.currentThread().isInterrupted()) {
                return;
            }
            // Only an island's coordinator reaches out: one merge per island instead of one per node, which would
            // have every coordinator busy with competing merges.
            if (!coordinator()) {
                return;
            }
            if (!seed.text().equals(self.text()) && !views.names().contains(seed.text())) {
                var r = connector.connect(seed.text());
                LOG.debug("{}: seed {}: {}", self.text(), seed.text(), r.isOk() ? "connected" : r);
            }
        }
    }

    private boolean coordinator() {
        View v = views.view();
        return v == null || address.get().equals(v.getCoord());
    }

    /**
     * Nodes started together each find no cluster and start one of their own. Looks for every seed at once and
     * merges with all the islands found in one merge; the connects above then only check agreement with each, and
     * merge pairwise only what this round missed.
     */
    private void mergeWithEveryIsland() {
        List<NodeName> missing = seeds.stream().filter(s -> !s.text().equals(self.text())
                && !views.names().contains(s.text())).toList();
        if (missing.size() < 2) {
            return; // one connect is one merge already
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FIND_MILLIS);
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLEL_FINDS, missing.size()), r -> {
            Thread t = new Thread(r, "distribute-seeds-find-" + self.text());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<ProbeAnswers.Answer>> finds = new ArrayList<>();
            for (NodeName seed : missing) {
                finds.add(pool.submit(() -> connector.locate(seed, deadline)));
            }
            List<ProbeAnswers.Answer> found = new ArrayList<>();
            for (Future<ProbeAnswers.Answer> f : finds) {
                try {
                    ProbeAnswers.Answer a = f.get();
                    if (a != null) {
                        found.add(a);
                    }
                } catch (ExecutionException e) {
                    LOG.debug("{}: finding a seed: {}", self.text(), e.getCause().toString());
                }
            }
            if (!found.isEmpty() && coordinator()) {
                LOG.debug("{}: merging with the clusters of {} seeds at once", self.text(), found.size());
                connector.mergeAll(found);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            pool.shutdownNow();
        }
    }

    /** Interrupts a running seed connect and waits for it (at most {@code waitMillis}). */
    void stop(long waitMillis) {
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            t.interrupt();
            try {
                t.join(waitMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
