package io.distribute.internal.secure;

import io.distribute.internal.secure.DatagramSeal.Drop;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The seal's cryptography, replay window, epochs and sender table, without sockets and on a fake clock. */
class DatagramSealTest {

    private static final InetSocketAddress A = new InetSocketAddress("127.0.0.1", 7800);

    private static byte[] key(int seed) {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) seed);
        return k;
    }

    private static DatagramSeal seal(long clockMillis) {
        return new DatagramSeal(key(1), () -> clockMillis);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] seal(DatagramSeal s, InetSocketAddress sender, String text) {
        byte[] b = bytes(text);
        return s.seal(sender, b, 0, b.length);
    }

    private static byte[] open(DatagramSeal r, InetSocketAddress from, byte[] d) {
        return r.open(from, d, 0, d.length);
    }

    @Test
    void roundTripHonoursOffsetsAndHidesTheKey() {
        DatagramSeal s = seal(1_000);
        DatagramSeal r = seal(5_000);
        byte[] buf = bytes("xxhello worldyy");
        byte[] d = s.seal(A, buf, 2, 11);
        assertEquals(11 + DatagramSeal.OVERHEAD, d.length);
        byte[] shifted = new byte[d.length + 9];
        System.arraycopy(d, 0, shifted, 7, d.length);
        assertArrayEquals(bytes("hello world"), r.open(A, shifted, 7, d.length));
        assertArrayEquals(new byte[0], open(r, A, s.seal(A, buf, 0, 0)));
        assertEquals(2, r.opened());
        assertEquals(0, r.dropped());
        assertTrue(r.toString().contains("redacted"), r.toString());
        assertFalse(r.toString().contains("0101010101"), r.toString());
    }

    @Test
    void keyIsCheckedAndCopied() {
        assertThrows(IllegalArgumentException.class, () -> new DatagramSeal(new byte[31]));
        byte[] k = key(1);
        DatagramSeal s = new DatagramSeal(k, () -> 1_000);
        Arrays.fill(k, (byte) 9);
        assertArrayEquals(bytes("copied"), open(seal(2_000), A, seal(s, A, "copied")));
    }

    @Test
    void anyFlippedBitOrTruncationIsDropped() {
        DatagramSeal s = seal(1_000);
        DatagramSeal r = seal(2_000);
        byte[] d = seal(s, A, "payload-123");
        for (int bit = 0; bit < d.length * 8; bit++) {
            byte[] t = d.clone();
            t[bit / 8] ^= (byte) (1 << (bit % 8));
            assertNull(open(r, A, t), "bit " + bit);
        }
        for (int len = 0; len < d.length; len++) {
            assertNull(r.open(A, d, 0, len), "length " + len);
        }
        assertEquals(d.length * 9L, r.dropped());
        assertEquals(0, r.senders());
        assertArrayEquals(bytes("payload-123"), open(r, A, d));
    }

    @Test
    void otherKeyOrOtherSourceAddressDoesNotOpen() {
        DatagramSeal s = seal(1_000);
        DatagramSeal r = seal(2_000);
        DatagramSeal other = new DatagramSeal(key(2), () -> 1_000);
        assertNull(open(r, A, seal(other, A, "x")));
        byte[] d = seal(s, A, "y");
        assertNull(open(r, new InetSocketAddress("127.0.0.1", 7801), d));
        assertNull(open(r, new InetSocketAddress("127.0.0.2", 7800), d));
        assertNull(open(r, new InetSocketAddress("::1", 7800), d));
        assertEquals(4, r.dropped(Drop.FORGED));
        assertArrayEquals(bytes("y"), open(r, A, d));
    }

    @Test
    void exactReplayIsDropped() {
        DatagramSeal s = seal(1_000);
        DatagramSeal r = seal(2_000);
        byte[] d = seal(s, A, "once");
        assertNotNull(open(r, A, d));
        assertNull(open(r, A, d));
        assertEquals(1, r.dropped(Drop.REPLAYED));
    }

    @Test
    void reorderedWithinTheWindowOpensOnceEach() {
        DatagramSeal s = seal(1_000);
        DatagramSeal r = seal(2_000);
        List<byte[]> ds = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ds.add(seal(s, A, "m" + i));
        }
        Collections.shuffle(ds, new Random(42));
        ds.forEach(d -> assertNotNull(open(r, A, d)));
        ds.forEach(d -> assertNull(open(r, A, d)));
        assertEquals(300, r.opened());
        assertEquals(300, r.dropped(Drop.REPLAYED));
    }

    @Test
    void olderThanTheWindowIsDropped() {
        DatagramSeal s = seal(1_000);
        DatagramSeal r = seal(2_000);
        byte[][] d = new byte[ReplayWindow.SIZE + 2][];
        for (int i = 0; i < d.length; i++) {
            d[i] = seal(s, A, "m" + i);
        }
        assertNotNull(open(r, A, d[ReplayWindow.SIZE + 1])); // top = 1025
        assertNull(open(r, A, d[0]));
        assertNull(open(r, A, d[1]));                          // 1024 below the top: out of the window
        assertNotNull(open(r, A, d[2]));                       // 1023 below: still in it
        assertNotNull(open(r, A, d[ReplayWindow.SIZE]));
        assertNull(open(r, A, d[2]));
        assertEquals(3, r.dropped(Drop.REPLAYED));
    }

    @Test
    void newerEpochIsARestartAndTheOldEpochIsThenRefused() {
        DatagramSeal before = seal(1_000);
        DatagramSeal after = seal(2_000);
        DatagramSeal r = seal(3_000);
        seal(before, A, "old-1");
        byte[] old2 = seal(before, A, "old-2");
        assertNotNull(open(r, A, seal(before, A, "old-3")));
        assertArrayEquals(bytes("new-1"), open(r, A, seal(after, A, "new-1"))); // sequence 0 again, new window
        assertNull(open(r, A, old2));
        assertNull(open(r, A, seal(before, A, "old-4")));
        assertEquals(2, r.dropped(Drop.STALE_EPOCH));
        assertNotNull(open(r, A, seal(after, A, "new-2")));
        assertEquals(1, r.senders());
    }

    @Test
    void epochsOfTheSameMillisecondCompareByTheirRandomPart() {
        DatagramSeal x = seal(1_000);
        DatagramSeal y = seal(1_000);
        byte[] dx = seal(x, A, "x");
        byte[] dy = seal(y, A, "y");
        Comparator<byte[]> byRandom = Comparator.comparing(d -> Arrays.copyOfRange(d, 10, 18), Arrays::compareUnsigned);
        byte[] newer = byRandom.compare(dx, dy) > 0 ? dx : dy;
        byte[] older = newer == dx ? dy : dx;
        DatagramSeal r = seal(2_000);
        assertNotNull(open(r, A, newer));
        assertNull(open(r, A, older));
        assertEquals(1, r.dropped(Drop.STALE_EPOCH));
    }

    @Test
    void unauthenticatedDatagramsCreateNoState() {
        DatagramSeal r = seal(2_000);
        DatagramSeal forger = new DatagramSeal(key(2), () -> 1_000);
        byte[] magic = Arrays.copyOf(seal(seal(1_000), A, "m"), 2);
        Random random = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            InetSocketAddress from = new InetSocketAddress("127.0." + (i >> 8) + "." + (i & 255), 1000 + i);
            assertNull(open(r, from, seal(forger, from, "forged " + i)));
            byte[] garbage = new byte[60 + random.nextInt(100)];
            random.nextBytes(garbage);
            System.arraycopy(magic, 0, garbage, 0, 2);
            garbage[DatagramSeal.HEADER_BYTES - 8] &= 0x3F; // a possible sequence number: reaches the cipher
            assertNull(open(r, from, garbage));
        }
        assertEquals(0, r.senders());
        assertEquals(20_000, r.dropped(Drop.FORGED));
    }

    @Test
    void senderTableIsBoundedAndEvictsTheLeastRecentlyUsed() {
        DatagramSeal s = seal(1_000);
        DatagramSeal r = new DatagramSeal(key(1), () -> 2_000, 16);
        byte[][] first = new byte[17][];
        for (int i = 0; i < 16; i++) {
            first[i] = seal(s, port(i), "a");
            assertNotNull(open(r, port(i), first[i]));
        }
        assertNotNull(open(r, port(0), seal(s, port(0), "b"))); // 0 used again: 1 is now the least recent
        assertNotNull(open(r, port(16), seal(s, port(16), "c")));
        assertEquals(16, r.senders());
        assertNull(open(r, port(0), first[0]));     // still remembered
        assertNotNull(open(r, port(1), first[1]));  // evicted, so forgotten (the table's documented limit)
        assertEquals(16, r.senders());
    }

    private static InetSocketAddress port(int i) {
        return new InetSocketAddress("127.0.0.1", 10_000 + i);
    }

    @Test
    void concurrentSealsUseDistinctSequenceNumbersAndAllOpenOnce() throws Exception {
        DatagramSeal s = seal(1_000);
        int threads = 8;
        int each = 50_000 / threads;
        ConcurrentLinkedQueue<byte[]> sealed = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < each; i++) {
                        sealed.add(seal(s, A, id + ":" + i));
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        List<byte[]> all = new ArrayList<>(sealed);
        assertEquals(threads * each, all.size());
        Set<Long> sequences = new HashSet<>();
        all.forEach(d -> sequences.add(DatagramSeal.sequenceOf(d)));
        assertEquals(all.size(), sequences.size(), "a sequence number (so a nonce) was used twice");
        all.sort(Comparator.comparingLong(DatagramSeal::sequenceOf));
        DatagramSeal r = seal(2_000);
        Set<String> payloads = new HashSet<>();
        for (byte[] d : all) {
            payloads.add(new String(open(r, A, d), StandardCharsets.UTF_8));
        }
        assertEquals(all.size(), payloads.size());
        all.subList(all.size() - 100, all.size()).forEach(d -> assertNull(open(r, A, d)));
        assertEquals(all.size(), r.opened());
    }

    @Test
    void sealingStopsAtTheSequenceLimit() {
        DatagramSeal s = seal(1_000);
        s.nextSequenceForTest(DatagramSeal.MAX_SEQUENCE - 1);
        byte[] last = seal(s, A, "last");
        assertEquals(DatagramSeal.MAX_SEQUENCE - 1, DatagramSeal.sequenceOf(last));
        assertArrayEquals(bytes("last"), open(seal(2_000), A, last));
        assertThrows(IllegalStateException.class, () -> seal(s, A, "one too many"));
        assertThrows(IllegalStateException.class, () -> seal(s, A, "still refused"));
    }
}
