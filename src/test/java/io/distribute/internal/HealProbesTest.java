package io.distribute.internal;

import io.distribute.cluster.ClusterNode;
import io.distribute.testing.TestCluster;
import org.jgroups.JChannel;
import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.TP;
import org.jgroups.stack.ProtocolStack;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

/**
 * A partition heals by the coordinators' probes of the members they lost, well before MERGE3's backstop (10-30 s,
 * first consistency check after 48 s) could; an idle cluster probes nothing.
 */
class HealProbesTest {

    @Test
    void anIdleClusterLooksForNobody() {
        try (TestCluster c = TestCluster.of("hidle", 3)) {
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> c.nodes().stream().allMatch(n -> node(n).healPending() == 0));
        }
    }

    @Test
    void aCutOffMemberIsMergedBackByProbesWithinThreeSeconds() throws Exception {
        try (TestCluster c = TestCluster.of("hcut", 3)) {
            ClusterNode cut = c.get(2);
            JChannel ch = Channels.of(cut);
            DISCARD discard = new DISCARD().discardAll(true);
            ch.getProtocolStack().insertProtocol(discard, ProtocolStack.Position.ABOVE, TP.class);
            // Heartbeats stop both ways: each side drops the other as unresponsive (2 s timeout) and looks for it.
            await().atMost(Duration.ofSeconds(10)).until(() -> cut.nodes().isEmpty() && c.get(0).nodes().size() == 1);
            assertTrue(node(c.get(0)).healPending() + node(c.get(1)).healPending() > 0, "the majority looks for it");
            assertEquals(2, node(cut).healPending(), "the cut-off node looks for both others");
            ch.getProtocolStack().removeProtocol(discard);
            await().atMost(Duration.ofSeconds(3)).until(c::agree);
            await().atMost(Duration.ofSeconds(2))
                    .until(() -> c.nodes().stream().allMatch(n -> node(n).healPending() == 0));
        }
    }

    static JGroupsNode node(ClusterNode n) {
        try {
            java.lang.reflect.Field f = ClusterNode.class.getDeclaredField("node");
            f.setAccessible(true);
            return (JGroupsNode) f.get(n);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
