package io.distribute.internal.secure;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Decides which security drops are logged: the first from each peer, then at most one per peer per interval, and at
 * most a few lines per interval in all (a flood from many, possibly spoofed, sources cannot flood the log either).
 * What is not logged is still counted by its caller (JMX {@code DroppedFrames}, {@code SecurityRejections}); the
 * next line logged for a peer says how many of its drops went unlogged. Thread-safe.
 *
 * @param <K> what identifies a peer: a source address, a node name
 */
public final class PeerLogLimit<K> {

    /** A logged line per peer per minute, 20 lines a minute in all, 1024 peers remembered. */
    public static <K> PeerLogLimit<K> perMinute() {
        return new PeerLogLimit<>(Duration.ofMinutes(1), 20, 1024, System::nanoTime);
    }

    private final long intervalNanos;
    private final int linesPerInterval;
    private final int maxPeers;
    private final LongSupplier clock;
    /** Per peer: when it was last logged, and how many of its drops were not logged since. */
    private final Map<K, long[]> peers = new HashMap<>();
    private long windowStart;
    private int linesInWindow;
    private boolean started;

    /** For tests: a fake {@code nanoClock}. */
    PeerLogLimit(Duration interval, int linesPerInterval, int maxPeers, LongSupplier nanoClock) {
        this.intervalNanos = interval.toNanos();
        this.linesPerInterval = linesPerInterval;
        this.maxPeers = maxPeers;
        this.clock = nanoClock;
    }

    /**
     * Records one drop from {@code peer}: -1 if it is not to be logged; otherwise how many of this peer's drops were
     * not logged since its last logged one (0 for its first).
     */
    public synchronized long admit(K peer) {
        long now = clock.getAsLong();
        long[] p = peers.get(peer);
        if (p != null && now - p[0] < intervalNanos) {
            p[1]++;
            return -1;
        }
        if (!started || now - windowStart >= intervalNanos) {
            started = true;
            windowStart = now;
            linesInWindow = 0;
        }
        if (linesInWindow >= linesPerInterval) {
            if (p != null) {
                p[1]++;
            }
            return -1;
        }
        linesInWindow++;
        if (p == null) {
            if (peers.size() >= maxPeers) {
                peers.clear(); // bounded memory; a forgotten peer is logged again at most once per interval
            }
            p = new long[2];
            peers.put(peer, p);
        }
        long unlogged = p[1];
        p[0] = now;
        p[1] = 0;
        return unlogged;
    }

    /** {@code "; N more not logged since the last"} for a count from {@link #admit}, or nothing for 0. */
    public static String since(long unlogged) {
        return unlogged > 0 ? "; " + unlogged + " more from there since the last one logged" : "";
    }
}
