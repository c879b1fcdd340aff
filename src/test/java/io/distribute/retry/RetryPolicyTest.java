package io.distribute.retry;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class RetryPolicyTest {

    private static void assertSettings(RetryPolicy p, int attempts, long base, long max, double mult, Jitter jitter) {
        assertAll(
                () -> assertEquals(attempts, p.maxAttempts(), "maxAttempts"),
                () -> assertEquals(base, p.baseDelayMs(), "baseDelayMs"),
                () -> assertEquals(max, p.maxDelayMs(), "maxDelayMs"),
                () -> assertEquals(mult, p.multiplier(), "multiplier"),
                () -> assertEquals(jitter, p.jitter(), "jitter"));
    }

    // ------------------------------------------------------------------------------------------ presets

    @Test
    void presetsHaveTheDocumentedSettings() {
        assertSettings(RetryPolicy.defaults(), 3, 100, 5000, 2.0, Jitter.NONE);
        assertSettings(RetryPolicy.defaultWithJitter(), 3, 100, 5000, 2.0, Jitter.FULL);
        assertSettings(RetryPolicy.aggressive(), 5, 50, 3000, 2.0, Jitter.NONE);
        assertSettings(RetryPolicy.conservative(), 2, 500, 10000, 2.0, Jitter.NONE);
        assertSettings(RetryPolicy.noRetry(), 1, 0, 0, 1.0, Jitter.NONE);
    }

    @Test
    void noRetryNeverRetries() {
        RetryPolicy p = RetryPolicy.noRetry();
        assertFalse(p.shouldRetry(1));
        assertEquals(0, p.delayMs(1));
        assertTrue(p.calculateDelay(1).isFinalAttempt());
    }

    @Test
    void ofBuildsAndValidatesAllSettingsTogether() {
        assertSettings(RetryPolicy.of(4, 10, 20, 1.5, Jitter.EQUAL), 4, 10, 20, 1.5, Jitter.EQUAL);
        assertEquals(RetryPolicy.defaults(), RetryPolicy.of(3, 100, 5000, 2.0, Jitter.NONE));
        assertMessageNames("maxAttempts", "0", () -> RetryPolicy.of(0, 10, 20, 2.0, Jitter.NONE));
        assertMessageNames("baseDelayMs", "-1", () -> RetryPolicy.of(1, -1, 20, 2.0, Jitter.NONE));
        assertMessageNames("maxDelayMs", "-1", () -> RetryPolicy.of(1, 0, -1, 2.0, Jitter.NONE));
        assertMessageNames("maxDelayMs", "5", () -> RetryPolicy.of(1, 10, 5, 2.0, Jitter.NONE));
        assertMessageNames("multiplier", "0.5", () -> RetryPolicy.of(1, 10, 20, 0.5, Jitter.NONE));
        assertMessageNames("jitter", "null", () -> RetryPolicy.of(1, 10, 20, 2.0, null));
    }

    // ------------------------------------------------------------------------------------------ withers

    @Test
    void withersReturnNewInstancesAndLeaveTheOriginalUnchanged() {
        RetryPolicy original = RetryPolicy.defaults();
        RetryPolicy changed = original
                .withMaxAttempts(7)
                .withMaxDelayMs(9000)
                .withBaseDelayMs(250)
                .withMultiplier(1.5)
                .withJitter(Jitter.DECORRELATED)
                .withRandom(new Random(1));
        assertSettings(changed, 7, 250, 9000, 1.5, Jitter.DECORRELATED);
        assertSettings(original, 3, 100, 5000, 2.0, Jitter.NONE);
        assertSettings(RetryPolicy.defaults(), 3, 100, 5000, 2.0, Jitter.NONE);
    }

    @Test
    void eachWitherChangesOnlyItsSetting() {
        RetryPolicy d = RetryPolicy.defaults();
        assertSettings(d.withMaxAttempts(1), 1, 100, 5000, 2.0, Jitter.NONE);
        assertSettings(d.withBaseDelayMs(0), 3, 0, 5000, 2.0, Jitter.NONE);
        assertSettings(d.withBaseDelayMs(5000), 3, 5000, 5000, 2.0, Jitter.NONE);
        assertSettings(d.withMaxDelayMs(100), 3, 100, 100, 2.0, Jitter.NONE);
        assertSettings(d.withMultiplier(1.0), 3, 100, 5000, 1.0, Jitter.NONE);
        assertSettings(d.withJitter(Jitter.EQUAL), 3, 100, 5000, 2.0, Jitter.EQUAL);
        assertSettings(d.withRandom(new Random(3)), 3, 100, 5000, 2.0, Jitter.NONE);
        assertSettings(d.withRandom(null), 3, 100, 5000, 2.0, Jitter.NONE);
    }

    static Stream<Arguments> invalidSettings() {
        return Stream.of(
                Arguments.of("maxAttempts", "0", (Function<RetryPolicy, RetryPolicy>) p -> p.withMaxAttempts(0)),
                Arguments.of("maxAttempts", "-3", (Function<RetryPolicy, RetryPolicy>) p -> p.withMaxAttempts(-3)),
                Arguments.of("maxAttempts", String.valueOf(Integer.MIN_VALUE),
                        (Function<RetryPolicy, RetryPolicy>) p -> p.withMaxAttempts(Integer.MIN_VALUE)),
                Arguments.of("baseDelayMs", "-1", (Function<RetryPolicy, RetryPolicy>) p -> p.withBaseDelayMs(-1)),
                Arguments.of("baseDelayMs", "5001",
                        (Function<RetryPolicy, RetryPolicy>) p -> p.withBaseDelayMs(5001)),
                Arguments.of("maxDelayMs", "-1", (Function<RetryPolicy, RetryPolicy>) p -> p.withMaxDelayMs(-1)),
                Arguments.of("maxDelayMs", "99", (Function<RetryPolicy, RetryPolicy>) p -> p.withMaxDelayMs(99)),
                Arguments.of("multiplier", "0.99",
                        (Function<RetryPolicy, RetryPolicy>) p -> p.withMultiplier(0.99)),
                Arguments.of("multiplier", "0.0", (Function<RetryPolicy, RetryPolicy>) p -> p.withMultiplier(0.0)),
                Arguments.of("multiplier", "-2.0",
                        (Function<RetryPolicy, RetryPolicy>) p -> p.withMultiplier(-2.0)),
                Arguments.of("multiplier", "NaN",
                        (Function<RetryPolicy, RetryPolicy>) p -> p.withMultiplier(Double.NaN)),
                Arguments.of("multiplier", "Infinity",
                        (Function<RetryPolicy, RetryPolicy>) p -> p.withMultiplier(Double.POSITIVE_INFINITY)),
                Arguments.of("jitter", "null", (Function<RetryPolicy, RetryPolicy>) p -> p.withJitter(null)));
    }

    @ParameterizedTest(name = "{0} = {1} is rejected")
    @MethodSource("invalidSettings")
    void withersRejectInvalidValuesNamingTheSettingAndTheValue(String setting, String value,
            Function<RetryPolicy, RetryPolicy> wither) {
        assertMessageNames(setting, value, () -> wither.apply(RetryPolicy.defaults()));
    }

    @Test
    void baseAboveMaxAndMaxBelowBaseAreRejectedWithBothValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RetryPolicy.noRetry().withBaseDelayMs(100));
        assertTrue(e.getMessage().contains("baseDelayMs") && e.getMessage().contains("maxDelayMs"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RetryPolicy.conservative().withMaxDelayMs(499));
        assertTrue(e.getMessage().contains("maxDelayMs") && e.getMessage().contains("500"), e.getMessage());
        // In the right order the same change succeeds.
        assertSettings(RetryPolicy.noRetry().withMaxDelayMs(1000).withBaseDelayMs(100), 1, 100, 1000, 1.0,
                Jitter.NONE);
    }

    private static void assertMessageNames(String setting, String value, Runnable action) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action::run);
        assertTrue(e.getMessage().contains(setting), () -> "message lacks '" + setting + "': " + e.getMessage());
        assertTrue(e.getMessage().contains(value), () -> "message lacks '" + value + "': " + e.getMessage());
    }

    // ------------------------------------------------------------------------------------------ Object

    @Test
    void equalsHashCodeAndToStringCoverTheSettings() {
        RetryPolicy a = RetryPolicy.defaults().withMaxAttempts(4);
        RetryPolicy b = RetryPolicy.of(4, 100, 5000, 2.0, Jitter.NONE);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(a, a.withRandom(new Random(1)), "the random source is not a setting");
        assertNotEquals(a, RetryPolicy.defaults());
        assertNotEquals(RetryPolicy.defaults(), RetryPolicy.defaultWithJitter());
        assertNotEquals(RetryPolicy.defaults(), RetryPolicy.defaults().withMultiplier(2.5));
        assertNotEquals(RetryPolicy.defaults(), RetryPolicy.defaults().withBaseDelayMs(101));
        assertNotEquals(RetryPolicy.defaults(), RetryPolicy.defaults().withMaxDelayMs(5001));
        assertNotEquals(RetryPolicy.defaults(), null);
        assertNotEquals(RetryPolicy.defaults(), "RetryPolicy");
        assertEquals("RetryPolicy[maxAttempts=3, baseDelayMs=100, maxDelayMs=5000, multiplier=2.0, jitter=NONE]",
                RetryPolicy.defaults().toString());
        assertSame(RetryPolicy.defaults(), RetryPolicy.defaults());
    }

    // ------------------------------------------------------------------------------------------ shouldRetry

    @Test
    void shouldRetryIsTrueExactlyBelowMaxAttempts() {
        RetryPolicy p = RetryPolicy.defaults(); // 3 attempts
        assertFalse(p.shouldRetry(Integer.MIN_VALUE));
        assertFalse(p.shouldRetry(-1));
        assertFalse(p.shouldRetry(0));
        assertTrue(p.shouldRetry(1));
        assertTrue(p.shouldRetry(2));
        assertFalse(p.shouldRetry(3));
        assertFalse(p.shouldRetry(4));
        assertFalse(p.shouldRetry(Integer.MAX_VALUE));
        RetryPolicy many = p.withMaxAttempts(Integer.MAX_VALUE);
        assertTrue(many.shouldRetry(Integer.MAX_VALUE - 1));
        assertFalse(many.shouldRetry(Integer.MAX_VALUE));
    }

    // ------------------------------------------------------------------------------------------ delays

    @Test
    void delaysGrowExponentiallyUpToTheCap() {
        RetryPolicy p = RetryPolicy.defaults(); // 100 ms * 2^(n-1), max 5000
        long[] expected = {100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000};
        for (int attempt = 1; attempt <= expected.length; attempt++) {
            assertEquals(expected[attempt - 1], p.delayMs(attempt), "attempt " + attempt);
        }
        RetryPolicy oneAndAHalf = RetryPolicy.of(10, 100, 1000, 1.5, Jitter.NONE);
        assertEquals(100, oneAndAHalf.delayMs(1));
        assertEquals(150, oneAndAHalf.delayMs(2));
        assertEquals(225, oneAndAHalf.delayMs(3));
        assertEquals(338, oneAndAHalf.delayMs(4)); // 337.5 rounds to nearest
        assertEquals(1000, oneAndAHalf.delayMs(7)); // 1139.0625 capped
    }

    @Test
    void constantDelayWithMultiplierOne() {
        RetryPolicy p = RetryPolicy.defaults().withMultiplier(1.0);
        for (int attempt : new int[] {1, 2, 10, 1000, Integer.MAX_VALUE}) {
            assertEquals(100, p.delayMs(attempt));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {63, 64, 100, 1000, 1_000_000, Integer.MAX_VALUE})
    void largeAttemptsAreCappedWithoutOverflow(int attempt) {
        assertEquals(5000, RetryPolicy.defaults().delayMs(attempt));
        RetryPolicy huge = RetryPolicy.of(3, 1, Long.MAX_VALUE, 10.0, Jitter.NONE);
        assertEquals(Long.MAX_VALUE, huge.delayMs(attempt));
        Delay d = huge.calculateDelay(attempt);
        assertEquals(Long.MAX_VALUE, d.baseDelayMs());
        for (Jitter jitter : Jitter.values()) {
            long delay = huge.withJitter(jitter).withRandom(new Random(attempt)).delayMs(attempt);
            assertTrue(delay >= 0, jitter + " gave " + delay);
        }
    }

    @Test
    void attempt1000IsCappedForEveryPreset() {
        for (RetryPolicy p : new RetryPolicy[] {RetryPolicy.defaults(), RetryPolicy.aggressive(),
                RetryPolicy.conservative(), RetryPolicy.noRetry()}) {
            assertEquals(p.maxDelayMs(), p.delayMs(1000), p.toString());
        }
    }

    @Test
    void zeroBaseDelayIsAlwaysZero() {
        RetryPolicy p = RetryPolicy.defaults().withBaseDelayMs(0).withRandom(new Random(5));
        for (Jitter jitter : Jitter.values()) {
            for (int attempt = 1; attempt <= 100; attempt++) {
                assertEquals(0, p.withJitter(jitter).delayMs(attempt), jitter + " attempt " + attempt);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    void invalidAttemptIsRejected(int attempt) {
        for (Jitter jitter : Jitter.values()) {
            RetryPolicy p = RetryPolicy.defaults().withJitter(jitter);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.delayMs(attempt));
            assertTrue(e.getMessage().contains("attempt") && e.getMessage().contains(String.valueOf(attempt)),
                    e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> p.calculateDelay(attempt));
        }
    }

    // ------------------------------------------------------------------------------------------ calculateDelay

    @Test
    void calculateDelayReportsMetadata() {
        RetryPolicy p = RetryPolicy.defaults();
        assertEquals(new Delay(100, 100, 1, false), p.calculateDelay(1));
        assertEquals(new Delay(200, 200, 2, false), p.calculateDelay(2));
        assertEquals(new Delay(400, 400, 3, true), p.calculateDelay(3));
        assertEquals(new Delay(5000, 5000, 50, true), p.calculateDelay(50));
    }

    @Test
    void calculateDelayBaseIsUnjitteredAndDelayIsWithinJitterBounds() {
        RetryPolicy p = RetryPolicy.aggressive().withJitter(Jitter.FULL).withRandom(new Random(11));
        for (int attempt = 1; attempt <= 20; attempt++) {
            Delay d = p.calculateDelay(attempt);
            assertEquals(Math.min(3000, 50L << Math.min(attempt - 1, 20)), d.baseDelayMs(), "attempt " + attempt);
            assertTrue(d.delayMs() >= 0 && d.delayMs() <= d.baseDelayMs(), d.toString());
            assertEquals(attempt, d.attempt());
            assertEquals(attempt >= 5, d.isFinalAttempt());
        }
    }

    @Test
    void delayRecordRejectsInvalidComponents() {
        assertThrows(IllegalArgumentException.class, () -> new Delay(-1, 0, 1, false));
        assertThrows(IllegalArgumentException.class, () -> new Delay(0, -1, 1, false));
        assertThrows(IllegalArgumentException.class, () -> new Delay(0, 0, 0, false));
    }
}
