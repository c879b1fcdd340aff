package io.distribute.internal;

import io.distribute.cluster.ClusterNode;
import io.distribute.testing.TestCluster;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.View;
import org.jgroups.ViewId;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A merge request that arrives after the merge it asks for has landed is not run again (see {@link
 * MergeTrigger#mergedSince}). Seen in the benchmark at 64 nodes: a connect's second request, made with a probe answer
 * older than the merged view, started a merge with the newcomer; the newcomer was killed right after its connect
 * returned, and its removal waited for that merge to give up on it (2 s) instead of ~0.1 s.
 */
class LateMergeRequestTest {

    @Test
    void aMergeRequestMadeBeforeThatMergeLandedChangesNothing() throws Exception {
        try (TestCluster c = TestCluster.of("mlate", 3)) {
            JChannel first = Channels.of(c.get(0));
            View clusterBefore = first.getView(); // the cluster as a probe saw it
            ClusterNode x = c.start("mlate-x");
            View xAlone = Channels.of(x).getView();
            assertTrue(x.connect(c.get(1).selfNode()).isOk());
            c.awaitAgreement();
            ClusterNode coordinator = c.nodes().stream()
                    .filter(n -> Channels.of(n).getAddress().equals(first.getView().getCoord())).findFirst().orElseThrow();
            JChannel coord = Channels.of(coordinator);
            long merged = coord.getView().getViewId().getId();

            // x's late request, as the coordinator receives it: both views from before the merge.
            byte[] payload = MergeTrigger.payload(xAlone, clusterBefore, Map.of());
            Message late = new BytesMessage(coord.getAddress(), payload).setSrc(Channels.of(x).getAddress());
            NodeProtocol protocol = coord.getProtocolStack().findProtocol(NodeProtocol.class);
            late.putHeader(protocol.getId(), new NodeHeader(NodeHeader.MERGE, 0));
            protocol.up(late);

            // A join through the same coordinator: GMS handles requests in order, so once its view is in, the late
            // request has been dealt with. Exactly one view more: the join's.
            ClusterNode y = c.start("mlate-y", TestCluster.testConfig().seeds(coordinator.selfNode()).build());
            c.awaitAgreement();
            View now = coord.getView();
            assertEquals(merged + 1, now.getViewId().getId(), "views since the merge: " + now);
            assertTrue(now.containsMember(Channels.of(y).getAddress()), now::toString);
        }
    }

    @Test
    void onlyARequestBothOfWhoseSidesTheViewTookInSinceIsLate() {
        Address a = NodeAddress.create("ma@127.0.0.1:1");
        Address b = NodeAddress.create("mb@127.0.0.1:2");
        Address n = NodeAddress.create("mn@127.0.0.1:3");
        View aAlone = new View(new ViewId(a, 3), List.of(a));
        View bs = new View(new ViewId(b, 7), List.of(b, n));
        assertTrue(MergeTrigger.mergedSince(new View(new ViewId(b, 8), List.of(b, n, a)), aAlone, bs));
        assertFalse(MergeTrigger.mergedSince(new View(new ViewId(b, 7), List.of(b, n, a)), aAlone, bs),
                "a view no newer than a side's: that side may still differ");
        assertFalse(MergeTrigger.mergedSince(new View(new ViewId(b, 8), List.of(b, n)), aAlone, bs),
                "a coordinator not in our view: a merge to run");
        assertFalse(MergeTrigger.mergedSince(null, aAlone, bs));
    }
}
