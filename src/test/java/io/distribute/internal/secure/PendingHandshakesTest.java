package io.distribute.internal.secure;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two stages of pending handshakes and who makes room at a cap, without sockets. */
class PendingHandshakesTest {

    private static InetAddress ip(int last) throws Exception {
        return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
    }

    @Test
    void atTheSourceCapTheOldestUnprovenOfThatSourceMakesRoom() throws Exception {
        PendingHandshakes<String> p = new PendingHandshakes<>();
        for (int i = 0; i < PendingHandshakes.MAX_UNPROVEN_PER_SOURCE; i++) {
            assertNull(p.admit("a" + i, ip(1)));
        }
        assertEquals("a0", p.admit("new", ip(1)));
        assertFalse(p.release("a0"), "an evicted connection is no longer pending");
        assertEquals(PendingHandshakes.MAX_UNPROVEN_PER_SOURCE, p.size());
    }

    @Test
    void provenConnectionsNoLongerCountAgainstTheSourceCap() throws Exception {
        PendingHandshakes<String> p = new PendingHandshakes<>();
        // 31 cookie holders on one host connecting at once: each proves its key soon after its connect.
        for (int i = 0; i < 31; i++) {
            assertNull(p.admit("n" + i, ip(1)), "node " + i + " evicted someone");
            assertNull(p.prove("n" + i));
        }
        assertEquals(31, p.size());
        assertEquals(0, p.unproven());
        for (int i = 0; i < 31; i++) {
            assertTrue(p.release("n" + i));
        }
        assertEquals(0, p.size());
    }

    @Test
    void aFloodFromManySourcesEvictsFromTheBiggestAndNeverAProvenOne() throws Exception {
        PendingHandshakes<String> p = new PendingHandshakes<>();
        p.admit("holder", ip(200));
        p.prove("holder");
        int evicted = 0;
        for (int i = 0; i < 1000; i++) {
            String e = p.admit("f" + i, ip(2 + i % 49));
            assertTrue(e == null || e.startsWith("f"), "evicted " + e);
            evicted += e == null ? 0 : 1;
        }
        assertEquals(PendingHandshakes.MAX_UNPROVEN, p.unproven());
        assertEquals(1000 - PendingHandshakes.MAX_UNPROVEN, evicted);
        assertTrue(p.release("holder"), "the proven connection stayed");
        // A newcomer from a quiet source still gets in; someone from a crowded one made room.
        String e = p.admit("late", ip(201));
        assertTrue(e != null && e.startsWith("f"));
        assertNull(p.prove("late"));
    }

    @Test
    void theProvenStageHasItsOwnCapAndEvictsItsOldest() throws Exception {
        PendingHandshakes<String> p = new PendingHandshakes<>();
        for (int i = 0; i < PendingHandshakes.MAX_PROVEN; i++) {
            p.admit("r" + i, ip(1 + i % 4)); // replayed ClientHellos, say
            assertNull(p.prove("r" + i));
        }
        p.admit("x", ip(9));
        assertEquals("r0", p.prove("x"));
        assertEquals(PendingHandshakes.MAX_PROVEN, p.size());
        assertNull(p.prove("r0"), "an evicted connection cannot be proven");
    }
}
