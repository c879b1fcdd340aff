package io.distribute.internal;

import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The threads that run subscribers and monitor callbacks: user code, never on a JGroups thread. */
public final class EventThreads {

    private static final AtomicInteger POOLS = new AtomicInteger();

    private EventThreads() {
    }

    /**
     * A pool with a thread per subscriber that has events to deliver and none when idle (an idle thread ends after
     * {@code keepAliveMillis}): a slow subscriber holds only its own thread.
     */
    public static ThreadPoolExecutor pool(String label, long keepAliveMillis) {
        String prefix = "distribute-events-" + label + "-" + POOLS.incrementAndGet() + "-";
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, keepAliveMillis, TimeUnit.MILLISECONDS,
                new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, prefix + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }
}
