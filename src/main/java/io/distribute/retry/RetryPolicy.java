package io.distribute.retry;

import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

import static io.distribute.retry.PolicyChecks.checkAttempt;
import static io.distribute.retry.PolicyChecks.checkBaseDelayMs;
import static io.distribute.retry.PolicyChecks.checkJitter;
import static io.distribute.retry.PolicyChecks.checkMaxAttempts;
import static io.distribute.retry.PolicyChecks.checkMaxDelayMs;
import static io.distribute.retry.PolicyChecks.checkMultiplier;

/**
 * An immutable, thread-safe description of how often and how long to wait when retrying a failed call: a maximum
 * number of attempts and an exponential backoff with optional {@link Jitter}.
 *
 * <p>Attempts are numbered from 1: attempt 1 is the first try. After attempt {@code n} fails, the caller retries
 * only if {@link #shouldRetry(int) shouldRetry(n)} and first waits {@link #delayMs(int) delayMs(n)} milliseconds.
 * {@link Retry#execute(RetryPolicy, java.util.function.Supplier)} does both.
 *
 * <p>Start from a preset and adjust it with the {@code with...} methods, each of which validates its argument at
 * once and returns a new policy:
 * <pre>{@code
 * RetryPolicy policy = RetryPolicy.defaults()   // 3 attempts, 100 ms doubling up to 5000 ms, no jitter
 *         .withMaxAttempts(4)
 *         .withJitter(Jitter.EQUAL);
 * }</pre>
 *
 * <table>
 *   <caption>Presets</caption>
 *   <tr><th>preset</th><th>maxAttempts</th><th>baseDelayMs</th><th>maxDelayMs</th><th>multiplier</th>
 *       <th>jitter</th></tr>
 *   <tr><td>{@link #defaults()}</td><td>3</td><td>100</td><td>5000</td><td>2.0</td><td>NONE</td></tr>
 *   <tr><td>{@link #defaultWithJitter()}</td><td>3</td><td>100</td><td>5000</td><td>2.0</td><td>FULL</td></tr>
 *   <tr><td>{@link #aggressive()}</td><td>5</td><td>50</td><td>3000</td><td>2.0</td><td>NONE</td></tr>
 *   <tr><td>{@link #conservative()}</td><td>2</td><td>500</td><td>10000</td><td>2.0</td><td>NONE</td></tr>
 *   <tr><td>{@link #noRetry()}</td><td>1</td><td>0</td><td>0</td><td>1.0</td><td>NONE</td></tr>
 * </table>
 *
 * <p>Invariants of every policy: {@code maxAttempts >= 1}, {@code 0 <= baseDelayMs <= maxDelayMs}, and
 * {@code multiplier} is finite and {@code >= 1.0}. Because {@code baseDelayMs <= maxDelayMs} must hold after each
 * single change, raise {@code maxDelayMs} before raising {@code baseDelayMs} above it (and lower
 * {@code baseDelayMs} before lowering {@code maxDelayMs} below it), or use {@link #of}.
 *
 * <p>Randomized jitter draws from {@link ThreadLocalRandom} by default; {@link #withRandom(RandomGenerator)} installs
 * another source, e.g. a seeded {@link java.util.Random} for reproducible tests.
 */
public final class RetryPolicy {

    private static final RetryPolicy DEFAULTS = new RetryPolicy(3, 100, 5000, 2.0, Jitter.NONE, null);
    private static final RetryPolicy DEFAULT_WITH_JITTER = new RetryPolicy(3, 100, 5000, 2.0, Jitter.FULL, null);
    private static final RetryPolicy AGGRESSIVE = new RetryPolicy(5, 50, 3000, 2.0, Jitter.NONE, null);
    private static final RetryPolicy CONSERVATIVE = new RetryPolicy(2, 500, 10000, 2.0, Jitter.NONE, null);
    private static final RetryPolicy NO_RETRY = new RetryPolicy(1, 0, 0, 1.0, Jitter.NONE, null);

    private final int maxAttempts;
    private final long baseDelayMs;
    private final long maxDelayMs;
    private final double multiplier;
    private final Jitter jitter;
    /** The jitter random source, or {@code null} for {@link ThreadLocalRandom#current()}. */
    private final RandomGenerator random;

