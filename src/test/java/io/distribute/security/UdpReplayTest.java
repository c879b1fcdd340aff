package io.distribute.security;

import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.MembershipEvent;
import io.distribute.testing.LoopbackMulticast;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.Test;

import javax.management.ObjectName;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;

/**
 * Row 5: replay on the udp stack. The attacker joins the cluster's multicast group, records the sealed datagrams the
 * nodes multicast (heartbeats, merge info), and sends them again: from its own socket (verbatim, and with the
 * sequence number or a byte changed) and, with raw IP packets (perl, as root), from the original sender's own address
 * and port, to the group and to every node's unicast port. Every one must be dropped by every node (its JMX
 * DroppedFrames grows by exactly what it was sent), and the membership and its events stay as they were.
 */
class UdpReplayTest {

    private static final int NODES = 3;
    private static final int REPLAYED = 12;

    /** Sends raw IPv4/UDP packets with a chosen source (checksum 0: none, valid for UDP over IPv4). */
    private static final String SPOOFER = String.join("\n",
            "use Socket;",
            "socket(my $s, PF_INET, SOCK_RAW, 255) or die \"raw socket: $!\";",
            "while (my $l = <STDIN>) {",
            "  chomp $l; my ($src, $sp, $dst, $dp, $hex) = split / /, $l; my $d = pack('H*', $hex);",
            "  my $udp = pack('nnnn', $sp, $dp, 8 + length($d), 0) . $d;",
            "  my $ip = pack('CCnnnCCna4a4', 0x45, 0, 20 + length($udp), 0, 0, 1, 17, 0, inet_aton($src), inet_aton($dst));",
            "  send($s, $ip . $udp, 0, sockaddr_in(0, inet_aton($dst))) or die \"send: $!\";",
            "}",
            "print \"SENT\\n\";");

    private record Captured(byte[] data, InetSocketAddress from) {}

