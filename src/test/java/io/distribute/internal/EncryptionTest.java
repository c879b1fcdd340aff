package io.distribute.internal;

import io.distribute.cluster.ClusterConfig;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.Message;
import org.jgroups.stack.Protocol;
import org.jgroups.stack.ProtocolStack;
import org.jgroups.util.MessageBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tampered frame, a frame sealed with another cookie, and an unsealed frame are dropped, counted, never delivered. */
class EncryptionTest {

    private final List<JGroupsNode> nodes = new ArrayList<>();

    /** Sits right above EncryptProtocol and records every payload that got through it. */
    static final class Sniffer extends Protocol {
        final List<String> delivered = Collections.synchronizedList(new ArrayList<>());

        @Override
        public Object up(Message msg) {
            record(msg);
            return up_prot.up(msg);
        }

        @Override
        public void up(MessageBatch batch) {
            batch.forEach(this::record);
            up_prot.up(batch);
        }

        private void record(Message msg) {
            if (msg.getLength() > 0 && msg.getArray() != null) {
                delivered.add(new String(msg.getArray(), msg.getOffset(), msg.getLength(), StandardCharsets.ISO_8859_1));
            }
        }
    }

    /** Sits below EncryptProtocol on the sender and flips one bit of each sealed frame while armed. */
    static final class Tamper extends Protocol {
        volatile boolean armed;

        @Override
        public Object down(Message msg) {
            if (armed && msg.getHeader(EncryptProtocol.PROTOCOL_ID) != null && msg.getLength() > 20) {
                byte[] copy = java.util.Arrays.copyOfRange(msg.getArray(), msg.getOffset(), msg.getOffset() + msg.getLength());
                copy[copy.length - 5] ^= 0x01;
                msg.setArray(copy, 0, copy.length);
            }
            return down_prot.down(msg);
        }
    }

    private JGroupsNode start(String name, String cookie, boolean encryption) {
        ClusterConfig cfg = TestCluster.testConfig().encryption(encryption).build();
        JGroupsNode n = JGroupsNode.start(name + "@127.0.0.1:" + Ports.next(), cookie, cfg).orElseThrow();
        nodes.add(n);
        return n;
    }

    private static Sniffer sniff(JGroupsNode n) throws Exception {
        Sniffer s = new Sniffer();
        n.channel().getProtocolStack().insertProtocol(s, ProtocolStack.Position.ABOVE, EncryptProtocol.class);
        return s;
    }

    /** Lets {@code from} address {@code to} directly, as if they had met before. */
    private static void introduce(JGroupsNode from, JGroupsNode to) {
        NodeProtocol np = from.channel().getProtocolStack().findProtocol(NodeProtocol.class);
        np.addMapping(to.address(), new org.jgroups.stack.IpAddress(to.boundAddress()));
    }

    private static void send(JGroupsNode from, Address to, String text) throws Exception {
        from.channel().send(new BytesMessage(to, text.getBytes(StandardCharsets.ISO_8859_1)));
    }

    @AfterEach
    void close() {
        nodes.forEach(JGroupsNode::close);
    }

    @Test
    void frameSealedWithAnotherCookieIsDroppedAndCounted() throws Exception {
        JGroupsNode a = start("enc-a", TestCluster.COOKIE, true);
        JGroupsNode foreign = start("enc-f", "a-completely-different-cookie", true);
        Sniffer sniffer = sniff(a);
        introduce(foreign, a);
        long before = a.droppedFrames();
        send(foreign, a.address(), "secret-from-foreign");
        await().atMost(Duration.ofSeconds(3)).until(() -> a.droppedFrames() > before);
        assertFalse(sniffer.delivered.stream().anyMatch(p -> p.contains("secret-from-foreign")));
        assertEquals(List.of(), a.nodes());
    }

    @Test
    void tamperedFrameIsDroppedAndTheIntactOneDelivered() throws Exception {
        JGroupsNode a = start("tam-a", TestCluster.COOKIE, true);
        JGroupsNode b = start("tam-b", TestCluster.COOKIE, true);
        Sniffer sniffer = sniff(a);
        Tamper tamper = new Tamper();
        b.channel().getProtocolStack().insertProtocol(tamper, ProtocolStack.Position.BELOW, EncryptProtocol.class);
        introduce(b, a);
        long before = a.droppedFrames();
        tamper.armed = true;
        // unreliable, so that UNICAST3 does not retransmit it in the clear of a later, untampered attempt
        b.channel().send(new BytesMessage(a.address(), "tampered-payload".getBytes(StandardCharsets.ISO_8859_1))
                .setFlag(Message.Flag.NO_RELIABILITY));
        await().atMost(Duration.ofSeconds(3)).until(() -> a.droppedFrames() > before);
        assertFalse(sniffer.delivered.stream().anyMatch(p -> p.contains("tampered-payload")));
        tamper.armed = false;
        b.channel().send(new BytesMessage(a.address(), "intact-payload".getBytes(StandardCharsets.ISO_8859_1))
                .setFlag(Message.Flag.NO_RELIABILITY));
        await().atMost(Duration.ofSeconds(3)).until(() -> sniffer.delivered.stream().anyMatch(p -> p.contains("intact-payload")));
    }

    @Test
    void unsealedFrameIsDroppedAndANodeWithoutEncryptionCannotJoin() throws Exception {
        JGroupsNode a = start("plain-a", TestCluster.COOKIE, true);
        JGroupsNode plain = start("plain-p", TestCluster.COOKIE, false);
        Sniffer sniffer = sniff(a);
        introduce(plain, a);
        long before = a.droppedFrames();
        send(plain, a.address(), "cleartext-payload");
        await().atMost(Duration.ofSeconds(3)).until(() -> a.droppedFrames() > before);
        assertFalse(sniffer.delivered.stream().anyMatch(p -> p.contains("cleartext-payload")));
        assertTrue(plain.connect(a.selfNode()).isErr());
        assertEquals(List.of(), a.nodes());
    }

    @Test
    void sealedTrafficFlowsBetweenNodesWithTheCookie() throws Exception {
        JGroupsNode a = start("ok-a", TestCluster.COOKIE, true);
        JGroupsNode b = start("ok-b", TestCluster.COOKIE, true);
        Sniffer sniffer = sniff(a);
        assertTrue(b.connect(a.selfNode()).isOk());
        send(b, a.address(), "hello-a");
        await().atMost(Duration.ofSeconds(3)).until(() -> sniffer.delivered.stream().anyMatch(p -> p.contains("hello-a")));
        assertEquals(0, a.droppedFrames());
    }
}
