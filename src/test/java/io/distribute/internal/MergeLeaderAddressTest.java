package io.distribute.internal;

import io.distribute.cluster.ClusterNode;
import io.distribute.testing.TestCluster;
import org.jgroups.Address;
import org.jgroups.Event;
import org.jgroups.JChannel;
import org.jgroups.Membership;
import org.jgroups.PhysicalAddress;
import org.jgroups.protocols.pbcast.GMS;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A coordinator asked to merge by a leader it has never heard of must be able to answer it: the merge request says
 * where the leader listens. Before, the answer was dropped for want of the leader's address ("no physical address")
 * and the merge hung until the leader gave up (merge_timeout) or a second request brought the address; seen as
 * 0.2-0.4 s connects about once in 30 once the connection the request travels on was opened ahead of it.
 */
class MergeLeaderAddressTest {

    @Test
    void aCoordinatorAnswersAMergeLeaderItNeverHeardOf() {
        try (TestCluster c = new TestCluster()) {
            ClusterNode x = c.start("mlead-x");
            ClusterNode y = c.start("mlead-y");
            Address ax = Channels.of(x).getAddress();
            Address ay = Channels.of(y).getAddress();
            Address leaderAddress = new Membership(List.of(ax, ay)).sort().elementAt(0); // GMS' choice of leader
            ClusterNode leader = leaderAddress.equals(ax) ? x : y;
            ClusterNode other = leader == x ? y : x;
            Address otherAddress = leader == x ? ay : ax;
            assertNull(protocol(other).physicalAddressOf(leaderAddress), "the other side never heard of the leader");
            PhysicalAddress otherListensAt = protocol(other).physicalAddressOf(otherAddress);
            assertNotNull(otherListensAt);
            protocol(leader).addMapping(otherAddress, otherListensAt); // the leader knows where to send, as after a probe

            JChannel lc = Channels.of(leader);
            lc.getProtocolStack().findProtocol(GMS.class).up(new Event(Event.MERGE,
                    Map.of(leaderAddress, lc.getView(), otherAddress, Channels.of(other).getView())));

            // merge_timeout is 2 s: before it, the answer came back and the merged view is in
            await("merged").atMost(Duration.ofMillis(1500))
                    .until(() -> x.nodes().size() == 1 && y.nodes().size() == 1);
        }
    }

    private static NodeProtocol protocol(ClusterNode node) {
        return Channels.of(node).getProtocolStack().findProtocol(NodeProtocol.class);
    }
}