    private RetryPolicy(int maxAttempts, long baseDelayMs, long maxDelayMs, double multiplier, Jitter jitter,
            RandomGenerator random) {
        this.maxAttempts = maxAttempts;
        this.baseDelayMs = baseDelayMs;
        this.maxDelayMs = maxDelayMs;
        this.multiplier = multiplier;
        this.jitter = jitter;
        this.random = random;
    }

    // ---------------------------------------------------------------------------------------------- presets

    /**
     * The default policy: 3 attempts, 100 ms base delay, 5000 ms maximum delay, multiplier 2.0, {@link Jitter#NONE}.
     * Delays after failed attempts 1 and 2 are 100 ms and 200 ms.
     *
     * @return the default policy
     */
    public static RetryPolicy defaults() {
        return DEFAULTS;
    }

    /**
     * The default policy with full jitter: 3 attempts, 100 ms base delay, 5000 ms maximum delay, multiplier 2.0,
     * {@link Jitter#FULL}. Prefer it when many clients may fail at the same moment.
     *
     * @return the default policy with {@link Jitter#FULL}
     */
    public static RetryPolicy defaultWithJitter() {
        return DEFAULT_WITH_JITTER;
    }

    /**
     * A policy that retries more and sooner: 5 attempts, 50 ms base delay, 3000 ms maximum delay, multiplier 2.0,
     * {@link Jitter#NONE}.
     *
     * @return the aggressive policy
     */
    public static RetryPolicy aggressive() {
        return AGGRESSIVE;
    }

    /**
     * A policy that retries once after a long wait: 2 attempts, 500 ms base delay, 10000 ms maximum delay,
     * multiplier 2.0, {@link Jitter#NONE}.
     *
     * @return the conservative policy
     */
    public static RetryPolicy conservative() {
        return CONSERVATIVE;
    }

    /**
     * A policy that never retries: 1 attempt, 0 ms base delay, 0 ms maximum delay, multiplier 1.0,
     * {@link Jitter#NONE}.
     *
     * @return the no-retry policy
     */
    public static RetryPolicy noRetry() {
        return NO_RETRY;
    }

    /**
     * Creates a policy from all five settings at once, validated together, with the default random source
     * ({@link ThreadLocalRandom}).
     *
     * @param maxAttempts the maximum number of attempts including the first, {@code >= 1}
     * @param baseDelayMs the delay after the first failed attempt, in milliseconds, {@code >= 0}
     * @param maxDelayMs  the cap on every delay, in milliseconds, {@code >= baseDelayMs}
     * @param multiplier  the factor by which the delay grows per attempt, finite and {@code >= 1.0}
     * @param jitter      the jitter strategy, non-null
     * @return the new policy
     * @throws IllegalArgumentException if a setting is invalid (including a {@code null} jitter); the message
     *                                  names the setting and the value
     */
    public static RetryPolicy of(int maxAttempts, long baseDelayMs, long maxDelayMs, double multiplier,
            Jitter jitter) {
        checkMaxAttempts(maxAttempts);
        checkBaseDelayMs(baseDelayMs);
        checkMaxDelayMs(maxDelayMs);
        if (maxDelayMs < baseDelayMs) {
            throw new IllegalArgumentException("maxDelayMs must be >= baseDelayMs (" + baseDelayMs + "), was "
                    + maxDelayMs);
        }
        checkMultiplier(multiplier);
        checkJitter(jitter);
        return new RetryPolicy(maxAttempts, baseDelayMs, maxDelayMs, multiplier, jitter, null);
    }

    // ---------------------------------------------------------------------------------------------- withers

    /**
     * Returns a copy of this policy with another maximum number of attempts (including the first attempt).
     *
     * @param maxAttempts the maximum number of attempts, {@code >= 1}; 1 means never retry
     * @return a new policy; this one is unchanged
     * @throws IllegalArgumentException if {@code maxAttempts < 1}
     */
    public RetryPolicy withMaxAttempts(int maxAttempts) {
        checkMaxAttempts(maxAttempts);
        return new RetryPolicy(maxAttempts, baseDelayMs, maxDelayMs, multiplier, jitter, random);
    }

