package io.distribute.internal;

import io.distribute.cluster.DownReason;
import org.jgroups.Address;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a node reports as the reason of a departure, on a fake clock: no JGroups channel involved. */
class DeparturesTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final Departures d = new Departures(now::get);
    private final Address a = UUID.randomUUID();
    private final Address b = UUID.randomUUID();

    private void advance(long seconds) {
        now.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
    }

    @Test
    void nothingObservedMeansUnresponsive() {
        assertEquals(DownReason.UNRESPONSIVE, d.reasonFor(a));
    }

    @Test
    void aLeaveOutranksTheConnectionCloseThatFollowsIt() {
        d.record(a, DownReason.LEFT);
        d.record(a, DownReason.CRASHED);
        assertEquals(DownReason.LEFT, d.reasonFor(a));
        assertTrue(d.left(a));
        assertFalse(d.left(b));
    }

    @Test
    void aLostConnectionExplainsOnlyARemovalThatFollowsClosely() {
        d.record(a, DownReason.CRASHED);
        advance(9);
        assertEquals(DownReason.CRASHED, d.reasonFor(a));
        advance(2);
        assertEquals(DownReason.UNRESPONSIVE, d.reasonFor(a), "an old close says nothing about a later freeze");
    }

    @Test
    void aMemberThatAnsweredIsNotCrashed() {
        d.record(a, DownReason.CRASHED);
        d.alive(a);
        assertEquals(DownReason.UNRESPONSIVE, d.reasonFor(a));
        d.record(b, DownReason.LEFT);
        d.alive(b);
        assertEquals(DownReason.LEFT, d.reasonFor(b), "a leave stays a leave");
    }

    @Test
    void reasonsTravelOnTheViewAsExplicitCodes() {
        d.record(a, DownReason.CRASHED);
        d.record(b, DownReason.LEFT);
        NodeHeader h = d.header(NodeHeader.MAX_REASONS);
        Departures other = new Departures(now::get);
        other.learn(h);
        assertEquals(DownReason.CRASHED, other.reasonFor(a));
        assertEquals(DownReason.LEFT, other.reasonFor(b));
        for (DownReason r : DownReason.values()) {
            assertEquals(r, Departures.reason(Departures.code(r)), "round trip of " + r);
        }
        assertNull(Departures.reason((byte) 99), "an unknown code from a newer version is ignored");
        advance(61);
        assertNull(d.header(NodeHeader.MAX_REASONS), "expired observations are not sent");
        d.sweep();
        assertEquals(0, d.size());
    }

    @Test
    void theCrashWatchFollowsTheRing() {
        Address c = UUID.randomUUID();
        assertEquals(b, CrashWatch.successor(List.of(a, b, c), a));
        assertEquals(a, CrashWatch.successor(List.of(a, b, c), c));
        assertNull(CrashWatch.successor(List.of(a), a), "alone: nobody to watch");
        assertNull(CrashWatch.successor(List.of(b, c), a), "not a member: nobody to watch");
    }
}
