package io.distribute.security;

import io.distribute.testing.TestCluster;

import io.distribute.cluster.ClusterNode;
import org.jgroups.Address;
import org.jgroups.EmptyMessage;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.stack.IpAddress;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Row 3: connections to member A that claim, in JGroups' preamble, to come from member B. In the old design JGroups
 * took the claim at its word and replaced its real connection to B with the attacker's (closing the real one, which
 * read as B's crash). Here the claim never gets past the TLS handshake.
 */
class ImpersonationTest {

    // Row 3: A's connections "from B" (preamble claiming B, then B's leave request, or silence) change nothing.
    @Test
    void aConnectionClaimingToBeAMemberNeitherReplacesNorDownsIt() throws Exception {
        try (TestCluster c = TestCluster.quick("imp", 2);
             Events seenByA = Events.of(c.get(0));
             Events seenByB = Events.of(c.get(1))) {
            ClusterNode a = c.get(0);
            ClusterNode b = c.get(1);
            String cluster = a.config().clusterName();
            Address bAddress = Internals.addressOf(a, b.selfNode());
            IpAddress bPhysical = new IpAddress(b.boundAddress());
            byte[] claimB = Wire.preamble(bPhysical);
            byte[] leave = Wire.frame(new EmptyMessage(Internals.addressOf(b, a.selfNode())).setSrc(bAddress)
                    .putHeader(ClassConfigurator.getProtocolId(GMS.class),
                            new GMS.GmsHeader(GMS.GmsHeader.LEAVE_REQ, bAddress)), cluster);
            long droppedBefore = Internals.droppedFrames(a);
            ConcurrentLinkedQueue<Socket> attacks = new ConcurrentLinkedQueue<>();
            // 20 connections over 5 s: even ones claim B and send B's leave request, odd ones claim B and stay silent.
            try (Flood f = Flood.start("impersonate", 4, 20, Duration.ofSeconds(6), Duration.ofSeconds(6), i -> {
                Socket s = Wire.send(null, a.boundAddress(), i % 2 == 0 ? Wire.concat(claimB, leave) : claimB);
                if (s != null) {
                    attacks.add(s);
                }
                return s;
            })) {
                // The cluster stays one while it lasts; B stays listed, never reported down.
                await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7)).pollInterval(Duration.ofMillis(20))
                        .until(() -> a.nodes().equals(List.of(b.selfNode())) && b.nodes().equals(List.of(a.selfNode())));
                await().atMost(Duration.ofSeconds(3)).until(f::finished);
                assertEquals(20, f.fired());
                // What each attacker socket received: at most a TLS alert (7 bytes), then the close.
                List<Integer> received = new ArrayList<>();
                for (Socket s : attacks) {
                    received.add(Wire.drain(s, 2000).length);
                }
                assertEquals(20, received.size(), "every attack connection was accepted by TCP");
                assertTrue(received.stream().allMatch(n -> n < 100), "bytes each attacker socket read: " + received);
            }
            assertTrue(a.ping(b.selfNode()) && b.ping(a.selfNode()), "both still answer ping");
            // A user outside the cluster (same cookie) pinging B: a fresh authenticated probe still works.
            ClusterNode outsider = c.start("imp-outsider");
            assertTrue(outsider.ping(b.selfNode()) && outsider.ping(a.selfNode()));
            assertEquals(List.of(), seenByA.downs(), seenByA.toString());
            assertEquals(List.of(), seenByB.downs(), seenByB.toString());
            assertTrue(Internals.droppedFrames(a) >= droppedBefore + 20, "A refused every one of them");
        }
    }
}
