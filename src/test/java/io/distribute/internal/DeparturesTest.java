package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
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
        assertEquals(Departure.UNRESPONSIVE, d.reasonFor(a));
    }

    @Test
    void aLeaveOutranksTheConnectionCloseThatFollowsIt() {
        d.record(a, Departure.LEFT);
        d.record(a, Departure.CRASHED);
        assertEquals(Departure.LEFT, d.reasonFor(a));
        assertTrue(d.left(a));
        assertFalse(d.left(b));
    }

    @Test
    void aLostConnectionExplainsOnlyARemovalThatFollowsClosely() {
        d.record(a, Departure.CRASHED);
        advance(9);
        assertEquals(Departure.CRASHED, d.reasonFor(a));
        advance(2);
        assertEquals(Departure.UNRESPONSIVE, d.reasonFor(a), "an old close says nothing about a later freeze");
    }

    @Test
    void aMemberThatAnsweredIsNotCrashed() {
        d.record(a, Departure.CRASHED);
        d.alive(a);
        assertEquals(Departure.UNRESPONSIVE, d.reasonFor(a));
        d.record(b, Departure.LEFT);
        d.alive(b);
        assertEquals(Departure.LEFT, d.reasonFor(b), "a leave stays a leave");
    }

    @Test
    void reasonsTravelOnTheViewAsExplicitCodes() {
        d.record(a, Departure.CRASHED);
        d.record(b, Departure.LEFT);
        NodeHeader h = d.header(NodeHeader.MAX_REASONS);
        Departures other = new Departures(now::get);
        other.learn(h);
        assertEquals(Departure.CRASHED, other.reasonFor(a));
        assertEquals(Departure.LEFT, other.reasonFor(b));
        assertEquals(List.of((byte) 1, (byte) 2, (byte) 3), Arrays.stream(Departure.values()).map(x -> x.code).toList(),
                "the wire codes are fixed");
        for (Departure r : Departure.values()) {
            assertEquals(r, Departure.of(r.code), "round trip of " + r);
        }
        assertNull(Departure.of((byte) 99), "an unknown code from a newer version is ignored");
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
