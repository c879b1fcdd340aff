package io.distribute.retry;

import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * How a {@link RetryPolicy} computes the delay after a failed attempt: the exponential backoff, capped at the
 * policy's maximum delay, and then its {@link Jitter}, drawn from the policy's random source.
 */
final class Backoff {

    private Backoff() {
    }

    /** The un-jittered delay for {@code attempt >= 1}: base * multiplier^(attempt-1), rounded, capped at max. */
    static long exponential(RetryPolicy p, int attempt) {
        long baseDelayMs = p.baseDelayMs();
        long maxDelayMs = p.maxDelayMs();
        double multiplier = p.multiplier();
        if (baseDelayMs == 0 || attempt == 1 || multiplier == 1.0) {
            return baseDelayMs;
        }
        // Computed in double: pow overflows to +Infinity instead of wrapping, and the cap is applied before the
        // value is converted back to long.
        double d = baseDelayMs * Math.pow(multiplier, attempt - 1);
        if (!(d < maxDelayMs)) {
            return maxDelayMs;
        }
        return Math.min(maxDelayMs, Math.round(d));
    }

    /**
     * The un-jittered delay {@code d} of {@code attempt} with the policy's jitter applied.
     *
     * @param random the jitter random source, or {@code null} for {@link ThreadLocalRandom#current()}
     */
    static long jittered(RetryPolicy p, RandomGenerator random, int attempt, long d) {
        return switch (p.jitter()) {
            case NONE -> d;
            case FULL -> uniform(random, 0, d);
            case EQUAL -> {
                long half = d / 2;
                yield (d - half) + uniform(random, 0, half);
            }
            case DECORRELATED -> {
                long previous = attempt == 1 ? p.baseDelayMs() : exponential(p, attempt - 1);
                long upper = previous > p.maxDelayMs() / 3 ? p.maxDelayMs() : 3 * previous;
                yield uniform(random, p.baseDelayMs(), upper);
            }
        };
    }

    /** A uniformly random long in {@code [lo, hi]}, both inclusive; requires {@code 0 <= lo <= hi}. */
    private static long uniform(RandomGenerator random, long lo, long hi) {
        if (lo == hi) {
            return lo;
        }
        RandomGenerator r = random != null ? random : ThreadLocalRandom.current();
        if (hi < Long.MAX_VALUE) {
            return r.nextLong(lo, hi + 1);
        }
        return r.nextLong(lo - 1, hi) + 1;
    }
}
