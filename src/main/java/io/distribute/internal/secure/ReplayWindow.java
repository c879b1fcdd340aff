package io.distribute.internal.secure;

import java.util.Arrays;

/**
 * The anti-replay window of one sender epoch, as in IPsec (RFC 4303 §3.4.3) and DTLS: the highest sequence number
 * accepted so far and one bit for each of the {@value #SIZE} numbers up to it. A number above the top is new; one
 * that fell out of the window is refused, because it can no longer be told apart from a replay.
 *
 * <p>Not thread-safe: {@link DatagramSeal} guards each window with its sender table's lock.
 */
final class ReplayWindow {

    /** Sequence numbers remembered below the highest one seen. */
    static final int SIZE = 1024;

    private final long[] bits = new long[SIZE / Long.SIZE];
    private long top = -1;

    /** Whether {@code seq} has neither been accepted nor fallen out of the window; records nothing. */
    boolean fresh(long seq) {
        if (seq > top) {
            return true;
        }
        return top - seq < SIZE && !isSet(seq);
    }

    /** Records {@code seq}; false (and nothing recorded) if it was accepted before or is too old. */
    boolean accept(long seq) {
        if (seq > top) {
            if (seq - top >= SIZE) {
                Arrays.fill(bits, 0L);
            } else {
                // The slots of top+1 .. seq-1 still hold numbers that are now out of the window.
                for (long s = top + 1; s < seq; s++) {
                    bits[slot(s)] &= ~mask(s);
                }
            }
            top = seq;
            bits[slot(seq)] |= mask(seq);
            return true;
        }
        if (top - seq >= SIZE || isSet(seq)) {
            return false;
        }
        bits[slot(seq)] |= mask(seq);
        return true;
    }

    private boolean isSet(long seq) {
        return (bits[slot(seq)] & mask(seq)) != 0;
    }

    private static int slot(long seq) {
        return (int) ((seq & (SIZE - 1)) >>> 6);
    }

    private static long mask(long seq) {
        return 1L << (seq & 63);
    }
}