    /**
     * Returns a copy of this policy with another base delay, the un-jittered delay after the first failed attempt.
     *
     * @param baseDelayMs the base delay in milliseconds, {@code >= 0} and {@code <= maxDelayMs()}
     * @return a new policy; this one is unchanged
     * @throws IllegalArgumentException if {@code baseDelayMs} is negative or above {@link #maxDelayMs()}
     */
    public RetryPolicy withBaseDelayMs(long baseDelayMs) {
        checkBaseDelayMs(baseDelayMs);
        if (baseDelayMs > maxDelayMs) {
            throw new IllegalArgumentException("baseDelayMs must be <= maxDelayMs (" + maxDelayMs + "), was "
                    + baseDelayMs + "; raise maxDelayMs first");
        }
        return new RetryPolicy(maxAttempts, baseDelayMs, maxDelayMs, multiplier, jitter, random);
    }

    /**
     * Returns a copy of this policy with another maximum delay, the cap on every computed delay.
     *
     * @param maxDelayMs the maximum delay in milliseconds, {@code >= 0} and {@code >= baseDelayMs()}
     * @return a new policy; this one is unchanged
     * @throws IllegalArgumentException if {@code maxDelayMs} is negative or below {@link #baseDelayMs()}
     */
    public RetryPolicy withMaxDelayMs(long maxDelayMs) {
        checkMaxDelayMs(maxDelayMs);
        if (maxDelayMs < baseDelayMs) {
            throw new IllegalArgumentException("maxDelayMs must be >= baseDelayMs (" + baseDelayMs + "), was "
                    + maxDelayMs + "; lower baseDelayMs first");
        }
        return new RetryPolicy(maxAttempts, baseDelayMs, maxDelayMs, multiplier, jitter, random);
    }

    /**
     * Returns a copy of this policy with another backoff multiplier, the factor by which the un-jittered delay grows
     * after each failed attempt. 1.0 gives a constant delay.
     *
     * @param multiplier the multiplier, finite and {@code >= 1.0}
     * @return a new policy; this one is unchanged
     * @throws IllegalArgumentException if {@code multiplier} is NaN, infinite or below 1.0
     */
    public RetryPolicy withMultiplier(double multiplier) {
        checkMultiplier(multiplier);
        return new RetryPolicy(maxAttempts, baseDelayMs, maxDelayMs, multiplier, jitter, random);
    }

    /**
     * Returns a copy of this policy with another jitter strategy.
     *
     * @param jitter the jitter strategy, non-null
     * @return a new policy; this one is unchanged
     * @throws IllegalArgumentException if {@code jitter} is {@code null}
     */
    public RetryPolicy withJitter(Jitter jitter) {
        checkJitter(jitter);
        return new RetryPolicy(maxAttempts, baseDelayMs, maxDelayMs, multiplier, jitter, random);
    }

    /**
     * Returns a copy of this policy that draws jitter from {@code random} instead of the default
     * {@link ThreadLocalRandom}; pass a seeded generator (e.g. {@code new java.util.Random(42)}) for reproducible
     * delays in tests. Only {@link Jitter#FULL}, {@link Jitter#EQUAL} and {@link Jitter#DECORRELATED} use it.
     *
     * <p>The generator is shared by every thread that uses the returned policy, so it must be thread-safe if the
     * policy is ({@link java.util.Random} is; {@link java.util.SplittableRandom} is not). The random source is not
     * part of {@link #equals}, {@link #hashCode} or {@link #toString}.
     *
     * @param random the random source, or {@code null} to go back to {@link ThreadLocalRandom}
     * @return a new policy; this one is unchanged
     */
    public RetryPolicy withRandom(RandomGenerator random) {
        return new RetryPolicy(maxAttempts, baseDelayMs, maxDelayMs, multiplier, jitter, random);
    }

    // ---------------------------------------------------------------------------------------------- getters

    /**
     * The maximum number of attempts, including the first; always {@code >= 1}. Default 3.
     *
     * @return the maximum number of attempts
     */
    public int maxAttempts() {
        return maxAttempts;
    }

    /**
     * The un-jittered delay after the first failed attempt, in milliseconds; always {@code >= 0}. Default 100.
     *
     * @return the base delay in milliseconds
     */
    public long baseDelayMs() {
        return baseDelayMs;
    }

