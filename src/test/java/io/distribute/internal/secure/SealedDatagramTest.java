package io.distribute.internal.secure;

import io.distribute.internal.secure.DatagramSeal.Drop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sealed sockets on 127.0.0.1: they talk to each other, and nothing unsealed, replayed or foreign gets through. */
class SealedDatagramTest {

    private static final InetAddress LOOPBACK = loopback();
    private static final byte[] KEY = key(1);
    private static final int TIMEOUT_MS = 10_000;

    private final List<DatagramSocket> sockets = new ArrayList<>();

    /** A sealed socket that keeps a copy of every sealed datagram it puts on the wire. */
    static final class Capturing extends SealedMulticastSocket {
        final List<byte[]> wire = new CopyOnWriteArrayList<>();

        Capturing(DatagramSeal seal) throws IOException {
            super(seal, new InetSocketAddress(LOOPBACK, 0));
        }

        @Override
        void transmit(DatagramPacket p) throws IOException {
            wire.add(Arrays.copyOfRange(p.getData(), p.getOffset(), p.getOffset() + p.getLength()));
            super.transmit(p);
        }
    }

    @AfterEach
    void closeSockets() {
        sockets.forEach(DatagramSocket::close);
    }

    @Test
    void sealedSocketsTalkBothWaysAndFillThePacketLikeAPlainSocket() throws IOException {
        // Made the way JGroups' UDP makes its socket: unbound from the factory, bound afterwards.
        SealedMulticastSocket a = track(new SealedMulticastSocket(new DatagramSeal(KEY), (SocketAddress) null));
        a.setReuseAddress(false);
        a.bind(new InetSocketAddress(LOOPBACK, 0));
        a.setSoTimeout(TIMEOUT_MS);
        SealedMulticastSocket b = sealed(new DatagramSeal(KEY));

        send(a, b, bytes("ping"));
        DatagramPacket p = new DatagramPacket(new byte[100], 100);
        b.receive(p);
        assertEquals("ping", text(p));
        assertEquals(a.getLocalSocketAddress(), p.getSocketAddress());
        send(b, (InetSocketAddress) p.getSocketAddress(), bytes("pong"));
        DatagramPacket q = new DatagramPacket(new byte[100], 100);
        a.receive(q);
        assertEquals("pong", text(q));
        assertEquals(b.getLocalSocketAddress(), q.getSocketAddress());

        // One packet reused, as JGroups does, with an offset: big, small, big again.
        byte[] buf = new byte[66_000];
        DatagramPacket reused = new DatagramPacket(buf, 5, buf.length - 5);
        Random random = new Random(3);
        for (int size : new int[] {60_000, 10, 50_000}) {
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            send(a, b, payload);
            b.receive(reused);
            assertSame(buf, reused.getData());
            assertEquals(5, reused.getOffset());
            assertEquals(size, reused.getLength());
            assertArrayEquals(payload, Arrays.copyOfRange(buf, 5, 5 + size));
        }
        assertEquals(0, a.dropped() + b.dropped());
        assertEquals(4, b.seal().opened());
    }

