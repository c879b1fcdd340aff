package io.distribute.internal;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The queue in front of a connection being opened, with an in-memory sender: the caller's thread never waits for the
 * opening, messages reach the peer in the order given, and a failed opening costs the messages queued behind it only.
 */
class ConnectionOpenerTest {

    private final List<String> sent = Collections.synchronizedList(new ArrayList<>());

    private static byte[] msg(String s) {
        return ("xx" + s).getBytes(); // an offset of 2, as the bundler's buffers have
    }

    private void record(String peer, byte[] data, int offset, int length) {
        sent.add(peer + ":" + new String(data, offset, length));
    }

    @Test
    void theCallerDoesNotWaitForTheOpeningAndOrderIsKept() throws Exception {
        CountDownLatch opening = new CountDownLatch(1);
        AtomicBoolean open = new AtomicBoolean();
        try (ConnectionOpener<String> o = new ConnectionOpener<>((peer, d, off, len) -> {
            if (!open.get()) {
                assertTrue(opening.await(5, TimeUnit.SECONDS)); // a handshake that takes a while
                open.set(true);
            }
            record(peer, d, off, len);
        }, "test")) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                assertTrue(o.offer("b", false, msg("m" + i), 2, 2), "queued behind the opening");
            }
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1), "the caller was held up");
            assertEquals(List.of(), sent);
            opening.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> sent.size() == 5);
            assertEquals(List.of("b:m0", "b:m1", "b:m2", "b:m3", "b:m4"), sent);
            // Open and nothing queued: the caller sends itself.
            await().atMost(Duration.ofSeconds(5)).until(() -> !o.offer("b", true, msg("m5"), 2, 2));
        }
    }

    @Test
    void aFailedOpeningDropsTheQueuedBatchAndTheNextMessageTriesAgain() throws Exception {
        AtomicBoolean refuse = new AtomicBoolean(true);
        CountDownLatch firstTry = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (ConnectionOpener<String> o = new ConnectionOpener<>((peer, d, off, len) -> {
            if (refuse.get()) {
                firstTry.countDown();
                assertTrue(release.await(5, TimeUnit.SECONDS));
                throw new IOException("TLS handshake not finished in time");
            }
            record(peer, d, off, len);
        }, "test")) {
            o.offer("b", false, msg("a1"), 2, 2);
            assertTrue(firstTry.await(5, TimeUnit.SECONDS));
            o.offer("b", false, msg("a2"), 2, 2); // queued behind the failing opening: dropped with it
            release.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> o.dropped() == 2);
            refuse.set(false);
            assertTrue(o.offer("b", false, msg("a3"), 2, 2));
            await().atMost(Duration.ofSeconds(5)).until(() -> sent.size() == 1);
            assertEquals(List.of("b:a3"), sent);
        }
    }

    @Test
    void aPeerThatNeverAnswersHoldsUpNobodyElseAndItsQueueIsBounded() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        try (ConnectionOpener<String> o = new ConnectionOpener<>((peer, d, off, len) -> {
            if (peer.equals("frozen")) {
                never.await(5, TimeUnit.SECONDS);
                throw new IOException("no answer");
            }
            record(peer, d, off, len);
        }, "test")) {
            byte[] big = new byte[64 * 1024];
            int fits = ConnectionOpener.MAX_QUEUED_BYTES / big.length;
            for (int i = 0; i < fits + 10; i++) {
                assertTrue(o.offer("frozen", false, big, 0, big.length));
            }
            assertTrue(o.dropped() >= 9, "beyond the bound messages are dropped: " + o.dropped());
            assertTrue(o.offer("c", false, msg("c1"), 2, 2));
            await().atMost(Duration.ofSeconds(2)).until(() -> sent.contains("c:c1"));
            assertFalse(sent.stream().anyMatch(s -> s.startsWith("frozen")));
            never.countDown();
        }
    }

    /** Records what is sent; opening a connection ahead waits for {@code handshake}. */
    private final class PreparingSender implements ConnectionOpener.Sender<String> {
        final CountDownLatch handshake = new CountDownLatch(1);
        final List<String> opened = new CopyOnWriteArrayList<>();
        final List<String> closed = new CopyOnWriteArrayList<>();

        @Override
        public void send(String peer, byte[] data, int offset, int length) {
            record(peer, data, offset, length);
        }

        @Override
        public void connect(String peer) throws Exception {
            assertTrue(handshake.await(5, TimeUnit.SECONDS));
            opened.add(peer);
        }

        @Override
        public void close(String peer) {
            closed.add(peer);
        }
    }

    @Test
    void aConnectionPreparedAheadCarriesTheMessagesOfferedWhileItOpens() throws Exception {
        PreparingSender sender = new PreparingSender();
        try (ConnectionOpener<String> o = new ConnectionOpener<>(sender, "test")) {
            o.prepare("b", false);
            o.prepare("b", false); // one opening per peer
            o.prepare("c", true); // open already: nothing to do
            assertTrue(o.offer("b", false, msg("m1"), 2, 2), "waits for the opening under way");
            assertTrue(o.offer("b", false, msg("m2"), 2, 2));
            o.abandon("b"); // too late: messages wait for it
            assertEquals(List.of(), sent);
            sender.handshake.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> sent.size() == 2);
            assertEquals(List.of("b:m1", "b:m2"), sent);
            assertEquals(List.of("b"), sender.opened);
            assertEquals(List.of(), sender.closed, "messages waited for it: kept open");
        }
    }

    @Test
    void aPreparedConnectionAbandonedWhileItOpensIsClosedOnceOpen() throws Exception {
        PreparingSender sender = new PreparingSender();
        try (ConnectionOpener<String> o = new ConnectionOpener<>(sender, "test")) {
            o.prepare("b", false);
            o.abandon("b");
            sender.handshake.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> sender.closed.equals(List.of("b")));
            assertEquals(List.of("b"), sender.opened);
        }
    }
}
