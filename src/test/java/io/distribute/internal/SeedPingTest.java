package io.distribute.internal;

import io.distribute.cluster.ClusterNode;
import io.distribute.testing.TestCluster;
import org.jgroups.Address;
import org.jgroups.Message;
import org.jgroups.protocols.Discovery;
import org.jgroups.protocols.PingData;
import org.jgroups.protocols.PingHeader;
import org.jgroups.protocols.TCPPING;
import org.jgroups.stack.Protocol;
import org.jgroups.stack.ProtocolStack;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * A discovery request from a member of the view is answered with the answerer's own entry; one from a node outside
 * the view (a joiner) with every member the answerer knows, so that a joiner whose seed is not the coordinator still
 * finds it.
 */
class SeedPingTest {

    private static final int MEMBERS = 4;

    @Test
    void membersGetOneEntryAndAJoinerGetsTheWholeView() throws Exception {
        try (TestCluster c = TestCluster.of("seedping", MEMBERS)) {
            ClusterNode answerer = c.get(1);
            assertInstanceOf(SeedPing.class, Channels.of(answerer).getProtocolStack().findProtocol(TCPPING.class));
            Answers answers = Answers.below(answerer);

            // A member asks (as MERGE3 does every round): the answer is the answerer's entry alone.
            ClusterNode member = c.get(2);
            Discovery asking = Channels.of(member).getProtocolStack().findProtocol(TCPPING.class);
            asking.findMembers(null, false, true, 0);
            Address memberAddress = Channels.of(member).getAddress();
            await().atMost(Duration.ofSeconds(5)).until(() -> answers.to.containsKey(memberAddress));
            List<PingData> toMember = answers.to.get(memberAddress);
            assertEquals(List.of(Channels.of(answerer).getAddress()), toMember.stream().map(PingData::getAddress)
                    .toList());

            // A node outside the view, seeded with the answerer only: it gets every member, and joins.
            ClusterNode joiner = c.start("seedping-joiner",
                    TestCluster.testConfig().seeds(List.of(answerer.selfNode())).build());
            Address joinerAddress = Channels.of(joiner).getAddress();
            await().atMost(Duration.ofSeconds(5)).until(() -> answers.to.containsKey(joinerAddress));
            assertEquals(MEMBERS, answers.to.get(joinerAddress).size(), "entries sent to a node outside the view");
            c.awaitAgreement();
        }
    }

    /** Records the discovery answers a node sends, by destination (the first one to each). */
    static final class Answers extends Protocol {
        /** The first answer to each destination. */
        final Map<Address, List<PingData>> to = new ConcurrentHashMap<>();
        private short discoveryId;

        static Answers below(ClusterNode node) throws Exception {
            ProtocolStack stack = Channels.of(node).getProtocolStack();
            Answers a = new Answers();
            a.discoveryId = stack.findProtocol(TCPPING.class).getId();
            stack.insertProtocol(a, ProtocolStack.Position.BELOW, TCPPING.class);
            return a;
        }

        @Override
        public Object down(Message msg) {
            PingHeader h = msg.getHeader(discoveryId);
            if (h != null && h.type() == PingHeader.GET_MBRS_RSP && msg.getDest() != null) {
                try {
                    to.putIfAbsent(msg.getDest(),
                            Discovery.deserialize(msg.getArray(), msg.getOffset(), msg.getLength()));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            return down_prot.down(msg);
        }
    }
}
