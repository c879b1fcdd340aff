package io.distribute.internal;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * connect's merge requests: the first result is awaited 150 ms, each further one about twice as long up to 1.2 s, at a
 * random 50-100 %, so that coordinators merging at the same moment spread their next requests (and probes) apart.
 */
class MergePacingTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void waitsGrowToACapAndSpreadAtRandom() {
        Set<Long> capped = new HashSet<>();
        for (int run = 0; run < 200; run++) {
            MergePacing p = new MergePacing();
            assertEquals(150 * MS, p.wait, "the first request is a connect's normal case: no randomness");
            long base = 150 * MS;
            for (int i = 0; i < 8; i++) {
                p.next();
                base = Math.min(1200 * MS, base * 2);
                assertTrue(p.wait >= base / 2 && p.wait <= base, "wait " + p.wait / MS + " ms for base " + base / MS);
            }
            capped.add(p.wait / MS);
        }
        assertTrue(capped.size() > 50, "waits at the cap should spread over 600-1200 ms: " + capped.size() + " values");
    }
}
