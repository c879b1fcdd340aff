package io.distribute.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JitterTest {

    private static final int DRAWS = 10_000;

    /** 100 ms doubling to 5000 ms; attempts 1..7 cover uncapped, odd-sized and capped ranges. */
    private static RetryPolicy policy(Jitter jitter, long seed) {
        return RetryPolicy.of(10, 100, 5000, 2.0, jitter).withRandom(new Random(seed));
    }

    /** The un-jittered delay of the policy above, computed independently. */
    private static long exponential(int attempt) {
        return Math.min(5000, 100L << Math.min(attempt - 1, 30));
    }

    private static long lowerBound(Jitter jitter, int attempt) {
        long d = exponential(attempt);
        return switch (jitter) {
            case NONE -> d;
            case FULL -> 0;
            case EQUAL -> (d + 1) / 2;
            case DECORRELATED -> 100;
        };
    }

    private static long upperBound(Jitter jitter, int attempt) {
        return switch (jitter) {
            case NONE, FULL, EQUAL -> exponential(attempt);
            case DECORRELATED -> Math.min(5000, 3 * (attempt == 1 ? 100 : exponential(attempt - 1)));
        };
    }

    @ParameterizedTest
    @EnumSource(Jitter.class)
    void everyDelayLiesWithinTheStrategysBounds(Jitter jitter) {
        RetryPolicy p = policy(jitter, 42);
        for (int i = 0; i < DRAWS; i++) {
            int attempt = 1 + i % 8;
            long lo = lowerBound(jitter, attempt);
            long hi = upperBound(jitter, attempt);
            long delay = p.delayMs(attempt);
            if (delay < lo || delay > hi || delay < 0 || delay > p.maxDelayMs()) {
                throw new AssertionError(jitter + " attempt " + attempt + ": " + delay + " not in [" + lo + ", "
                        + hi + "]");
            }
            Delay d = p.calculateDelay(attempt);
            assertTrue(d.delayMs() >= lo && d.delayMs() <= hi, d.toString());
            assertEquals(exponential(attempt), d.baseDelayMs());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Jitter.class, names = {"FULL", "EQUAL", "DECORRELATED"})
    void randomizedStrategiesVaryAndReachBothEnds(Jitter jitter) {
        RetryPolicy p = RetryPolicy.of(10, 10, 1000, 2.0, jitter).withRandom(new Random(7));
        int attempt = 2; // exponential 20 ms; DECORRELATED range [10, 30]
        long lo = jitter == Jitter.FULL ? 0 : 10;
        long hi = jitter == Jitter.DECORRELATED ? 30 : 20;
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < DRAWS; i++) {
            seen.add(p.delayMs(attempt));
        }
        assertTrue(seen.size() > 1, jitter + " is constant: " + seen);
        assertEquals(hi - lo + 1, seen.size(), jitter + " should hit every value in [" + lo + ", " + hi + "]: "
                + seen);
        assertTrue(seen.contains(lo) && seen.contains(hi), seen.toString());
    }

    @Test
    void noneIsDeterministic() {
        RetryPolicy p = policy(Jitter.NONE, 1);
        for (int i = 0; i < 100; i++) {
            assertEquals(400, p.delayMs(3));
        }
    }

    @Test
    void equalJitterOnOddDelayStaysWithinCeilHalfAndDelay() {
        RetryPolicy p = RetryPolicy.of(3, 5, 5, 1.0, Jitter.EQUAL).withRandom(new Random(3));
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            seen.add(p.delayMs(1));
        }
        assertEquals(Set.of(3L, 4L, 5L), seen);
    }

    @Test
    void defaultRandomSourceStaysWithinBounds() {
        RetryPolicy p = RetryPolicy.defaultWithJitter();
        for (int i = 0; i < 1000; i++) {
            long d = p.delayMs(2);
            assertTrue(d >= 0 && d <= 200, String.valueOf(d));
        }
    }

    @ParameterizedTest
    @EnumSource(Jitter.class)
    void sameSeedGivesSameDelays(Jitter jitter) {
        RetryPolicy a = policy(jitter, 99);
        RetryPolicy b = policy(jitter, 99);
        for (int attempt = 1; attempt <= 50; attempt++) {
            assertEquals(a.delayMs(attempt), b.delayMs(attempt), jitter + " attempt " + attempt);
        }
    }

    @Test
    void decorrelatedRangeGrowsWithTheAttemptAndIsCapped() {
        RetryPolicy p = policy(Jitter.DECORRELATED, 5);
        long maxSeenAttempt1 = 0;
        long maxSeenAttempt5 = 0;
        for (int i = 0; i < DRAWS; i++) {
            maxSeenAttempt1 = Math.max(maxSeenAttempt1, p.delayMs(1));
            maxSeenAttempt5 = Math.max(maxSeenAttempt5, p.delayMs(5));
        }
        assertTrue(maxSeenAttempt1 <= 300, String.valueOf(maxSeenAttempt1));
        assertTrue(maxSeenAttempt5 > 300 && maxSeenAttempt5 <= 2400, String.valueOf(maxSeenAttempt5));
        for (int i = 0; i < 1000; i++) {
            long d = p.delayMs(1000);
            assertTrue(d >= 100 && d <= 5000, String.valueOf(d));
        }
    }
}
