package io.distribute.internal;

import io.distribute.Result;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.DownReason;
import io.distribute.cluster.MembershipEvent;
import io.distribute.testing.ChildNode;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.jgroups.JChannel;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A member that finds a killed member's address refusing connections tells the coordinator, not everyone: every
 * member reporting to every other made one kill cost N x (N - 1) reports in an N-node cluster. Every member still
 * reports the removal as CRASHED (the coordinator sends its reasons on the view).
 */
class CrashReportsTest {

    private static final int MEMBERS = 5;

    @Test
    void aKillIsReportedToTheCoordinatorOnlyAndEveryoneSeesItCrashed() throws Exception {
        try (TestCluster c = TestCluster.of("report", MEMBERS);
             ChildNode victim = ChildNode.start("reported@127.0.0.1:" + Ports.next(), COOKIE, 2000)) {
            assertEquals(Result.ok(), c.get(MEMBERS - 1).connect(victim.name));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> c.nodes().stream().allMatch(n -> n.nodes().contains(victim.name)));
            List<List<MembershipEvent>> seen = new ArrayList<>();
            for (ClusterNode n : c.nodes()) {
                List<MembershipEvent> events = new CopyOnWriteArrayList<>();
                n.subscribe(events::add);
                seen.add(events);
            }
            long[] before = reports(c);
            victim.kill();
            MembershipEvent crashed = new MembershipEvent.NodeDown(victim.name, DownReason.CRASHED);
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.stream().allMatch(e -> e.contains(crashed)));
            c.awaitAgreement();
            // Reports are sent before the view that removes the victim: wait a little longer for a stray one.
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> true);
            long[] after = reports(c);
            for (int i = 0; i < MEMBERS; i++) {
                long got = after[i] - before[i];
                if (isCoordinator(c.get(i))) {
                    assertTrue(got <= MEMBERS - 1, "the coordinator got " + got + " reports");
                } else {
                    assertEquals(0, got, c.get(i).selfNode() + " is no coordinator but got reports");
                }
            }
            for (List<MembershipEvent> e : seen) {
                // (a subscription starts with a NodeUp for each member listed then)
                assertEquals(List.of(crashed), e.stream().filter(x -> x instanceof MembershipEvent.NodeDown).toList(),
                        "every member sees the kill once, as CRASHED");
            }
        }
    }

    /**
     * A node that stops closes its connections itself: no hint about anyone, and no checks on the check threads every
     * node of the JVM shares (a stopped node's checks once held them for seconds while a real kill waited).
     */
    @Test
    void aStoppedNodeChecksNobody() {
        try (TestCluster c = TestCluster.of("stopping", 4)) {
            NodeProtocol leaving = protocol(c.get(3));
            org.jgroups.Address member = Channels.of(c.get(0)).getAddress();
            // While it leaves, the others close their connections to it and it may still check them; once close()
            // has returned it is stopped: a hint now (a connection of its own closing) must start no check.
            c.get(3).close();
            long before = leaving.crashEvidence().checksRun();
            leaving.crashEvidence().hint(member);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2))
                    .until(() -> leaving.crashEvidence().checksRun() == before);
            await().atMost(Duration.ofSeconds(5)).until(() -> c.nodes().subList(0, 3).stream()
                    .allMatch(n -> n.nodes().size() == 2));
        }
    }

    private static long[] reports(TestCluster c) {
        long[] r = new long[MEMBERS];
        for (int i = 0; i < MEMBERS; i++) {
            r[i] = protocol(c.get(i)).crashEvidence().reportsReceived();
        }
        return r;
    }

    private static boolean isCoordinator(ClusterNode node) {
        JChannel ch = Channels.of(node);
        return ch.getAddress().equals(ch.getView().getCoord());
    }

    private static NodeProtocol protocol(ClusterNode node) {
        return Channels.of(node).getProtocolStack().findProtocol(NodeProtocol.class);
    }
}
