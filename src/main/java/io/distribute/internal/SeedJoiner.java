package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.View;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Supplier;

/**
 * Connects to the seeds once, in the background, right after start. JGroups' own join reaches at most one coordinator;
 * nodes started at the same instant can end up as islands that MERGE3 would merge only seconds later. Connecting to
 * every seed not yet in the view merges them at once.
 */
final class SeedJoiner {

    private static final Logger LOG = LoggerFactory.getLogger(SeedJoiner.class);

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
        for (NodeName seed : seeds) {
            if (views.isClosed() || Thread.currentThread().isInterrupted()) {
                return;
            }
            // Only an island's coordinator reaches out: one merge per island instead of one per node, which would
            // have every coordinator busy with competing merges.
            View v = views.view();
            if (v != null && !address.get().equals(v.getCoord())) {
                return;
            }
            if (!seed.text().equals(self.text()) && !views.names().contains(seed.text())) {
                var r = connector.connect(seed.text(), false);
                LOG.debug("{}: seed {}: {}", self.text(), seed.text(), r.isOk() ? "connected" : r);
            }
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
