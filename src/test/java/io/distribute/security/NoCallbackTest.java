package io.distribute.security;

import io.distribute.testing.TestCluster;

import io.distribute.cluster.ClusterNode;
import io.distribute.internal.NodeAddress;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.EmptyMessage;
import org.jgroups.ViewId;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.Discovery;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.PingData;
import org.jgroups.protocols.PingHeader;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.stack.IpAddress;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Row 7: a node must never be made to open connections to addresses a stranger names (a reflector or a port scanner
 * for someone else). The attacker listens on four ports of its own and sends the node 40 messages that, in the old
 * design or in plain JGroups, name those ports as where to answer: old-style HELLO frames with a reply-to address,
 * discovery requests and join requests whose sender claims to listen there, and MERGE3 INFO messages advertising a
 * view there. Not one connection may arrive at the attacker's listeners.
 */
class NoCallbackTest {

    /** The attacker's listeners, counting every connection they accept. */
    private static final class Listeners implements AutoCloseable {
        final List<ServerSocket> sockets = new ArrayList<>();
        final AtomicInteger accepted = new AtomicInteger();

        Listeners(String... hosts) throws IOException {
            for (String h : hosts) {
                ServerSocket s = new ServerSocket(0, 50, InetAddress.getByName(h));
                sockets.add(s);
                Thread t = new Thread(() -> {
                    while (!s.isClosed()) {
                        try (Socket c = s.accept()) {
                            accepted.incrementAndGet();
                        } catch (IOException e) {
                            return; // closed
                        }
                    }
                }, "attack-listener");
                t.setDaemon(true);
                t.start();
            }
        }

        IpAddress address(int i) {
            return new IpAddress((InetSocketAddress) sockets.get(i).getLocalSocketAddress());
        }

        @Override
        public void close() {
            sockets.forEach(Wire::closeQuietly);
        }
    }

    // Row 7: 40 handshake attempts naming the attacker's listeners make the node open no connection to any of them.
    @Test
    void fortyMessagesNamingTheAttackersPortsMakeTheNodeConnectNowhere() throws Exception {
        try (TestCluster c = TestCluster.quick("callback", 2);
             Listeners evil = new Listeners("127.0.0.1", "127.0.0.1", "127.0.0.3", "127.0.0.3");
             Events seen = Events.of(c.get(0))) {
            ClusterNode victim = c.get(0);
            String cluster = victim.config().clusterName();
            long droppedBefore = Internals.droppedFrames(victim);
            int sent = 0;
            for (int i = 0; i < 10; i++) {
                IpAddress l0 = evil.address(0);
                IpAddress l1 = evil.address(1);
                IpAddress l2 = evil.address(2);
                IpAddress l3 = evil.address(3);
                Address fake = NodeAddress.create("evil" + i + "@" + l1.getIpAddress().getHostAddress() + ":"
                        + l1.getPort());
                // (a) an old-style HELLO with a reply-to address
                byte[] hello = ("HELLO distribute/1 evil" + i + "@127.0.0.1 reply-to=" + l0.printIpAddress() + "\n")
                        .getBytes(StandardCharsets.US_ASCII);
                // (b) a discovery request from a sender that claims to listen on l1
                byte[] discovery = Wire.concat(Wire.preamble(l0), Wire.frame(new BytesMessage(null,
                        Discovery.marshal(new PingData(fake, false, "evil" + i, l1)))
                        .setSrc(fake).putHeader(ClassConfigurator.getProtocolId(TCPPING.class),
                                new PingHeader(PingHeader.GET_MBRS_REQ).clusterName(cluster)), cluster));
                // (c) a join request on a connection whose preamble claims l2
                byte[] join = Wire.concat(Wire.preamble(l2), Wire.frame(new EmptyMessage(null).setSrc(fake)
                        .putHeader(ClassConfigurator.getProtocolId(GMS.class),
                                new GMS.GmsHeader(GMS.GmsHeader.JOIN_REQ, fake)), cluster));
                // (d) a MERGE3 INFO advertising a view whose coordinator listens on l3
                byte[] info = Wire.concat(Wire.preamble(l3), Wire.frame(new EmptyMessage(null).setSrc(fake)
                        .putHeader(ClassConfigurator.getProtocolId(MERGE3.class),
                                MERGE3.MergeHeader.createInfo(new ViewId(fake, 1), "evil" + i, l3)), cluster));
                for (byte[] attack : List.of(hello, discovery, join, info)) {
                    Socket s = Wire.send(null, victim.boundAddress(), attack);
                    assertTrue(s != null, "the victim's port accepts TCP connections");
                    Wire.drain(s, 1000);
                    s.close();
                    sent++;
                }
            }
            assertEquals(40, sent);
            // Nothing connects back within 5 s, and the node is unharmed.
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6)).until(() -> evil.accepted.get() == 0);
            assertTrue(victim.ping(c.get(1).selfNode()));
            assertEquals(List.of(c.get(1).selfNode()), victim.nodes());
            assertEquals(List.of(), seen.downs());
            assertTrue(Internals.droppedFrames(victim) >= droppedBefore + 40, "every attempt was refused");
        }
    }
}