    /**
     * The cap on every delay, in milliseconds; always {@code >= baseDelayMs()}. Default 5000.
     *
     * @return the maximum delay in milliseconds
     */
    public long maxDelayMs() {
        return maxDelayMs;
    }

    /**
     * The factor by which the un-jittered delay grows per failed attempt; finite and {@code >= 1.0}. Default 2.0.
     *
     * @return the backoff multiplier
     */
    public double multiplier() {
        return multiplier;
    }

    /**
     * The jitter strategy; never {@code null}. Default {@link Jitter#NONE}.
     *
     * @return the jitter strategy
     */
    public Jitter jitter() {
        return jitter;
    }

    // ---------------------------------------------------------------------------------------------- schedule

    /**
     * Whether another attempt is allowed after attempt {@code attempt} failed.
     *
     * @param attempt the 1-based number of the attempt that just failed (1 = the first try)
     * @return {@code true} iff {@code 1 <= attempt < maxAttempts()}; {@code false} for {@code attempt < 1}
     */
    public boolean shouldRetry(int attempt) {
        return attempt >= 1 && attempt < maxAttempts;
    }

    /**
     * The delay to wait after attempt {@code attempt} failed, before the next attempt, in milliseconds.
     *
     * <p>The un-jittered delay is {@code baseDelayMs * multiplier^(attempt - 1)}, rounded to the nearest
     * millisecond and capped at {@code maxDelayMs} (without overflow, however large {@code attempt} is); the
     * policy's {@link Jitter} is then applied. The result is always in {@code [0, maxDelayMs()]}. The delay is
     * computed for any {@code attempt >= 1}, even one at which {@link #shouldRetry(int)} is {@code false}.
     *
     * @param attempt the 1-based number of the attempt that just failed
     * @return the delay in milliseconds
     * @throws IllegalArgumentException if {@code attempt < 1}
     */
    public long delayMs(int attempt) {
        checkAttempt(attempt);
        return Backoff.jittered(this, random, attempt, Backoff.exponential(this, attempt));
    }

    /**
     * The delay to wait after attempt {@code attempt} failed, together with the un-jittered delay and whether this
     * was the final attempt. {@code calculateDelay(n).delayMs()} is distributed like {@link #delayMs(int)
     * delayMs(n)}.
     *
     * @param attempt the 1-based number of the attempt that just failed
     * @return the delay and its metadata
     * @throws IllegalArgumentException if {@code attempt < 1}
     */
    public Delay calculateDelay(int attempt) {
        checkAttempt(attempt);
        long base = Backoff.exponential(this, attempt);
        return new Delay(Backoff.jittered(this, random, attempt, base), base, attempt, attempt >= maxAttempts);
    }

    // ---------------------------------------------------------------------------------------------- Object

    /**
     * Two policies are equal when all five settings are equal; the random source (see {@link #withRandom}) is not
     * compared.
     *
     * @param o the object to compare with
     * @return whether {@code o} is a {@code RetryPolicy} with the same settings
     */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof RetryPolicy other)) {
            return false;
        }
        return maxAttempts == other.maxAttempts
                && baseDelayMs == other.baseDelayMs
                && maxDelayMs == other.maxDelayMs
                && Double.compare(multiplier, other.multiplier) == 0
                && jitter == other.jitter;
    }

    /**
     * A hash code of the five settings, consistent with {@link #equals}.
     *
     * @return the hash code
     */
    @Override
    public int hashCode() {
        return Objects.hash(maxAttempts, baseDelayMs, maxDelayMs, multiplier, jitter);
    }

    /**
     * The settings, e.g.
     * {@code RetryPolicy[maxAttempts=3, baseDelayMs=100, maxDelayMs=5000, multiplier=2.0, jitter=NONE]}.
     *
     * @return a description of the settings
     */
    @Override
    public String toString() {
        return "RetryPolicy[maxAttempts=" + maxAttempts
                + ", baseDelayMs=" + baseDelayMs
                + ", maxDelayMs=" + maxDelayMs
                + ", multiplier=" + multiplier
                + ", jitter=" + jitter + "]";
    }
}
