package io.distribute.internal;

import io.distribute.cluster.ClusterNode;
import io.distribute.testing.TestCluster;
import org.jgroups.Message;
import org.jgroups.stack.Protocol;
import org.jgroups.stack.ProtocolStack;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A PING or a PONG that is lost (a UDP datagram, or a message JGroups drops with the second of two simultaneous TCP
 * connections) does not make a live member look dead: the PING is sent again within the ping timeout. A member that
 * never answers is still reported as not answering.
 */
class PingResendTest {

    @Test
    void aPingSurvivesALostPingAndALostPong() throws Exception {
        try (TestCluster c = new TestCluster()) {
            // A ping timeout well past the fourth send (350 ms), so that a slow machine does not fail the test.
            ClusterNode a = c.start("pra", TestCluster.testConfig().pingTimeout(Duration.ofSeconds(2)).build());
            ClusterNode b = c.start("prb");
            assertTrue(a.connect(b.selfNode()).isOk());
            c.awaitAgreement();
            Loser aLosesPings = Loser.below(a, NodeHeader.PING, 2);
            Loser bLosesPongs = Loser.below(b, NodeHeader.PONG, 1);

            // a's first two PINGs and b's first PONG are lost: the fourth PING (~350 ms in) is answered.
            assertTrue(a.ping(b.selfNode()), "a live member was reported as not answering after one lost message");
            assertEquals(2, aLosesPings.lost.get());
            assertEquals(1, bLosesPongs.lost.get());
            // Nothing more is lost: the next ping is answered.
            assertTrue(a.ping(b.selfNode()));
        }
    }

    @Test
    void aMemberThatNeverAnswersIsStillNotAnswering() throws Exception {
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = c.start("prc");
            ClusterNode b = c.start("prd");
            assertTrue(a.connect(b.selfNode()).isOk());
            c.awaitAgreement();
            Loser aCountsPings = Loser.below(a, NodeHeader.PING, 0);
            Loser bLosesPongs = Loser.below(b, NodeHeader.PONG, Integer.MAX_VALUE);
            long start = System.nanoTime();
            assertFalse(a.ping(b.selfNode()));
            long ms = (System.nanoTime() - start) / 1_000_000;
            // The test config's ping timeout is 500 ms: sends at 0, 50, 150 and 350 ms, then the deadline.
            assertTrue(ms >= 490, "gave up after " + ms + " ms, before the ping timeout");
            int sent = aCountsPings.seen.get();
            // Nominally 4; a loaded machine oversleeps the waits, so at least the first PING and one more.
            assertTrue(sent >= 2 && sent <= 5, "PINGs sent within one ping timeout: " + sent);
            await().atMost(Duration.ofSeconds(2)).until(() -> bLosesPongs.lost.get() == sent);
        }
    }

    /** Drops the first {@code count} of a node's outgoing messages of one {@link NodeHeader} type. */
    static final class Loser extends Protocol {
        private final short nodeProtocolId;
        private final byte type;
        private final int count;
        final AtomicInteger seen = new AtomicInteger();
        final AtomicInteger lost = new AtomicInteger();

        private Loser(short nodeProtocolId, byte type, int count) {
            this.nodeProtocolId = nodeProtocolId;
            this.type = type;
            this.count = count;
        }

        static Loser below(ClusterNode node, byte type, int count) throws Exception {
            ProtocolStack stack = Channels.of(node).getProtocolStack();
            NodeProtocol p = stack.findProtocol(NodeProtocol.class);
            Loser l = new Loser(p.getId(), type, count);
            stack.insertProtocol(l, ProtocolStack.Position.BELOW, NodeProtocol.class);
            return l;
        }

        @Override
        public Object down(Message msg) {
            NodeHeader h = msg.getHeader(nodeProtocolId);
            if (h != null && h.type == type) {
                seen.incrementAndGet();
                if (lost.get() < count) {
                    lost.incrementAndGet();
                    return null;
                }
            }
            return down_prot.down(msg);
        }
    }
}
