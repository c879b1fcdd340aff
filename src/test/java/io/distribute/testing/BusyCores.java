package io.distribute.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps every core busy: {@code perCore} spinning threads per available processor, each stopping by itself after
 * {@code length} (or at {@link #close}). Bounded in count and time.
 */
public final class BusyCores implements AutoCloseable {

    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stop;

    private BusyCores(int count, long deadline) {
        for (int i = 0; i < count; i++) {
            Thread t = new Thread(() -> spin(deadline), "busy-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    public static BusyCores start(int perCore, Duration length) {
        return new BusyCores(perCore * Runtime.getRuntime().availableProcessors(), System.nanoTime() + length.toNanos());
    }

    /** How many threads spin. */
    public int threads() {
        return threads.size();
    }

    private void spin(long deadline) {
        long x = 0;
        while (!stop && System.nanoTime() < deadline) {
            x += x * 31 + 7; // work the JIT cannot drop: the result is published below
        }
        sink = x;
    }

    @SuppressWarnings("unused")
    private static volatile long sink;

    @Override
    public void close() throws InterruptedException {
        stop = true;
        for (Thread t : threads) {
            t.join(5000);
        }
    }
}