    @Test
    void garbageUnsealedReplayedAndForeignDatagramsAreDropped() throws Exception {
        DatagramSeal sealB = new DatagramSeal(KEY);
        SealedMulticastSocket b = sealed(sealB);
        b.setSoTimeout(0);
        Capturing a = track(new Capturing(new DatagramSeal(KEY)));
        DatagramSocket plain = track(new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)));
        SealedMulticastSocket foreign = sealed(new DatagramSeal(key(2)));
        InetSocketAddress to = (InetSocketAddress) b.getLocalSocketAddress();

        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        Thread receiver = new Thread(() -> {
            DatagramPacket p = new DatagramPacket(new byte[66_000], 66_000);
            try {
                while (true) {
                    b.receive(p);
                    got.add(text(p));
                }
            } catch (IOException closed) {
                // the test closed the socket
            }
        }, "sealed-receiver");
        receiver.setDaemon(true);
        receiver.start();

        send(a, to, bytes("first"));
        assertEquals("first", got.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS));
        byte[] captured = a.wire.get(0);

        byte[] garbage = new byte[200];
        new Random(5).nextBytes(garbage);
        garbage[0] = 0;
        plain.send(new DatagramPacket(garbage, garbage.length, to));                        // malformed
        byte[] unsealed = bytes("an unsealed JGroups message, long enough to be read as a sealed one");
        plain.send(new DatagramPacket(unsealed, unsealed.length, to));                      // malformed
        plain.send(new DatagramPacket(captured, captured.length, to));                      // other source: forged
        a.transmit(new DatagramPacket(captured, captured.length, to));                      // same source: replay
        send(foreign, to, bytes("sealed with another key"));                               // forged
        send(a, to, bytes("legit"));

        await().atMost(Duration.ofMillis(TIMEOUT_MS)).until(() -> sealB.dropped() == 5 && !got.isEmpty());
        assertEquals("legit", got.poll());
        assertTrue(got.isEmpty(), got::toString);
        assertEquals(2, sealB.dropped(Drop.MALFORMED));
        assertEquals(2, sealB.dropped(Drop.FORGED));
        assertEquals(1, sealB.dropped(Drop.REPLAYED));
        assertEquals(5, b.dropped());
        assertEquals(2, sealB.opened());
        assertEquals(1, sealB.senders());
    }

    @Test
    void anUnboundSealedSocketRefusesToSend() throws IOException {
        SealedMulticastSocket s = track(new SealedMulticastSocket(new DatagramSeal(KEY), (SocketAddress) null));
        assertThrows(SocketException.class,
                () -> s.send(new DatagramPacket(new byte[1], 1, new InetSocketAddress(LOOPBACK, 9))));
    }

    @Test
    void multicastIsSealedTooWhereLoopbackMulticastWorks() throws IOException {
        NetworkInterface lo = NetworkInterface.getByInetAddress(LOOPBACK);
        Assumptions.assumeTrue(lo != null && lo.supportsMulticast(), "loopback multicast is not set up here");
        SealedMulticastSocket r = track(new SealedMulticastSocket(new DatagramSeal(KEY), 0));
        r.setSoTimeout(2_000);
        InetSocketAddress group = new InetSocketAddress(InetAddress.getByName("239.255.77.77"), r.getLocalPort());
        r.joinGroup(group, lo);
        SealedMulticastSocket a = sealed(new DatagramSeal(KEY));
        a.setNetworkInterface(lo);
        send(a, group, bytes("to the group"));
        DatagramPacket p = new DatagramPacket(new byte[100], 100);
        try {
            r.receive(p);
        } catch (SocketTimeoutException e) {
            Assumptions.abort("no multicast delivered on loopback here");
        }
        assertEquals("to the group", text(p));
        assertEquals(a.getLocalSocketAddress(), p.getSocketAddress());
    }

    private SealedMulticastSocket sealed(DatagramSeal seal) throws IOException {
        SealedMulticastSocket s = track(new SealedMulticastSocket(seal, new InetSocketAddress(LOOPBACK, 0)));
        s.setSoTimeout(TIMEOUT_MS);
        return s;
    }

    private <S extends DatagramSocket> S track(S s) {
        sockets.add(s);
        return s;
    }

    private static void send(DatagramSocket from, DatagramSocket to, byte[] payload) throws IOException {
        send(from, (InetSocketAddress) to.getLocalSocketAddress(), payload);
    }

    private static void send(DatagramSocket from, InetSocketAddress to, byte[] payload) throws IOException {
        from.send(new DatagramPacket(payload, payload.length, to));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(DatagramPacket p) {
        return new String(p.getData(), p.getOffset(), p.getLength(), StandardCharsets.UTF_8);
    }

    private static byte[] key(int seed) {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) seed);
        return k;
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByName("127.0.0.1");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