    // Row 5: recorded sealed datagrams replayed (verbatim, changed, from the sender's own address) are all dropped.
    @Test
    void replayedDatagramsAreDroppedAndChangeNothing() throws Exception {
        try {
            LoopbackMulticast.ensure();
        } catch (IllegalStateException e) {
            abort("loopback multicast cannot be set up here: " + e.getMessage());
        }
        if (!spoof(List.of())) {
            abort("raw IP sockets (root) are needed to replay from the sender's own address, as for multicast on lo");
        }
        long pid = ProcessHandle.current().pid();
        InetAddress group = InetAddress.getByName("228.9." + (pid % 200) + "." + (1 + pid % 250));
        int mcastPort = 47000 + (int) (pid % 1000);
        List<String> props = List.of("distribute.mcast_addr", "distribute.mcast_port", "distribute.ip_ttl");
        List<String> saved = props.stream().map(System::getProperty).toList();
        System.setProperty("distribute.mcast_addr", group.getHostAddress());
        System.setProperty("distribute.mcast_port", String.valueOf(mcastPort));
        System.setProperty("distribute.ip_ttl", "0");
        int port = Ports.block(NODES);
        ClusterConfig config = TestCluster.testConfig().stack("udp").clusterName("replay-" + pid).port(port)
                .portRange(NODES).jmx(true).build();
        try (TestCluster c = TestCluster.quick();
             MulticastSocket tap = new MulticastSocket(mcastPort);
             DatagramSocket attacker = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            for (int i = 0; i < NODES; i++) {
                c.start("u" + i + "@127.0.0.1:" + (port + i), TestCluster.COOKIE, config);
            }
            c.awaitAgreement();
            List<Events> events = new ArrayList<>();
            for (int i = 0; i < NODES; i++) {
                events.add(Events.of(c.get(i)));
            }
            tap.joinGroup(new InetSocketAddress(group, 0), NetworkInterface.getByInetAddress(InetAddress.getByName("127.0.0.1")));
            List<Captured> captured = capture(tap, REPLAYED);
            assertTrue(captured.size() >= REPLAYED, "recorded " + captured.size() + " sealed multicasts");
            long[] before = new long[NODES];
            for (int i = 0; i < NODES; i++) {
                before[i] = droppedFrames(c.get(i));
            }
            List<String> spoofed = new ArrayList<>();
            for (Captured d : captured) {
                byte[] seqBumped = d.data.clone();
                seqBumped[25] ^= 0x40;                    // the sequence number's low byte
                byte[] flipped = d.data.clone();
                flipped[flipped.length - 1] ^= 1;         // the GCM tag
                // From the attacker's own address: verbatim to the group, changed to the group, verbatim to each node.
                attacker.send(new DatagramPacket(d.data, d.data.length, group, mcastPort));
                attacker.send(new DatagramPacket(seqBumped, seqBumped.length, group, mcastPort));
                attacker.send(new DatagramPacket(flipped, flipped.length, group, mcastPort));
                for (int i = 0; i < NODES; i++) {
                    attacker.send(new DatagramPacket(d.data, d.data.length, c.get(i).boundAddress()));
                }
                // From the original sender's own address and port: verbatim to the group and to each node, and
                // with its sequence number changed (never accepted before, but no longer authentic) to the group.
                String from = d.from.getAddress().getHostAddress() + " " + d.from.getPort() + " ";
                spoofed.add(from + group.getHostAddress() + " " + mcastPort + " " + HexFormat.of().formatHex(d.data));
                spoofed.add(from + group.getHostAddress() + " " + mcastPort + " " + HexFormat.of().formatHex(seqBumped));
                for (int i = 0; i < NODES; i++) {
                    spoofed.add(from + "127.0.0.1 " + (port + i) + " " + HexFormat.of().formatHex(d.data));
                }
            }
            assertTrue(spoof(spoofed), "the raw sender ran");
            // Each node was sent, per recorded datagram: 3 + 1 from the attacker, 2 + 1 spoofed.
            long expected = (long) captured.size() * 7;
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                for (int i = 0; i < NODES; i++) {
                    if (droppedFrames(c.get(i)) - before[i] < expected) {
                        return false;
                    }
                }
                return true;
            });
            // Exactly that many: not one replay was opened (and so none delivered twice), and no one else was dropped.
            for (int i = 0; i < NODES; i++) {
                assertEquals(expected, droppedFrames(c.get(i)) - before[i], c.get(i).selfNode() + "'s drops");
            }
            // Membership unchanged, nobody reported down or up again, everyone answers.
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(c::agree);
            for (int i = 0; i < NODES; i++) {
                List<MembershipEvent> seen = events.get(i).snapshot();
                assertEquals(NODES - 1, seen.size(), "only the initial NodeUp events: " + seen);
                assertTrue(seen.stream().allMatch(e -> e instanceof MembershipEvent.NodeUp), seen.toString());
                assertTrue(c.get(i).ping(c.get((i + 1) % NODES).selfNode()));
                events.get(i).close();
            }
        } finally {
            for (int i = 0; i < props.size(); i++) {
                if (saved.get(i) == null) {
                    System.clearProperty(props.get(i));
                } else {
                    System.setProperty(props.get(i), saved.get(i));
                }
            }
        }
    }

    /** Records up to {@code n} sealed multicasts (at most 5 s), each with the address it came from. */
    private static List<Captured> capture(MulticastSocket tap, int n) throws IOException {
        List<Captured> out = new ArrayList<>();
        tap.setSoTimeout(250);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        byte[] buf = new byte[65536];
        while (out.size() < n && System.nanoTime() < deadline) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                tap.receive(p);
            } catch (SocketTimeoutException e) {
                continue;
            }
            byte[] data = java.util.Arrays.copyOfRange(p.getData(), p.getOffset(), p.getOffset() + p.getLength());
            if (data.length > 42 && data[0] == (byte) 0xD5) { // a sealed datagram (DatagramSeal's magic)
                out.add(new Captured(data, (InetSocketAddress) p.getSocketAddress()));
            }
        }
        return out;
    }

    /** Sends each line's packet with perl's raw socket; false if raw sockets are unavailable. Bounded: 10 s. */
    private static boolean spoof(List<String> lines) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("perl", "-e", SPOOFER).redirectErrorStream(true).start();
        } catch (IOException e) {
            return false; // no perl
        }
        try (PrintWriter in = new PrintWriter(p.getOutputStream(), true, StandardCharsets.US_ASCII)) {
            lines.forEach(in::println);
        }
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return false;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.exitValue() == 0 && out.contains("SENT");
    }

    private static long droppedFrames(ClusterNode node) {
        try {
            ObjectName on = new ObjectName("io.distribute:type=ClusterNode,name=" + ObjectName.quote(node.selfNode()));
            return (Long) ManagementFactory.getPlatformMBeanServer().getAttribute(on, "DroppedFrames");
        } catch (Exception e) {
            throw new AssertionError("JMX DroppedFrames of " + node.selfNode(), e);
        }
    }
}
