package io.distribute.internal;

import java.util.concurrent.TimeUnit;

/**
 * How long {@code connect} waits for a merge request's result: 150 ms, then doubling up to 1.2 s, each at 50-100 % at
 * random.
 */
final class MergePacing {

    /** A coordinator busy with another merge drops our request: ask again soon rather than wait long. */
    private static final long MERGE_STEP = TimeUnit.MILLISECONDS.toNanos(150);
    /**
     * Each further request waits twice as long, up to this, and a random part of it: when many coordinators merge at
     * once (nodes started together, each reaching for the seeds), requests every 150 ms, each with a fresh probe (a
     * TLS handshake), kept the merges colliding and the CPU busy with handshakes.
     */
    private static final long MAX_MERGE_STEP = TimeUnit.MILLISECONDS.toNanos(1200);

    private long base = MERGE_STEP;
    long wait = MERGE_STEP;

    void next() {
        base = Math.min(MAX_MERGE_STEP, base * 2);
        wait = base / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(base / 2 + 1);
    }
}
