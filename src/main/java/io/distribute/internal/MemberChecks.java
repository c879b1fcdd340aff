package io.distribute.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;

/**
 * Runs at most one check per member at a time, and loses no request: one made while that member's check runs makes
 * it run once more when it ends. A crash's hint can arrive while an earlier check is still probing a process that
 * was alive then (a duplicate connection closed a moment before the kill); dropping that hint would leave the crash
 * to the failure-detection timeout.
 *
 * @param <M> the member type
 */
final class MemberChecks<M> {

    private static final Logger LOG = LoggerFactory.getLogger(MemberChecks.class);

    /** A member's runner is scheduled or running; {@code pending}: a round is asked for that has not started. */
    private record State(boolean pending, boolean report) {}

    private final ConcurrentHashMap<M, State> members = new ConcurrentHashMap<>();
    private final Executor executor;
    private final BiConsumer<M, Boolean> check;

    /** @param check checks a member; the flag is true when a request that round serves asked for a report */
    MemberChecks(Executor executor, BiConsumer<M, Boolean> check) {
        this.executor = executor;
        this.check = check;
    }

    /** Checks {@code member} now, or once more when its running check ends. */
    void request(M member, boolean report) {
        boolean[] start = {false};
        members.compute(member, (m, cur) -> {
            if (cur == null) {
                start[0] = true;
                return new State(true, report);
            }
            return new State(true, report || (cur.pending && cur.report));
        });
        if (start[0]) {
            try {
                executor.execute(() -> run(member));
            } catch (RejectedExecutionException e) {
                members.remove(member);
            }
        }
    }

    /** How many members have a check scheduled or running (for tests). */
    int active() {
        return members.size();
    }

    private void run(M member) {
        while (true) {
            boolean[] report = {false};
            members.computeIfPresent(member, (m, cur) -> {
                report[0] = cur.report;
                return new State(false, false);
            });
            boolean again;
            try {
                check.accept(member, report[0]);
            } catch (RuntimeException e) {
                LOG.warn("check of {} failed: {}", member, e.toString());
            } finally {
                // This runner ends unless a request came in meanwhile.
                again = members.computeIfPresent(member, (m, cur) -> cur.pending ? cur : null) != null;
            }
            if (!again) {
                return;
            }
        }
    }
}
