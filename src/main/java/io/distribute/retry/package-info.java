/**
 * Retrying calls that return a {@link io.distribute.Result}, with exponential backoff and jitter.
 *
 * <p>A {@link io.distribute.retry.RetryPolicy} is an immutable, thread-safe schedule: how many attempts to make
 * (default 3) and how long to wait after each failure (default 100 ms, doubling, capped at 5000 ms, no jitter).
 * {@link io.distribute.retry.Jitter} chooses how the waits are randomized so that clients that fail together do not
 * retry together. {@link io.distribute.retry.Retry} runs a call under a policy:
 * <pre>{@code
 * RetryPolicy policy = RetryPolicy.defaultWithJitter().withMaxAttempts(5);
 * Result<Reply, CallError> r = Retry.execute(policy, () -> node.call(request));
 * if (r instanceof Result.Err<Reply, CallError> err) {
 *     log.warn("gave up after {} attempts: {}", policy.maxAttempts(), err.error());
 * }
 * }</pre>
 *
 * <p>To drive retries yourself, ask the policy after each failed attempt {@code n} (counted from 1):
 * <pre>{@code
 * if (policy.shouldRetry(n)) {
 *     Delay d = policy.calculateDelay(n);   // d.delayMs() to wait, d.baseDelayMs() before jitter
 *     scheduler.schedule(this::tryAgain, d.delayMs(), TimeUnit.MILLISECONDS);
 * }
 * }</pre>
 */
package io.distribute.retry;
