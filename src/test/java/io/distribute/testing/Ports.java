package io.distribute.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands out loopback ports so that no two tests share one. Each block of 200 ports gives 100 node ports; the
 * other 100 are left for FD_SOCK2, which binds node port + 100.
 */
public final class Ports {

    private static final int BASE = 21000 + (int) (ProcessHandle.current().pid() % 20) * 1000;
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
            int first = BASE + (i / 100) * 200 + offsetInBlock;
            if (first + count + 100 > 65000) {
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
