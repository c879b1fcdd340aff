package io.distribute.retry;

/**
 * The rule each {@link RetryPolicy} setting, and the attempt number its schedule is asked about, must follow. A value
 * that breaks it is refused with an {@link IllegalArgumentException} naming the setting and the value. The rule
 * between the base and the maximum delay stays with the methods that set them: its message says which to change first.
 */
final class PolicyChecks {

    private PolicyChecks() {
    }

    static void checkAttempt(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1, was " + attempt);
        }
    }

    static void checkMaxAttempts(int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
        }
    }

    static void checkBaseDelayMs(long baseDelayMs) {
        if (baseDelayMs < 0) {
            throw new IllegalArgumentException("baseDelayMs must be >= 0, was " + baseDelayMs);
        }
    }

    static void checkMaxDelayMs(long maxDelayMs) {
        if (maxDelayMs < 0) {
            throw new IllegalArgumentException("maxDelayMs must be >= 0, was " + maxDelayMs);
        }
    }

    static void checkMultiplier(double multiplier) {
        if (!Double.isFinite(multiplier) || multiplier < 1.0) {
            throw new IllegalArgumentException("multiplier must be finite and >= 1.0, was " + multiplier);
        }
    }

    static void checkJitter(Jitter jitter) {
        if (jitter == null) {
            throw new IllegalArgumentException("jitter must not be null, was null");
        }
    }
}
