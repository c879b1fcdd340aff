package io.distribute.internal;

import io.distribute.cluster.ClusterNode;
import io.distribute.testing.TestCluster;
import org.jgroups.BytesMessage;
import org.jgroups.Event;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.PhysicalAddress;
import org.jgroups.protocols.Discovery;
import org.jgroups.protocols.PingData;
import org.jgroups.protocols.PingHeader;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.stack.Protocol;
import org.jgroups.stack.ProtocolStack;
import org.jgroups.util.ByteArray;
import org.jgroups.util.ByteArrayDataInputStream;
import org.jgroups.util.MessageBatch;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A member answers MERGE3's discovery round for itself only (each entry of an answer makes MERGE3 send an INFO: with
 * every member in every answer, a round of one node sent N² of them) and a joiner's discovery with every member.
 */
class TcpPingTest {

    @Test
    void aMergeRoundGetsOneEntryAJoinerGetsEveryMember() throws Exception {
        try (TestCluster c = TestCluster.quick("tping", 3)) {
            JChannel a = channel(c.get(0));
            JChannel b = channel(c.get(1));
            Protocol discovery = a.getProtocolStack().findProtocol(TCPPING.class);
            assertInstanceOf(TcpPing.class, discovery);
            Answers answers = new Answers(discovery.getId());
            b.getProtocolStack().insertProtocol(answers, ProtocolStack.Position.ABOVE, TCP.class);

            assertEquals(1, ask(discovery, a, b, false, answers), "a MERGE3 round: the node itself only");
            assertEquals(3, ask(discovery, a, b, true, answers), "a joiner: every member, the coordinator among them");
        }
    }

    /** B's discovery request, as A's stack receives it; the number of entries in A's answer. */
    private static int ask(Protocol discovery, JChannel a, JChannel b, boolean initial, Answers answers)
            throws Exception {
        PhysicalAddress where = (PhysicalAddress) b.down(new Event(Event.GET_PHYSICAL_ADDRESS, b.getAddress()));
        ByteArray body = Discovery.marshal(new PingData(b.getAddress(), true, "b", where));
        Message request = new BytesMessage(a.getAddress(), body).setSrc(b.getAddress())
                .putHeader(discovery.getId(), new PingHeader(PingHeader.GET_MBRS_REQ).clusterName(a.getClusterName())
                        .initialDiscovery(initial));
        discovery.up(request);
        Integer entries = answers.received.poll(5, TimeUnit.SECONDS);
        assertNotNull(entries, "no answer within 5 s");
        return entries;
    }

    /** Counts the entries of each discovery answer passing up (inserted above the transport). */
    static final class Answers extends Protocol {
        final LinkedBlockingQueue<Integer> received = new LinkedBlockingQueue<>();
        private final short discoveryId;

        Answers(short discoveryId) {
            this.discoveryId = discoveryId;
        }

        @Override
        public Object up(Message msg) {
            look(msg);
            return up_prot.up(msg);
        }

        @Override
        public void up(MessageBatch batch) {
            batch.forEach(this::look);
            up_prot.up(batch);
        }

        private void look(Message msg) {
            PingHeader h = msg.getHeader(discoveryId);
            if (h == null || h.type() != PingHeader.GET_MBRS_RSP) {
                return;
            }
            try {
                ByteArrayDataInputStream in = new ByteArrayDataInputStream(msg.getArray(), msg.getOffset(),
                        msg.getLength());
                received.add(in.readInt());
            } catch (java.io.IOException e) {
                received.add(-1);
            }
        }
    }

    private static JChannel channel(ClusterNode node) throws ReflectiveOperationException {
        Field f = ClusterNode.class.getDeclaredField("node");
        f.setAccessible(true);
        Method m = JGroupsNode.class.getDeclaredMethod("channel");
        m.setAccessible(true);
        return (JChannel) m.invoke(f.get(node));
    }
}
