package io.distribute.internal;

import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.DownReason;
import io.distribute.cluster.MembershipEvent;
import io.distribute.testing.ChildNode;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.jgroups.JChannel;
import org.jgroups.View;
import org.jgroups.ViewId;
import org.jgroups.protocols.pbcast.GMS;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A coordinator killed while its view was on the way, when only one member got it: the successor's view carries the
 * same number, and stock GMS dropped it at that member, which went on listing the dead coordinator until MERGE3's
 * consistency check merged it back (7.3 s in each of 4 runs; a 15 s wait in the 32-node test once ran out). The
 * member must take the successor's view at once (see {@link MembershipGms}).
 */
class StaleCoordinatorViewTest {

    @Test
    void theOnlyMemberThatGotACrashedCoordinatorsLastViewTakesTheSuccessorsView() throws Exception {
        try (ChildNode coord = ChildNode.start("firstcoord@127.0.0.1:" + Ports.next(), COOKIE, 2000);
             TestCluster c = new TestCluster()) {
            // Started with the child as seed (a GMS join): it stays the coordinator.
            for (int i = 1; i <= 3; i++) {
                c.start("successor" + i, TestCluster.testConfig().seeds(coord.name).build());
            }
            await().atMost(Duration.ofSeconds(15)).until(() -> c.nodes().stream().allMatch(n -> n.nodes().size() == 3));
            JChannel stale = Channels.of(c.get(2));
            View v = stale.getView();
            assertEquals(coord.name, NodeAddress.nameOf(v.getCoord()), "the child is the coordinator");
            List<List<MembershipEvent>> seen = new ArrayList<>();
            for (ClusterNode n : c.nodes()) {
                List<MembershipEvent> events = new CopyOnWriteArrayList<>();
                n.subscribe(events::add);
                seen.add(events);
            }
            // The coordinator's next view (same members) reached this one member, then the coordinator died.
            View onlyMine = new View(new ViewId(v.getCoord(), v.getViewId().getId() + 1), v.getMembers());
            ((GMS) stale.getProtocolStack().findProtocol(GMS.class)).installView(onlyMine);
            coord.kill();
            // Within the failure detection timeout (2 s) and the time to heal (MERGE3 took 7.3 s).
            await("all three list only each other").atMost(Duration.ofSeconds(3)).until(() -> c.nodes().stream()
                    .allMatch(n -> n.nodes().size() == 2 && !n.nodes().contains(coord.name)));
            MembershipEvent crashed = new MembershipEvent.NodeDown(coord.name, DownReason.CRASHED);
            await().atMost(Duration.ofSeconds(2)).until(() -> seen.stream().allMatch(e -> e.contains(crashed)));
            for (List<MembershipEvent> e : seen) {
                assertEquals(List.of(crashed), e.stream().filter(x -> x instanceof MembershipEvent.NodeDown).toList(),
                        "every member sees the coordinator go once, as CRASHED, and no one else");
            }
            c.awaitAgreement();
        }
    }
}
