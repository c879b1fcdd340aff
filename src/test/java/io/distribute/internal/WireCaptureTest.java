package io.distribute.internal;

import io.distribute.Result;
import io.distribute.cluster.ClusterNode;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Captures a whole session on the loopback interface with tcpdump (installed by .ci/run) and searches the capture
 * for the cookie (raw, hex, Base64) and for a payload sent between the nodes.
 */
class WireCaptureTest {

    private static final String MARKER = "PLAINTEXT-PAYLOAD-MARKER-0123456789";

    /** The adapter behind a ClusterNode (a private field; tests of this package may look inside). */
    private static JGroupsNode nodeOf(ClusterNode n) throws ReflectiveOperationException {
        java.lang.reflect.Field f = ClusterNode.class.getDeclaredField("node");
        f.setAccessible(true);
        return (JGroupsNode) f.get(n);
    }

    @Test
    void aCapturedSessionHoldsNoCookieAndNoPlaintextPayload() throws Exception {
        assertTrue(new File("/usr/bin/tcpdump").canExecute() || new File("/usr/sbin/tcpdump").canExecute(),
                "tcpdump must be installed (.ci/run installs it)");
        String cookie = "Wire-Secret-" + System.nanoTime();
        int first = Ports.block(3);
        Path base = Path.of("target", "test-tmp").toAbsolutePath();
        Files.createDirectories(base);
        Path pcap = Files.createTempFile(base, "capture-", ".pcap");
        String filter = "tcp and (port " + first + " or port " + (first + 1) + " or port " + (first + 2) + ")";
        Process tcpdump = new ProcessBuilder("tcpdump", "-Z", "root", "--immediate-mode", "-i", "lo", "-U", "-s", "0", "-w", pcap.toString(), filter)
                .redirectErrorStream(true).start();
        try {
            // tcpdump says "listening on lo" once the capture runs
            java.io.BufferedReader err = new java.io.BufferedReader(new java.io.InputStreamReader(tcpdump.getInputStream()));
            java.util.concurrent.CompletableFuture<Boolean> listening = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    for (String l; (l = err.readLine()) != null; ) {
                        if (l.contains("listening on")) {
                            return true;
                        }
                    }
                } catch (java.io.IOException e) {
                    return false;
                }
                return false;
            });
            assertTrue(listening.get(10, TimeUnit.SECONDS), "tcpdump did not start");
            try (TestCluster c = new TestCluster()) {
                ClusterNode a = c.add(ClusterNode.start("wire-a@127.0.0.1:" + first, cookie, TestCluster.testConfig().build()).orElseThrow());
                ClusterNode b = c.add(ClusterNode.start("wire-b@127.0.0.1:" + (first + 1), cookie, TestCluster.testConfig().build()).orElseThrow());
                ClusterNode x = c.add(ClusterNode.start("wire-x@127.0.0.1:" + (first + 2), cookie + "-other", TestCluster.testConfig().build()).orElseThrow());
                assertTrue(b.connect(a.selfNode()).isOk());
                assertTrue(x.connect(a.selfNode()).isErr());
                for (int i = 0; i < 50; i++) {
                    assertTrue(a.ping(b.selfNode()));
                }
                JGroupsNode from = nodeOf(b);
                for (int i = 0; i < 20; i++) {
                    from.channel().send(new org.jgroups.BytesMessage(nodeOf(a).address(),
                            MARKER.getBytes(StandardCharsets.ISO_8859_1)));
                }
                b.close();
                await().atMost(Duration.ofSeconds(3)).until(() -> a.nodes().isEmpty());
            }
            // let tcpdump write out what it has seen: the file stops growing
            long[] last = {-1};
            await().pollInterval(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10)).until(() -> {
                long size = Files.size(pcap);
                boolean stable = size == last[0];
                last[0] = size;
                return stable;
            });
        } finally {
            new ProcessBuilder("kill", "-INT", String.valueOf(tcpdump.pid())).start().waitFor(5, TimeUnit.SECONDS);
            if (!tcpdump.waitFor(10, TimeUnit.SECONDS)) {
                tcpdump.destroyForcibly();
            }
        }
        byte[] capture = Files.readAllBytes(pcap);
        Files.deleteIfExists(pcap);
        String tail = new String(tcpdump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(capture.length > 10_000, "captured only " + capture.length + " bytes; tcpdump: " + tail + " filter " + filter);
        String bytes = new String(capture, StandardCharsets.ISO_8859_1);
        byte[] raw = cookie.getBytes(StandardCharsets.UTF_8);
        for (String form : List.of(cookie, HexFormat.of().formatHex(raw), HexFormat.of().withUpperCase().formatHex(raw),
                Base64.getEncoder().encodeToString(raw), Base64.getEncoder().withoutPadding().encodeToString(raw),
                new String(raw, StandardCharsets.UTF_16BE))) {
            assertFalse(bytes.contains(form), "the cookie is on the wire in the form " + form);
        }
        // Every connection is TLS: payloads, headers and JGroups addresses (which carry node names) are encrypted.
        // Only a probe's PSK identity names the node it asks for (the part before '@'), by design.
        assertFalse(bytes.contains(MARKER), "a payload crossed the wire in the clear");
        assertTrue(bytes.contains("distribute/1/p/wire-a"), "sanity: the capture holds this session's handshakes");
        assertFalse(bytes.contains("wire-b@127.0.0.1"), "no JGroups address in the clear");
        assertFalse(bytes.contains("MergeView"), "no readable view");
    }
}
