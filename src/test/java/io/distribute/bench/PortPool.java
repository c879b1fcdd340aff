package io.distribute.bench;


/**
 * Loopback ports for the benchmark, handed out in increasing order from a range that neither the test suite
 * ({@code Ports}: 21000 and up) nor the kernel's ephemeral ports (32768-60999, taken by outgoing connections at any
 * moment) use, so that no run reuses a port still in TIME_WAIT from the last one.
 * A block is only handed out if its ports and the ports {@code +100..+105} (stock JGroups' FD_SOCK2) are free.
 */
final class PortPool {

    private static final int FIRST = 12000;
    private static final int LAST = 20800;
    private static int next = FIRST + (int) (ProcessHandle.current().pid() % 7) * 200;

    private PortPool() {
    }

    /** The first of {@code count} consecutive free ports. */
    static synchronized int block(int count) {
        for (int tries = 0; tries < 2000; tries++) {
            if (next + count + 110 > LAST) {
                next = FIRST;
            }
            int first = next;
            next += count;
            // keep blocks off the FD_SOCK2 ports (+100..+105) of blocks handed out just before
            if ((first % 200) + count > 100) {
                next = (first / 200 + 1) * 200 + (FIRST % 200);
                continue;
            }
            if (allFree(first, count)) {
                return first;
            }
        }
        throw new IllegalStateException("no free block of " + count + " ports in " + FIRST + "-" + LAST);
    }

    static int one() {
        return block(1);
    }

    /**
     * The loopback address of the {@code i}-th node of a many-node workload: each node has its own (127.0.1.1 and up),
     * as nodes on separate hosts do, so that limits kept per source address (distribute's cap on unauthenticated
     * connections per address) apply per node, as they would in a deployment, and not to the whole test JVM.
     */
    static String host(int i) {
        if (i < 0 || i >= 250) {
            throw new IllegalArgumentException("node index " + i);
        }
        return "127.0.1." + (i + 1);
    }

    private static boolean allFree(int first, int count) {
        for (int p = first; p < first + count; p++) {
            if (!free(p)) {
                return false;
            }
        }
        for (int p = first + 100; p < first + count + 106; p++) {
            if (!free(p)) {
                return false;
            }
        }
        return true;
    }

    private static boolean free(int port) {
        return io.distribute.testing.Ports.free(port);
    }
}
