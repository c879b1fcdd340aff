package io.distribute.internal;

import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.MembershipEvent;
import io.distribute.testing.TestCluster;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.View;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A merge started from an old view of the other side (a probe answer, MERGE3's INFO: nodes started together learn
 * each other's views while they are still changing) must take that side's coordinator with all its members. Stock GMS
 * answered for the members the merge leader knew of only: the coordinator was merged away alone, and the member it
 * had just taken in stayed behind, reported UNRESPONSIVE (see {@link MembershipGms}).
 */
class WholeViewMergeTest {

    @Test
    void aMergeFromAnOldViewTakesTheCoordinatorsWholeCluster() {
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = c.start("whole-a");
            View aloneA = Channels.of(a).getView(); // what a probe of a would have answered just now: a alone
            ClusterNode b = c.start("whole-b", TestCluster.testConfig().seeds(a.selfNode()).build());
            await().atMost(Duration.ofSeconds(10)).until(() -> a.nodes().size() == 1 && b.nodes().size() == 1);
            JChannel chA = Channels.of(a);
            assertEquals(chA.getAddress(), chA.getView().getCoord(), "b joined a: a stays the coordinator");
            ClusterNode l = c.start("whole-l");
            List<List<MembershipEvent>> seen = new ArrayList<>();
            for (ClusterNode n : c.nodes()) {
                List<MembershipEvent> events = new CopyOnWriteArrayList<>();
                n.subscribe(events::add);
                seen.add(events);
            }
            Address addrA = chA.getAddress();
            NodeProtocol atL = Channels.of(l).getProtocolStack().findProtocol(NodeProtocol.class);
            // l merges with a's cluster as it knew it before b joined
            atL.triggerMerge(aloneA, Map.of(addrA, protocol(a).physicalAddressOf(addrA)));
            await("all three list each other").atMost(Duration.ofSeconds(5))
                    .until(() -> c.nodes().stream().allMatch(n -> n.nodes().size() == 2));
            c.awaitAgreement();
            for (List<MembershipEvent> e : seen) {
                assertEquals(List.of(), e.stream().filter(x -> x instanceof MembershipEvent.NodeDown).toList(),
                        "no one was left behind or reported down");
            }
        }
    }

    private static NodeProtocol protocol(ClusterNode node) {
        return Channels.of(node).getProtocolStack().findProtocol(NodeProtocol.class);
    }
}
