package io.distribute.internal.secure;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Time this JVM has spent in garbage-collection pauses so far. A handshake deadline does not count it: a collector
 * that stops the JVM for most of a second (a large heap, many connections) would otherwise fail every handshake in
 * flight on both ends, a cookie holder's included, and the retries would make the next pause worse.
 */
final class GcPauses {

    /** Stop-the-world collectors only: concurrent cycles (G1's "Concurrent GC", ZGC's "Cycles") run beside the JVM. */
    private static final List<GarbageCollectorMXBean> PAUSING = ManagementFactory.getGarbageCollectorMXBeans().stream()
            .filter(gc -> !gc.getName().contains("Concurrent") && !gc.getName().contains("Cycles")).toList();

    private GcPauses() {
    }

    /** Nanoseconds of collection pauses since the JVM started (millisecond resolution). */
    static long nanos() {
        long ms = 0;
        for (GarbageCollectorMXBean gc : PAUSING) {
            ms += Math.max(0, gc.getCollectionTime());
        }
        return TimeUnit.MILLISECONDS.toNanos(ms);
    }
}
