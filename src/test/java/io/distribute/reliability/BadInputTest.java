package io.distribute.reliability;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.ConnectError;
import io.distribute.cluster.StartError;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Random names, cookies and settings give typed errors only; garbage on a node's port leaves it up and whole. */
class BadInputTest {

    private static final String CHARS = "abcXYZ019_.-@:[]/ \t\n\u00e9\u4e2d%$#!*()'\"\\";
    /** Hosts that never cause a DNS lookup: literals, or strings that fail syntax checks before any lookup. */
    private static final List<String> HOSTS = List.of("127.0.0.1", "[::1]", "127.0.0.1:0", "256.1.1.1", "1.2.3",
            "bad host", "-x", "[zz::1]", "::1", "", "127.0.0.1:70000", "127.0.0.1:abc", "[::1", "127.0.0.1:");

    private static String randomString(Random r, int max) {
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(max + 1);
        for (int i = 0; i < n; i++) {
            b.append(CHARS.charAt(r.nextInt(CHARS.length())));
        }
        return b.toString();
    }

    private static String randomName(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> null;
            case 1 -> randomString(r, 12);
            default -> randomString(r, 70) + "@" + HOSTS.get(r.nextInt(HOSTS.size()));
        };
    }

    @Test
    void fiveThousandRandomInputsGiveTypedErrorsOnly() {
        Random r = new Random(20261126);
        int typed = 0;
        try (TestCluster c = new TestCluster()) {
            ClusterNode live = c.start("bad-input");
            for (int i = 0; i < 5000; i++) {
                String name = randomName(r);
                String cookie = r.nextInt(10) == 0 ? null : randomString(r, 300);
                ClusterConfig config;
                try {
                    ClusterConfig.Builder b = TestCluster.testConfig();
                    if (r.nextBoolean()) {
                        b.port(r.nextInt(70000) - 1000);
                    }
                    if (r.nextBoolean()) {
                        b.portRange(r.nextInt(2000) - 10);
                    }
                    if (r.nextBoolean()) {
                        b.pingTimeout(Duration.ofMillis(r.nextInt(20000) - 100));
                    }
                    config = b.build();
                } catch (IllegalArgumentException e) {
                    // the builder validates eagerly and names the setting
                    assertTrue(e.getMessage().matches(".*(port|portRange|pingTimeout).*"), e.getMessage());
                    config = null;
                }
                Result<ClusterNode, StartError> started = ClusterNode.start(name, cookie, config);
                if (started instanceof Result.Ok<ClusterNode, StartError> ok) {
                    ok.value().close(); // a random input that is valid: fine, as long as it is closed
                } else {
                    assertNotNull(((Result.Err<ClusterNode, StartError>) started).error());
                    typed++;
                }
                Result<Void, ConnectError> connected = live.connect(name);
                assertTrue(connected.isErr() || connected.isOk());
                live.ping(name);
            }
            assertTrue(typed > 4500, "typed errors: " + typed);
            assertEquals(List.of(), live.nodes());
        }
    }

    @Test
    void garbageTruncatedAndOversizedFramesLeaveTheNodeUpAndItsMembershipIntact() throws Exception {
        try (TestCluster c = TestCluster.of("garbage", 2)) {
            ClusterNode target = c.get(0);
            int port = Integer.parseInt(target.selfNode().substring(target.selfNode().lastIndexOf(':') + 1));
            Random r = new Random(7);
            long heapBefore = usedHeap();
            for (int i = 0; i < 200; i++) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                    OutputStream out = s.getOutputStream();
                    byte[] junk = new byte[r.nextInt(512)];
                    r.nextBytes(junk);
                    switch (i % 4) {
                        case 0 -> out.write(junk); // pure garbage
                        case 1 -> out.write("bela".getBytes()); // JGroups' connection cookie, then nothing: truncated
                        case 2 -> { // a plausible header announcing a 2 GB frame: must not be allocated
                            out.write(new byte[] {'b', 'e', 'l', 'a', 0, 0});
                            out.write(junk);
                            out.write(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff});
                        }
                        default -> { // a valid JGroups preamble, then a frame claiming 2 GB: refused, not allocated
                            org.jgroups.stack.IpAddress me = new org.jgroups.stack.IpAddress("127.0.0.1", 40000 + i);
                            org.jgroups.util.ByteArrayDataOutputStream os = new org.jgroups.util.ByteArrayDataOutputStream(64);
                            os.write(new byte[] {'b', 'e', 'l', 'a'});
                            os.writeShort(org.jgroups.Version.version);
                            os.writeShort(me.serializedSize());
                            me.writeTo(os);
                            os.writeInt(Integer.MAX_VALUE - 16);
                            os.write(junk);
                            out.write(os.buffer(), 0, os.position());
                        }
                    }
                    out.flush();
                } catch (IOException e) {
                    // the node may close on us: that is a fine answer to garbage
                }
            }
            assertTrue(target.ping(c.get(1).selfNode()), "still answers");
            assertEquals(List.of(c.get(1).selfNode()), target.nodes(), "membership intact");
            ClusterNode late = c.start("after-garbage");
            assertEquals(Result.ok(), late.connect(target.selfNode()));
            c.awaitAgreement();
            long grown = usedHeap() - heapBefore;
            assertTrue(grown < 64L * 1024 * 1024, "heap grew by " + grown / 1024 / 1024 + " MiB");
        }
    }

    private static long usedHeap() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
