package io.distribute.retry;

import io.distribute.Result;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Runs a call that returns a {@link Result} again after each {@link Result.Err}, as a {@link RetryPolicy} allows.
 *
 * <p>The call runs on the calling thread, which sleeps between attempts:
 * <pre>{@code
 * Result<Reply, CallError> r = Retry.execute(RetryPolicy.defaults(),
 *         () -> node.call(request),
 *         error -> error instanceof CallError.Timeout);   // retry timeouts only
 * }</pre>
 *
 * <p>Exceptions thrown by the call or the predicate are not caught: they end the execution and propagate to the
 * caller. Retries stop when the thread is interrupted; the interrupt flag is left set.
 */
public final class Retry {

    private Retry() {}

    /** How {@link Retry} waits between attempts; replaced in tests to observe delays without sleeping. */
    @FunctionalInterface
    interface Sleeper {
        /** Waits {@code millis > 0} milliseconds. */
        void sleep(long millis) throws InterruptedException;
    }

    /**
     * Runs {@code call} until it returns {@link Result.Ok} or the policy's attempts are exhausted, retrying every
     * {@link Result.Err}.
     *
     * <p>Equivalent to {@link #execute(RetryPolicy, Supplier, Predicate) execute(policy, call, error -> true)}.
     *
     * @param policy the retry policy, e.g. {@link RetryPolicy#defaults()}
     * @param call   the call to run; must not return {@code null}
     * @param <T>    the value type
     * @param <E>    the error type
     * @return the first {@code Ok}, or the last {@code Err} if every attempt failed or the thread was interrupted
     * @throws NullPointerException if an argument is {@code null} or {@code call} returns {@code null}
     */
    public static <T, E> Result<T, E> execute(RetryPolicy policy, Supplier<Result<T, E>> call) {
        return execute(policy, call, error -> true);
    }

    /**
     * Runs {@code call} until it returns {@link Result.Ok}, returns an error that is not {@code retryable}, or the
     * policy's attempts are exhausted.
     *
     * <p>After attempt {@code n} (1-based) returns an {@link Result.Err} whose error passes {@code retryable}, and
     * {@link RetryPolicy#shouldRetry(int) policy.shouldRetry(n)} holds, the thread sleeps
     * {@link RetryPolicy#delayMs(int) policy.delayMs(n)} milliseconds and runs {@code call} again. So {@code call}
     * runs at most {@link RetryPolicy#maxAttempts()} times, and exactly once with {@link RetryPolicy#noRetry()}.
     *
     * <p>If the thread is interrupted before or while it sleeps, no further attempt is made: the interrupt flag is
     * restored and the last {@code Err} is returned.
     *
     * @param policy    the retry policy, e.g. {@link RetryPolicy#defaults()}
     * @param call      the call to run; must not return {@code null}
     * @param retryable whether an error is worth retrying; {@code false} returns that error at once
     * @param <T>       the value type
     * @param <E>       the error type
     * @return the first {@code Ok}, the first non-retryable {@code Err}, or the last {@code Err} if the attempts
     *         were exhausted or the thread was interrupted
     * @throws NullPointerException if an argument is {@code null} or {@code call} returns {@code null}
     */
    public static <T, E> Result<T, E> execute(RetryPolicy policy, Supplier<Result<T, E>> call,
            Predicate<? super E> retryable) {
        return execute(policy, call, retryable, Thread::sleep);
    }

    /** {@link #execute(RetryPolicy, Supplier, Predicate)} with a replaceable way to sleep. */
    static <T, E> Result<T, E> execute(RetryPolicy policy, Supplier<Result<T, E>> call,
            Predicate<? super E> retryable, Sleeper sleeper) {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(call, "call");
        Objects.requireNonNull(retryable, "retryable");
        Objects.requireNonNull(sleeper, "sleeper");
        for (int attempt = 1; ; attempt++) {
            Result<T, E> result = call.get();
            if (result == null) {
                throw new NullPointerException("call returned null on attempt " + attempt);
            }
            if (!(result instanceof Result.Err<T, E> err)) {
                return result;
            }
            if (!retryable.test(err.error()) || !policy.shouldRetry(attempt)) {
                return result;
            }
            if (Thread.currentThread().isInterrupted()) {
                return result;
            }
            long delay = policy.delayMs(attempt);
            if (delay > 0) {
                try {
                    sleeper.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return result;
                }
            }
        }
    }
}
