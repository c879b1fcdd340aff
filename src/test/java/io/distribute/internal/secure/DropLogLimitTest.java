package io.distribute.internal.secure;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.distribute.testing.CapturedLogs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Repeated security drops are logged once per peer per interval, and a little in all; every one is counted. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DropLogLimitTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final PeerLogLimit<String> limit = new PeerLogLimit<>(Duration.ofSeconds(60), 3, 4, now::get);

    @Test
    void theFirstDropOfAPeerIsLoggedThenOneAMinuteWithTheCountInBetween() {
        assertEquals(0, limit.admit("a"));
        for (int i = 0; i < 5; i++) {
            assertEquals(-1, limit.admit("a"));
        }
        assertEquals(0, limit.admit("b"), "another peer is logged at once");
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertEquals(-1, limit.admit("a"));
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertEquals(6, limit.admit("a"), "six drops from a went unlogged");
        assertEquals(-1, limit.admit("a"));
        assertEquals("; 6 more from there since the last one logged", PeerLogLimit.since(6));
        assertEquals("", PeerLogLimit.since(0));
    }

    @Test
    void manyPeersGetAFewLinesAMinuteInAllAndMemoryStaysBounded() {
        assertEquals(0, limit.admit("p1"));
        assertEquals(0, limit.admit("p2"));
        assertEquals(0, limit.admit("p3"));
        assertEquals(-1, limit.admit("p4"), "three lines a minute in all");
        assertEquals(-1, limit.admit("p1"));
        now.addAndGet(Duration.ofSeconds(60).toNanos());
        assertEquals(1, limit.admit("p1"));
        for (int i = 0; i < 100; i++) { // a new window every time: each new peer is logged, the map stays small
            now.addAndGet(Duration.ofSeconds(60).toNanos());
            assertEquals(0, limit.admit("q" + i));
        }
    }

    @Test
    void aSealedSocketLogsOneDropPerSourceAndCountsThemAll() throws Exception {
        InetAddress one = InetAddress.getByName("127.0.0.1");
        InetAddress two = InetAddress.getByName("127.0.0.2");
        try (CapturedLogs logs = new CapturedLogs();
             SealedMulticastSocket receiver = new SealedMulticastSocket(new DatagramSeal(new byte[32]),
                     new InetSocketAddress(one, 0));
             DatagramSocket fromOne = new DatagramSocket(new InetSocketAddress(one, 0));
             DatagramSocket fromTwo = new DatagramSocket(new InetSocketAddress(two, 0))) {
            receiver.setSoTimeout(0);
            Thread reader = new Thread(() -> {
                DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
                try {
                    receiver.receive(p); // returns only for a datagram that opens: none here
                } catch (java.io.IOException closed) {
                    // the test closed the socket
                }
            }, "drop-log-reader");
            reader.setDaemon(true);
            reader.start();
            byte[] garbage = "not sealed, long enough to be read as a sealed datagram of a cluster".getBytes();
            for (int i = 0; i < 20; i++) {
                fromOne.send(new DatagramPacket(garbage, garbage.length, receiver.getLocalSocketAddress()));
                fromTwo.send(new DatagramPacket(garbage, garbage.length, receiver.getLocalSocketAddress()));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.dropped() == 40);
            List<ILoggingEvent> warnings = logs.events(e -> e.getLevel() == Level.WARN
                    && e.getFormattedMessage().contains("on " + receiver.getLocalSocketAddress() + ":"));
            assertEquals(2, warnings.size(), CapturedLogs.show(warnings));
            for (String source : List.of("/127.0.0.1:", "/127.0.0.2:")) {
                assertEquals(1, warnings.stream()
                        .filter(e -> e.getFormattedMessage().startsWith("Dropped a datagram from " + source)).count());
            }
        }
    }
}
