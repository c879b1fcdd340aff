package io.distribute.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distribute.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RetryTest {

    /** 0..2 ms real delays keep the tests fast. */
    private static final RetryPolicy FAST = RetryPolicy.of(3, 0, 2, 2.0, Jitter.NONE);

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    /** A supplier that fails with "e1", "e2", ... until call number {@code succeedOn}, which returns "ok". */
    private static final class Counting implements Supplier<Result<String, String>> {
        final AtomicInteger calls = new AtomicInteger();
        final int succeedOn;

        Counting(int succeedOn) {
            this.succeedOn = succeedOn;
        }

        @Override
        public Result<String, String> get() {
            int n = calls.incrementAndGet();
            return n == succeedOn ? Result.ok("ok") : Result.err("e" + n);
        }
    }

    @Test
    void succeedsOnTheThirdTry() {
        Counting call = new Counting(3);
        Result<String, String> r = Retry.execute(FAST, call);
        assertEquals(Result.ok("ok"), r);
        assertEquals(3, call.calls.get());
    }

    @Test
    void firstOkIsReturnedWithoutRetrying() {
        Counting call = new Counting(1);
        assertEquals(Result.ok("ok"), Retry.execute(FAST.withMaxAttempts(10), call));
        assertEquals(1, call.calls.get());
    }

    @Test
    void returnsTheLastErrAfterExactlyMaxAttemptsCalls() {
        Counting call = new Counting(Integer.MAX_VALUE);
        Result<String, String> r = Retry.execute(FAST.withMaxAttempts(4), call);
        assertEquals(Result.err("e4"), r);
        assertEquals(4, call.calls.get());
    }

    @Test
    void stopsAtOnceOnANonRetryableError() {
        Counting call = new Counting(Integer.MAX_VALUE);
        List<String> tested = new ArrayList<>();
        Result<String, String> r = Retry.execute(FAST.withMaxAttempts(10), call, e -> {
            tested.add(e);
            return !e.equals("e2");
        });
        assertEquals(Result.err("e2"), r);
        assertEquals(2, call.calls.get());
        assertEquals(List.of("e1", "e2"), tested);
    }

    @Test
    void retryableErrorsAreRetriedUntilOk() {
        Counting call = new Counting(3);
        assertEquals(Result.ok("ok"), Retry.execute(FAST, call, e -> true));
        assertEquals(3, call.calls.get());
    }

    @Test
    void noRetryCallsExactlyOnce() {
        Counting call = new Counting(Integer.MAX_VALUE);
        assertEquals(Result.err("e1"), Retry.execute(RetryPolicy.noRetry(), call));
        assertEquals(1, call.calls.get());

        Counting succeeds = new Counting(2);
        assertEquals(Result.err("e1"), Retry.execute(RetryPolicy.noRetry(), succeeds));
        assertEquals(1, succeeds.calls.get());
    }

    @Test
    void sleepsThePolicysDelayBetweenAttempts() {
        List<Long> slept = new ArrayList<>();
        Counting call = new Counting(Integer.MAX_VALUE);
        Result<String, String> r = Retry.execute(RetryPolicy.aggressive(), call, e -> true, slept::add);
        assertEquals(Result.err("e5"), r);
        assertEquals(5, call.calls.get());
        assertEquals(List.of(50L, 100L, 200L, 400L), slept);
    }

    @Test
    void zeroDelayDoesNotSleep() {
        List<Long> slept = new ArrayList<>();
        Counting call = new Counting(Integer.MAX_VALUE);
        Retry.execute(RetryPolicy.of(3, 0, 0, 1.0, Jitter.NONE), call, e -> true, slept::add);
        assertEquals(3, call.calls.get());
        assertTrue(slept.isEmpty(), slept.toString());
    }

    @Test
    void interruptedWhileSleepingRestoresTheFlagAndReturnsTheLastErr() {
        Counting call = new Counting(Integer.MAX_VALUE);
        Result<String, String> r = Retry.execute(RetryPolicy.defaults(), call, e -> true, millis -> {
            throw new InterruptedException();
        });
        assertEquals(Result.err("e1"), r);
        assertEquals(1, call.calls.get());
        assertTrue(Thread.interrupted(), "interrupt flag restored");
    }

    @Test
    void alreadyInterruptedThreadStopsRetryingWithRealSleep() {
        Thread.currentThread().interrupt();
        Counting call = new Counting(Integer.MAX_VALUE);
        Result<String, String> r = Retry.execute(FAST.withBaseDelayMs(1).withMaxAttempts(5), call);
        assertEquals(Result.err("e1"), r);
        assertEquals(1, call.calls.get());
        assertTrue(Thread.interrupted(), "interrupt flag kept");
    }

    @Test
    void alreadyInterruptedThreadStopsRetryingEvenWithoutDelay() {
        Thread.currentThread().interrupt();
        Counting call = new Counting(Integer.MAX_VALUE);
        Result<String, String> r = Retry.execute(RetryPolicy.of(5, 0, 0, 1.0, Jitter.NONE), call);
        assertEquals(Result.err("e1"), r);
        assertEquals(1, call.calls.get());
        assertTrue(Thread.interrupted(), "interrupt flag kept");
    }

    @Test
    void okReturnedDespiteInterruptFlag() {
        Thread.currentThread().interrupt();
        Counting call = new Counting(1);
        assertEquals(Result.ok("ok"), Retry.execute(FAST, call));
        assertTrue(Thread.interrupted());
    }

    @Test
    void theSameResultInstanceIsReturned() {
        Result<String, String> ok = Result.ok("v");
        assertSame(ok, Retry.execute(FAST, () -> ok));
        Result<String, String> err = Result.err("x");
        assertSame(err, Retry.execute(FAST, () -> err));
    }

    @Test
    void exceptionsFromTheCallPropagate() {
        AtomicInteger calls = new AtomicInteger();
        Supplier<Result<String, String>> call = () -> {
            calls.incrementAndGet();
            throw new IllegalStateException("boom");
        };
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Retry.execute(FAST, call));
        assertEquals("boom", e.getMessage());
        assertEquals(1, calls.get());
    }

    @Test
    void nullArgumentsAreRejectedNamingTheArgument() {
        Supplier<Result<String, String>> call = () -> Result.ok("v");
        assertNpe("policy", () -> Retry.execute(null, call));
        assertNpe("call", () -> Retry.<String, String>execute(FAST, null));
        assertNpe("policy", () -> Retry.execute(null, call, e -> true));
        assertNpe("call", () -> Retry.<String, String>execute(FAST, null, e -> true));
        assertNpe("retryable", () -> Retry.execute(FAST, call, null));
        assertNpe("null", () -> Retry.<String, String>execute(FAST, () -> null));
    }

    private static void assertNpe(String name, Runnable action) {
        NullPointerException e = assertThrows(NullPointerException.class, action::run);
        assertTrue(e.getMessage() != null && e.getMessage().contains(name), () -> String.valueOf(e.getMessage()));
        assertFalse(Thread.currentThread().isInterrupted());
    }
}
