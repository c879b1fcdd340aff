package io.distribute.reliability;

import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.DownReason;
import io.distribute.cluster.MembershipEvent;
import io.distribute.testing.ChildNode;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nodes join and leave for 60 s (-Dchurn.seconds to change), some gracefully, some killed in their own JVM; after
 * every step all live nodes agree on who is alive (no name listed twice, nobody dead listed), and a subscriber on the
 * hub saw exactly that step's event with the right reason: NodeUp for a join, NodeDown LEFT for a close, NodeDown
 * CRASHED for a kill, and never a NodeDown of a live node.
 */
class ChurnTest {

    @Test
    void clusterStaysConsistentUnderChurn() throws Exception {
        long seconds = Long.getLong("churn.seconds", 60);
        Random r = new Random(1126);
        List<ChildNode> children = new ArrayList<>();
        int steps = 0;
        int kills = 0;
        int leaves = 0;
        try (TestCluster c = TestCluster.of("core", 3)) {
            String hub = c.get(0).selfNode();
            ConcurrentLinkedQueue<MembershipEvent> seen = new ConcurrentLinkedQueue<>();
            c.get(0).subscribe(seen::add);
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 2); // the other two core nodes
            seen.clear();
            Map<String, MembershipEvent> expected = new HashMap<>();
            List<ClusterNode> extras = new ArrayList<>();
            long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            while (System.nanoTime() < end && steps < 500) {
                int action = r.nextInt(4);
                if (action == 0 && extras.size() < 4) {
                    ClusterNode n = c.start("extra" + steps);
                    n.connect(hub).orElseThrow();
                    extras.add(n);
                    expected.put(n.selfNode(), new MembershipEvent.NodeUp(n.selfNode()));
                } else if (action == 1 && !extras.isEmpty()) {
                    ClusterNode gone = extras.remove(r.nextInt(extras.size()));
                    String name = gone.selfNode();
                    gone.close();
                    expected.put(name, new MembershipEvent.NodeDown(name, DownReason.LEFT));
                    leaves++;
                } else if (action == 2 && children.size() < 2) {
                    ChildNode child = ChildNode.start("child" + steps + "@127.0.0.1:" + Ports.next(), COOKIE, 2000);
                    children.add(child);
                    String answer = child.ask("connect " + hub, "RESULT", 15);
                    assertTrue(answer != null && answer.contains("Ok"), "child connect: " + answer);
                    expected.put(child.name, new MembershipEvent.NodeUp(child.name));
                } else if (action == 3 && !children.isEmpty()) {
                    ChildNode victim = children.remove(r.nextInt(children.size()));
                    victim.kill();
                    victim.close();
                    expected.put(victim.name, new MembershipEvent.NodeDown(victim.name, DownReason.CRASHED));
                    kills++;
                } else {
                    continue;
                }
                steps++;
                Set<String> alive = new HashSet<>();
                c.nodes().stream().filter(n -> !n.selfNode().equals("nonode@nohost")).forEach(n -> alive.add(n.selfNode()));
                children.forEach(ch -> alive.add(ch.name));
                awaitAgreement(c, alive, steps);
                awaitEvents(seen, expected, steps);
            }
            System.out.printf("churn: %d steps in %d s (%d graceful leaves, %d kills), all live nodes agreed after each%n",
                    steps, seconds, leaves, kills);
            assertTrue(steps >= 10, "only " + steps + " steps");
        } finally {
            for (ChildNode ch : children) {
                ch.close();
            }
        }
    }

    /** The hub's subscriber gets exactly the step's event (after the events of earlier steps, all checked). */
    private static void awaitEvents(ConcurrentLinkedQueue<MembershipEvent> seen, Map<String, MembershipEvent> expected,
                                    int step) {
        MembershipEvent want = expected.values().iterator().next();
        await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
        MembershipEvent got = seen.poll();
        assertEquals(want, got, () -> "step " + step + ": the hub's subscriber saw the wrong event (then " + seen + ")");
        expected.clear();
        assertTrue(seen.isEmpty(), "step " + step + ": more events than one: " + seen);
    }

    private static void awaitAgreement(TestCluster c, Set<String> alive, int step) {
        try {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> {
                for (ClusterNode n : c.nodes()) {
                    if (n.selfNode().equals("nonode@nohost")) {
                        continue;
                    }
                    Set<String> expected = new HashSet<>(alive);
                    expected.remove(n.selfNode());
                    if (n.nodes().size() != expected.size() || !new HashSet<>(n.nodes()).equals(expected)) {
                        return false;
                    }
                }
                return true;
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("step " + step + ": live nodes " + alive + " but views are\\n" + c.dump(), e);
        }
    }
}
