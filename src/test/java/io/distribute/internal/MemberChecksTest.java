package io.distribute.internal;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One check per member at a time, and a request made during a check is served by one more round, not dropped. */
class MemberChecksTest {

    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private final List<String> rounds = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(5, TimeUnit.SECONDS));
    }

    @Test
    void aRequestDuringACheckRunsItOnceMoreAfterwardsWithItsReportFlag() throws Exception {
        CountDownLatch inFirst = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        MemberChecks<String> checks = new MemberChecks<>(pool, (m, report) -> {
            rounds.add(m + ":" + report);
            if (rounds.size() == 1) {
                inFirst.countDown();
                hold(release);
            }
        });
        checks.request("b", false);
        assertTrue(inFirst.await(5, TimeUnit.SECONDS));
        // Three requests while the first round runs: one more round serves them all, reporting as one asked.
        checks.request("b", false);
        checks.request("b", true);
        checks.request("b", false);
        release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> checks.active() == 0);
        assertEquals(List.of("b:false", "b:true"), rounds);
    }

    @Test
    void requestsAfterARoundEndedStartANewOne() {
        MemberChecks<String> checks = new MemberChecks<>(pool, (m, report) -> rounds.add(m + ":" + report));
        checks.request("b", true);
        await().atMost(Duration.ofSeconds(5)).until(() -> checks.active() == 0 && rounds.size() == 1);
        checks.request("b", false);
        await().atMost(Duration.ofSeconds(5)).until(() -> checks.active() == 0 && rounds.size() == 2);
        assertEquals(List.of("b:true", "b:false"), rounds);
    }

    @Test
    void membersAreCheckedIndependently() throws Exception {
        CountDownLatch bothIn = new CountDownLatch(2);
        MemberChecks<String> checks = new MemberChecks<>(pool, (m, report) -> {
            rounds.add(m);
            bothIn.countDown();
            hold(bothIn); // each waits for the other: passes only if they run at the same time
        });
        checks.request("b", false);
        checks.request("c", false);
        await().atMost(Duration.ofSeconds(5)).until(() -> checks.active() == 0);
        assertEquals(2, rounds.size(), rounds.toString());
    }

    @Test
    void aFailingCheckOrAFullExecutorLeavesNothingBehind() {
        MemberChecks<String> failing = new MemberChecks<>(pool, (m, report) -> {
            rounds.add(m);
            throw new IllegalStateException("probe failed");
        });
        failing.request("b", false);
        await().atMost(Duration.ofSeconds(5)).until(() -> failing.active() == 0 && rounds.size() == 1);

        MemberChecks<String> refused = new MemberChecks<>(r -> {
            throw new RejectedExecutionException("full");
        }, (m, report) -> rounds.add(m));
        refused.request("c", false);
        assertEquals(0, refused.active());
        assertEquals(List.of("b"), rounds);
    }

    private static void hold(CountDownLatch latch) {
        try {
            if (!latch.await(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
