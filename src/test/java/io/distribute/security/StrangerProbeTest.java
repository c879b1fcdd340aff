package io.distribute.security;

import io.distribute.cluster.ClusterNode;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Row 10: what a started node gives away. That no object reachable from a started ClusterNode holds the cookie is
 * checked by io.distribute.cluster.CookieNotKeptTest (a reachability walk over the node's object graph); not repeated
 * here. These tests check the other half: the probe answer (the node's address, view and members' addresses) goes to
 * cookie holders only, never to a stranger, whatever identity it asks under, and not to one that replays a cookie
 * holder's recorded probe either.
 */
class StrangerProbeTest {

    private static final String WRONG = "a-stranger-without-the-cookie-000";

    // Row 10: a stranger's probe, under every identity the node knows, gets one alert and then not one byte.
    @Test
    void aStrangersProbeGetsAnAlertAndNoByteAfterIt() throws Exception {
        try (TestCluster c = TestCluster.quick("secret", 2)) {
            ClusterNode node = c.get(0);
            String name = node.selfNode().substring(0, node.selfNode().indexOf('@'));
            String cluster = node.config().clusterName();
            byte[] wrongPsk = AttackerTls.psk(WRONG, cluster);
            for (String identity : List.of("distribute/1/p/" + name, "distribute/1/j", "distribute/1/w/" + name,
                    "distribute/1/p/someone-else")) {
                AttackerTls.Attempt a = AttackerTls.handshake(node.boundAddress(), wrongPsk, identity);
                assertFalse(a.finished(), identity);
                List<AttackerTls.Record> records = a.records();
                assertEquals(1, records.size(), identity + ": " + records);
                assertEquals(AttackerTls.ALERT, records.get(0).type(), identity);
                assertEquals(7, a.received().length, identity + ": no byte after the 7-byte alert record");
            }
            // The control: the same client with the cookie gets the answer, naming the node and its member.
            AttackerTls.Attempt holder = AttackerTls.handshake(node.boundAddress(), AttackerTls.psk(TestCluster.COOKIE,
                    cluster), "distribute/1/p/" + name);
            assertTrue(holder.finished(), String.valueOf(holder.failure()));
            assertNotNull(holder.answer());
            String answer = new String(holder.answer(), StandardCharsets.ISO_8859_1);
            assertTrue(answer.contains(name) && answer.contains("secret2"), "the answer names the node and its member");
            assertEquals(List.of(c.get(1).selfNode()), node.nodes());
        }
    }

    // Row 10: replaying a cookie holder's recorded probe (a valid PSK binder) never completes, so nothing is answered.
    @Test
    void aReplayedProbeOfACookieHolderIsNeverAnswered() throws Exception {
        try (TestCluster c = TestCluster.quick("replayed", 2)) {
            ClusterNode node = c.get(0);
            ClusterNode prober = c.start("replayed-prober");
            byte[] recorded;
            try (Relay tap = new Relay(node.boundAddress())) {
                assertTrue(prober.ping(node.selfNode().replaceAll(":\\d+$", ":" + tap.port())));
                await().atMost(Duration.ofSeconds(2)).until(() -> tap.clientBytes().length > 100);
                recorded = tap.clientBytes();
            }
            long authenticated = Internals.authenticatedConnections(node);
            for (int i = 0; i < 3; i++) {
                // The whole recorded client side, verbatim: ClientHello, then the old Finished and close.
                Socket s = Wire.send(null, node.boundAddress(), recorded);
                assertNotNull(s, "connected");
                byte[] got = Wire.drain(s, 3000);
                s.close();
                List<AttackerTls.Record> records = AttackerTls.records(got);
                // The binder is valid, so the node sends its ServerHello flight (encrypted under a key exchange the
                // attacker cannot complete) and then refuses the recorded Finished with an alert.
                assertFalse(records.isEmpty());
                assertEquals(AttackerTls.HANDSHAKE, records.get(0).type(), "ServerHello: " + records);
                assertTrue(got.length < 400, "the server's flight only, " + got.length + " bytes");
            }
            assertEquals(authenticated, Internals.authenticatedConnections(node),
                    "no replayed handshake completed, so no probe was answered");
            assertEquals(List.of(c.get(1).selfNode()), node.nodes(), "membership unchanged");
        }
    }

    /**
     * A replayed ClientHello (a valid PSK binder) left hanging: the node gives up at its handshake deadline and counts
     * the drop. It logs it as what it may be, a cookie holder too busy to finish (32 nodes forming on 2 cores logged
     * ~170 of these as "did not authenticate" WARNs) or a replay: INFO, once, and never as a failed authentication.
     */
    @Test
    void aReplayedClientHelloLeftHangingIsCountedAndNotReportedAsAFailedAuthentication() throws Exception {
        try (TestCluster c = TestCluster.quick("hanging", 2)) {
            ClusterNode node = c.get(0);
            ClusterNode prober = c.start("hanging-prober");
            byte[] recorded;
            try (Relay tap = new Relay(node.boundAddress())) {
                assertTrue(prober.ping(node.selfNode().replaceAll(":\\d+$", ":" + tap.port())));
                await().atMost(Duration.ofSeconds(2)).until(() -> tap.clientBytes().length > 100);
                recorded = tap.clientBytes();
            }
            List<AttackerTls.Record> records = AttackerTls.records(recorded);
            assertEquals(AttackerTls.HANDSHAKE, records.get(0).type(), "the recording starts with the ClientHello");
            byte[] clientHello = java.util.Arrays.copyOfRange(recorded, 0, 5 + records.get(0).fragment().length);
            long dropped = Internals.droppedFrames(node);
            try (io.distribute.testing.CapturedLogs logs = new io.distribute.testing.CapturedLogs()) {
                Socket s = Wire.send(null, node.boundAddress(), clientHello);
                assertNotNull(s, "connected");
                long t0 = System.nanoTime();
                byte[] got = Wire.drain(s, 5000); // the server's flight, then its close at the deadline
                long ms = (System.nanoTime() - t0) / 1_000_000;
                s.close();
                assertTrue(got.length > 0 && got.length < 400, "the server's flight only: " + got.length + " bytes");
                assertTrue(ms < 4000, "the node held the hanging handshake for " + ms + " ms");
                await().atMost(Duration.ofSeconds(3)).until(() -> Internals.droppedFrames(node) == dropped + 1);
                await().atMost(Duration.ofSeconds(3)).until(() -> !logs.events(e -> e.getFormattedMessage()
                        .contains("but did not finish in time")).isEmpty());
                var failed = logs.events(e -> e.getFormattedMessage().contains("did not authenticate"));
                assertEquals(List.of(), failed, io.distribute.testing.CapturedLogs.show(failed));
            }
            assertEquals(List.of(c.get(1).selfNode()), node.nodes(), "membership unchanged");
        }
    }
}
