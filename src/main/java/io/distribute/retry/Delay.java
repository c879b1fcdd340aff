package io.distribute.retry;

/**
 * The delay a {@link RetryPolicy} computed for one failed attempt, with the data it was computed from.
 *
 * <p>Returned by {@link RetryPolicy#calculateDelay(int)}.
 *
 * @param delayMs        the delay to wait before the next attempt, in milliseconds, with jitter applied; never
 *                       negative and never above the policy's {@code maxDelayMs}
 * @param baseDelayMs    the un-jittered exponential delay for this attempt ({@code baseDelayMs *
 *                       multiplier^(attempt - 1)}, capped at {@code maxDelayMs}), in milliseconds
 * @param attempt        the 1-based attempt that just failed
 * @param isFinalAttempt {@code true} when {@code attempt >= maxAttempts}, i.e. the policy allows no further
 *                       attempt and {@code delayMs} would not be waited
 */
public record Delay(long delayMs, long baseDelayMs, int attempt, boolean isFinalAttempt) {

    /**
     * Validates the components.
     *
     * @param delayMs        the jittered delay in milliseconds, {@code >= 0}
     * @param baseDelayMs    the un-jittered delay in milliseconds, {@code >= 0}
     * @param attempt        the 1-based attempt that just failed, {@code >= 1}
     * @param isFinalAttempt whether no further attempt is allowed
     * @throws IllegalArgumentException if {@code delayMs} or {@code baseDelayMs} is negative or {@code attempt} is
     *                                  below 1
     */
    public Delay {
        if (delayMs < 0) {
            throw new IllegalArgumentException("delayMs must be >= 0, was " + delayMs);
        }
        if (baseDelayMs < 0) {
            throw new IllegalArgumentException("baseDelayMs must be >= 0, was " + baseDelayMs);
        }
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1, was " + attempt);
        }
    }
}
