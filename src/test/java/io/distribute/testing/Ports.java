package io.distribute.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands out loopback ports so that no two tests share one. Each block of 200 ports gives 100 node ports; the
 * other 100 are left free (a node's neighbour port + 100 was FD_SOCK2's, and probes of a range must find nothing
 * there). Ports stay between 11000 and 32767: above that the kernel hands out ephemeral ports for outgoing
 * connections (ip_local_port_range starts at 32768), which would collide with a node's port at random. Each JVM
 * starts in its own window (by pid) so that concurrent test JVMs rarely meet, and every port is checked free.
 */
public final class Ports {

    private static final int LOW = 11000;
    private static final int HIGH = 32700;
    private static final int BASE = LOW + (int) (ProcessHandle.current().pid() % 10) * 2000;
    private static final AtomicInteger NEXT = new AtomicInteger();

    private Ports() {
    }

    /** A block of {@code count} consecutive free node ports (at most 100); returns the first. */
    public static synchronized int block(int count) {
        while (true) {
            int i = NEXT.getAndAdd(count);
            int offsetInBlock = i % 100;
            if (offsetInBlock + count > 100) {
                NEXT.set((i / 100 + 1) * 100);
                continue;
            }
            int span = HIGH - LOW;
            int first = LOW + Math.floorMod(BASE - LOW + (i / 100) * 200, span - (span % 200)) + offsetInBlock;
            if (i > 20 * span) {
                throw new IllegalStateException("out of test ports");
            }
            if (allFree(first, count)) {
                return first;
            }
        }
    }

    /** One free node port. */
    public static int next() {
        return block(1);
    }

    private static boolean allFree(int first, int count) {
        for (int p = first; p < first + count; p++) {
            if (!free(p) || !free(p + 100)) {
                return false;
            }
        }
        return true;
    }

    /** True if nothing listens on {@code port} on the loopback address (a bind succeeds). */
    public static boolean free(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
