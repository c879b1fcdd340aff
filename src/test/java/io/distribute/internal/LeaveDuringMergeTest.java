package io.distribute.internal;

import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.DownReason;
import io.distribute.cluster.MembershipEvent;
import io.distribute.testing.TestCluster;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.util.MergeId;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A coordinator that stops while a merge holds GMS' queue shut (between a merge request and the merged view; seen
 * when a node closed right after {@code connect} returned) must still leave gracefully: its peers report it LEFT at
 * once. Stock GMS dropped the coordinator's own leave request; the node vanished and was reported UNRESPONSIVE
 * seconds later (see {@link MembershipGms}).
 */
class LeaveDuringMergeTest {

    @Test
    void aCoordinatorLeavesWhenTheMergeItTakesPartInEnds() {
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = c.start("mleave-a");
            ClusterNode b = c.start("mleave-b", TestCluster.testConfig().seeds(a.selfNode()).build());
            List<MembershipEvent> atB = joinedAndWatched(a, b);
            String nameA = a.selfNode();
            MergeId merge = openMerge(a);

            CompletableFuture<Void> closing = CompletableFuture.runAsync(a::close);
            await("a waits for its merge to end before leaving").during(Duration.ofMillis(300))
                    .atMost(Duration.ofSeconds(1)).until(() -> !closing.isDone());
            gms(a).getMerger().handleMergeCancelled(merge);

            await("a left").atMost(Duration.ofSeconds(2)).until(closing::isDone);
            assertLeftGracefully(nameA, b, atB);
        }
    }

    @Test
    void aMergeThatNeverEndsDoesNotHoldTheLeave() {
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = c.start("mstuck-a");
            ClusterNode b = c.start("mstuck-b", TestCluster.testConfig().seeds(a.selfNode()).build());
            List<MembershipEvent> atB = joinedAndWatched(a, b);
            String nameA = a.selfNode();
            openMerge(a); // no view and no cancel ever comes
            long mergeTimeout = gms(a).getMergeTimeout();

            CompletableFuture<Void> closing = CompletableFuture.runAsync(a::close);
            await("a gives up on the merge after merge_timeout and leaves")
                    .atMost(Duration.ofMillis(mergeTimeout + 3000)).until(closing::isDone);
            assertLeftGracefully(nameA, b, atB);
        }
    }

    /** b has joined a (a is the coordinator); returns what b is told from now on. */
    private static List<MembershipEvent> joinedAndWatched(ClusterNode a, ClusterNode b) {
        await().atMost(Duration.ofSeconds(10)).until(() -> a.nodes().size() == 1 && b.nodes().size() == 1);
        JChannel chA = Channels.of(a);
        assertEquals(chA.getAddress(), chA.getView().getCoord(), "b joined a: a is the coordinator");
        List<MembershipEvent> events = new CopyOnWriteArrayList<>();
        b.subscribe(events::add);
        return events;
    }

    /** Holds a merge open at a's GMS as a merge request does: its queue is shut until the merge ends. */
    private static MergeId openMerge(ClusterNode a) {
        Address addrA = Channels.of(a).getAddress();
        MergeId merge = MergeId.create(addrA);
        assertTrue(gms(a).getMerger().setMergeId(null, merge));
        return merge;
    }

    /** b reported a LEFT, well before any heartbeat timeout could have removed it, and only that. */
    private static void assertLeftGracefully(String nameA, ClusterNode b, List<MembershipEvent> atB) {
        await("b no longer lists a").atMost(Duration.ofSeconds(1)).until(() -> b.nodes().isEmpty());
        List<MembershipEvent> downs = atB.stream().filter(e -> e instanceof MembershipEvent.NodeDown).toList();
        assertEquals(List.of(new MembershipEvent.NodeDown(nameA, DownReason.LEFT)), downs);
    }

    private static GMS gms(ClusterNode node) {
        return Channels.of(node).getProtocolStack().findProtocol(GMS.class);
    }
}
