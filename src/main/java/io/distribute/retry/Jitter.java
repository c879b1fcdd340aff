package io.distribute.retry;

/**
 * How a {@link RetryPolicy} randomizes its exponential backoff delay.
 *
 * <p>In the descriptions below, {@code d} is the un-jittered delay for the attempt: {@code baseDelayMs *
 * multiplier^(attempt - 1)}, capped at {@code maxDelayMs} (see {@link RetryPolicy#delayMs(int)}). Every strategy
 * returns a delay in {@code [0, maxDelayMs]}. Randomized strategies draw from the policy's random source
 * ({@link java.util.concurrent.ThreadLocalRandom} by default; see {@link RetryPolicy#withRandom}).
 *
 * <p>The default is {@link #NONE} ({@link RetryPolicy#defaults()}); {@link RetryPolicy#defaultWithJitter()} uses
 * {@link #FULL}.
 */
public enum Jitter {

    /** No randomization: the delay is exactly {@code d}. Predictable, but clients that fail together retry together. */
    NONE,

    /**
     * Full jitter: the delay is uniformly random in {@code [0, d]} (both ends inclusive). Spreads retries the most;
     * a delay may be zero.
     */
    FULL,

    /**
     * Equal jitter: half of {@code d} is kept and the other half is random — the delay is
     * {@code ceil(d/2) + uniform[0, floor(d/2)]}, so it lies in {@code [ceil(d/2), d]}. Guarantees at least half of
     * the backoff while still spreading retries.
     */
    EQUAL,

    /**
     * Decorrelated jitter, computed statelessly: for attempt {@code n} the delay is uniformly random in
     * {@code [baseDelayMs, min(maxDelayMs, 3 * p)]}, where {@code p} is the un-jittered delay of attempt
     * {@code n - 1} and {@code p = baseDelayMs} for attempt 1. The range grows with the attempt like the
     * exponential backoff does, but each draw is independent of the previous draw, so a shared, immutable policy
     * needs no per-execution state.
     */
    DECORRELATED
}
