package io.distribute.security;

import io.distribute.testing.TestCluster;

import io.distribute.Result;
import io.distribute.cluster.ClusterNode;
import io.distribute.testing.ChildNode;
import io.distribute.testing.Ports;
import org.jgroups.stack.IpAddress;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Row 1: frames whose inner length claims far more memory than the node has. The victim runs in its own JVM with a
 * 256 MiB heap and -XX:+ExitOnOutOfMemoryError, so a single allocation of a claimed length kills it outright (a
 * caught OutOfMemoryError in some thread would otherwise go unseen); its used heap after a full GC is compared before
 * and after.
 */
class OversizedFrameTest {

    private static final long MIB = 1024 * 1024;
    private static final int CONNECTIONS = 17;

    /** Connection {@code i}'s bytes: each claims between 60 MiB and 1 GiB (or, inside TLS, the most it can). */
    private static byte[] attack(int i, String cluster) {
        int claimed = (int) (60 * MIB + i * ((1024 - 60) * MIB / (CONNECTIONS - 1)));
        return switch (i % 3) {
            // JGroups' preamble, then a short frame whose message payload claims `claimed` bytes
            case 0 -> Wire.concat(Wire.preamble(new IpAddress(new InetSocketAddress("127.0.0.1", 40000 + i))),
                    Wire.oversizedFrame(UUID.randomUUID(), claimed, cluster));
            // a TLS handshake record holding a ClientHello header that claims 16 MiB (the most 24 bits say)
            case 1 -> new byte[] {22, 3, 1, 0, 8, 1, (byte) 0xff, (byte) 0xff, (byte) 0xff, 3, 3, 0, 0};
            // a TLS record header claiming 64 KiB, beyond TLS's 16 KiB (+256) record limit
            default -> Wire.concat(new byte[] {22, 3, 3, (byte) 0xff, (byte) 0xff}, new byte[29]);
        };
    }

    // Row 1: 17 held connections claiming 60 MiB-1 GiB frames leave a 256 MiB victim alive, lean and joinable.
    @Test
    void heldConnectionsClaimingHugeFramesLeaveTheVictimAliveAndJoinable() throws Exception {
        int port = Ports.next();
        try (TestCluster c = TestCluster.quick("big-peer", 1);
             ChildNode victim = ChildNode.start("big@127.0.0.1:" + port, COOKIE, 2000, port, 1,
                     List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"))) {
            ClusterNode peer = c.get(0);
            assertEquals(Result.ok(), peer.connect(victim.name));
            String cluster = peer.config().clusterName();
            long heapBefore = heap(victim);
            int frameBytes = Wire.oversizedFrame(UUID.randomUUID(), Integer.MAX_VALUE, cluster).length;
            assertTrue(frameBytes < 64, "a short frame: " + frameBytes + " bytes");
            ConcurrentLinkedQueue<Socket> held = new ConcurrentLinkedQueue<>();
            try (Flood f = Flood.start("oversized", 200, CONNECTIONS, Duration.ofSeconds(2), Duration.ofSeconds(30),
                    i -> {
                        Socket s = Wire.send(null, new InetSocketAddress("127.0.0.1", port), attack(i, cluster));
                        if (s != null) {
                            held.add(s);
                        }
                        return s;
                    })) {
                await().atMost(Duration.ofSeconds(3)).until(f::finished);
                assertEquals(CONNECTIONS, held.size(), "all 17 connections opened and held");
                // While they are held: a new node with the cookie connects to the victim within 5 s.
                long start = System.nanoTime();
                ClusterNode late = c.start("big-late");
                assertEquals(Result.ok(), late.connect(victim.name));
                long ms = (System.nanoTime() - start) / 1_000_000;
                assertTrue(ms < 5000, "joined in " + ms + " ms");
                assertTrue(peer.ping(victim.name), "the victim answers ping");
                assertEquals("PING true", victim.ask("ping " + peer.selfNode(), "PING", 5));
                // The victim dropped every one of them (the attacker sees the close), none is kept waiting.
                List<Integer> got = new ArrayList<>();
                for (Socket s : held) {
                    got.add(Wire.drain(s, 3000).length);
                }
                assertTrue(got.stream().allMatch(n -> n <= 7), "at most an alert each: " + got);
            }
            assertTrue(victim.isAlive(), "no OutOfMemoryError in the victim");
            long grown = heap(victim) - heapBefore;
            assertTrue(grown < 32 * MIB, "the victim's heap grew by " + grown / MIB + " MiB");
            // One cluster of three: the peer, the late joiner and the victim all list each other.
            ClusterNode late = c.get(1);
            await().atMost(Duration.ofSeconds(5)).until(() -> peer.nodes().containsAll(List.of(victim.name,
                    late.selfNode())) && late.nodes().containsAll(List.of(victim.name, peer.selfNode())));
            assertEquals("NODES " + String.join(",", List.of(peer.selfNode(), late.selfNode()).stream().sorted()
                    .toList()), sortedNodes(victim));
        }
    }

    private static long heap(ChildNode victim) throws InterruptedException {
        String line = victim.ask("heap", "HEAP", 10);
        assertNotNull(line, "the victim answers");
        return Long.parseLong(line.substring(5).trim());
    }

    private static String sortedNodes(ChildNode victim) throws InterruptedException {
        String line = victim.ask("nodes", "NODES", 5);
        assertNotNull(line);
        String list = line.substring(6).trim();
        return "NODES " + String.join(",", java.util.Arrays.stream(list.split(",")).sorted().toList());
    }
}
