package io.distribute.internal;

import io.distribute.cluster.DownReason;
import io.distribute.cluster.MembershipEvent;
import io.distribute.cluster.MembershipEvent.NodeDown;
import io.distribute.cluster.MembershipEvent.NodeUp;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The net change a far-behind subscriber gets instead of its backlog. */
class BacklogCollapseTest {

    @Test
    void keepsWhatTheSubscriberMustLearnAndDropsWhatCameAndWent() {
        List<MembershipEvent> backlog = List.of(
                new NodeDown("gone@h", DownReason.UNRESPONSIVE),      // was up: stays gone
                new NodeUp("visitor@h"), new NodeDown("visitor@h", DownReason.LEFT), // came and went: nothing
                new NodeDown("phoenix@h", DownReason.CRASHED), new NodeUp("phoenix@h"), // restarted: down, then up
                new NodeDown("phoenix@h", DownReason.LEFT), new NodeUp("phoenix@h"),
                new NodeUp("new@h"));                                  // joined: up
        assertEquals(List.of(new NodeDown("gone@h", DownReason.UNRESPONSIVE), new NodeDown("phoenix@h", DownReason.LEFT),
                        new NodeUp("phoenix@h"), new NodeUp("new@h")),
                BacklogCollapse.collapse(Set.of("gone@h", "phoenix@h", "steady@h"), backlog));
    }

    @Test
    void theResultIsBoundedByTheClusterNotTheChurn() {
        List<MembershipEvent> churn = new java.util.ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            churn.add(new NodeUp("n" + (i % 5) + "@h"));
            churn.add(new NodeDown("n" + (i % 5) + "@h", DownReason.CRASHED));
        }
        churn.add(new NodeUp("n0@h"));
        assertEquals(List.of(new NodeDown("n1@h", DownReason.CRASHED), new NodeUp("n0@h")),
                BacklogCollapse.collapse(Set.of("n1@h"), churn));
    }
}
