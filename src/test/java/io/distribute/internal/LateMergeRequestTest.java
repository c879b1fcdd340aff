package io.distribute.internal;

import io.distribute.cluster.ClusterNode;
import io.distribute.testing.TestCluster;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.View;
import org.jgroups.ViewId;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.stack.Protocol;
import org.jgroups.stack.ProtocolStack;
import org.jgroups.util.MessageBatch;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
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

    /**
     * The other late request: the newcomer's probe sees the merged view (listing it) before the newcomer has installed
     * it. Asking again then started a merge in which the newcomer, still waiting for its view from the first merge,
     * dropped the coordinator's MERGE_REQ: the coordinator held every membership change until merge_timeout (2 s).
     * Here the newcomer gets its merged view 400 ms late (longer than connect's gaps between probes, so one of them
     * sees it listed); {@code connect} must wait for it instead, and the newcomer's leave right after {@code connect}
     * returns must go through at once.
     */
    @Test
    void aConnectWhoseProbeSeesItselfListedWaitsForItsViewInsteadOfAskingAgain() throws Exception {
        try (TestCluster c = TestCluster.of("mseen", 3)) {
            ClusterNode x = c.start("mseen-x");
            JChannel xs = Channels.of(x);
            MergeViewDelay delay = new MergeViewDelay(400, xs.getProtocolStack().<GMS>findProtocol(GMS.class).getId());
            xs.getProtocolStack().insertProtocol(delay, ProtocolStack.Position.BELOW, GMS.class);
            JChannel coord = Channels.of(c.get(0));
            GMS coordGms = coord.getProtocolStack().findProtocol(GMS.class);
            try {
                assertTrue(x.connect(c.get(1).selfNode()).isOk());
                assertEquals(1, delay.held(), "the merged view reached the newcomer late");
                assertFalse(coordGms.isMergeInProgress(), "a second merge with the newcomer runs at "
                        + coord.getAddress());
                Address gone = xs.getAddress();
                long left = System.nanoTime();
                x.close();
                await().atMost(Duration.ofSeconds(1)).until(() -> !coord.getView().containsMember(gone));
                assertTrue(System.nanoTime() - left < Duration.ofSeconds(1).toNanos());
            } finally {
                delay.close();
            }
        }
    }

    /** Holds the first merged view ({@code INSTALL_MERGE_VIEW}) sent to this node for a while, then passes it up. */
    static final class MergeViewDelay extends Protocol implements AutoCloseable {
        private final long millis;
        private final short gmsId;
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        private final AtomicInteger held = new AtomicInteger();

        MergeViewDelay(long millis, short gmsId) {
            this.millis = millis;
            this.gmsId = gmsId;
        }

        int held() {
            return held.get();
        }

        private boolean holds(Message msg) {
            GMS.GmsHeader h = msg.getHeader(gmsId);
            return h != null && h.getType() == GMS.GmsHeader.INSTALL_MERGE_VIEW && held.compareAndSet(0, 1);
        }

        @Override
        public Object up(Message msg) {
            if (holds(msg)) {
                timer.schedule(() -> up_prot.up(msg), millis, TimeUnit.MILLISECONDS);
                return null;
            }
            return up_prot.up(msg);
        }

        @Override
        public void up(MessageBatch batch) {
            for (Iterator<Message> it = batch.iterator(); it.hasNext(); ) {
                Message m = it.next();
                if (holds(m)) {
                    it.remove();
                    timer.schedule(() -> up_prot.up(m), millis, TimeUnit.MILLISECONDS);
                }
            }
            if (!batch.isEmpty()) {
                up_prot.up(batch);
            }
        }

        @Override
        public void close() {
            timer.shutdownNow();
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
