package io.distribute.reliability;

import io.distribute.testing.ChildNodes;
import io.distribute.testing.Namespaces;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 12 item 5: a 32-node cluster across 4 JVMs of 8 nodes, each JVM in a network namespace of its own (sides a-d,
 * joined by a bridge): side a's 8 nodes, everyone's seeds, start together, then each other side's 8 together, one
 * side after the other. Then one link is cut (side b's port on the bridge): both sides report the other's nodes UNRESPONSIVE and each side agrees on its
 * own members; the link returns and the 32 agree again. Then one whole JVM (side d: 8 members) is killed with SIGKILL:
 * every survivor reports each of its nodes CRASHED and the 24 agree. Namespaces and processes are removed afterwards,
 * on failure too.
 *
 * <p>In the suite since December's sixth session: 9 of 9 runs passed on the 2-core machine, one of them in a full CI
 * run (32-66 s; side a's 8 formed in 2.8-12.1 s, each further side's 8 joined in 5.4-18.0 s, the cut was seen in
 * 5.7-6.0 s with a 5 s timeout, healed in 0.7-2.3 s, kill -9 of 8 -> 24 agree in 1.0-2.2 s, all CRASHED). Before connect spaced out its repeated merge
 * requests, the formation steps took 7.5-20 s and more, and the test passed about one run in three; it was disabled.
 * A step may take 30 s: its point is that 32 form, split, heal and see a crash correctly, not how fast (that is the
 * benchmark's {@code many} row).
 */
class ThirtyTwoNodesTest {

    /** Failure detection: longer than the default 3 s, which on 2 busy cores removed live members while 8 joined. */
    private static final long FD_MS = 5000;
    private static final List<String> SIDES = List.of("a", "b", "c", "d");
    private static final int PER_SIDE = 8;

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void thirtyTwoNodesInFourJvmsFormSplitHealAndSeeACrash() throws Exception {
        assumeTrue(Namespaces.unavailableReason() == null, "needs root and ip netns: " + Namespaces.unavailableReason());
        String prefix = "d32" + HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt()}) + "-";
        String cookie = "t32-" + HexFormat.of().formatHex(java.security.SecureRandom.getSeed(16));
        List<String> figures = new ArrayList<>();
        List<ChildNodes> jvms = new ArrayList<>();
        try (Namespaces net = Namespaces.create(prefix, "10.221.0", SIDES)) {
            List<List<String>> names = new ArrayList<>();
            List<String> all = new ArrayList<>();
            for (String side : SIDES) {
                List<String> mine = new ArrayList<>();
                for (int j = 0; j < PER_SIDE; j++) {
                    mine.add("n" + side + j + "@" + net.address(side) + ":" + (7800 + j));
                }
                names.add(mine);
                all.addAll(mine);
            }
            // Side a's 8 nodes are everyone's seeds: they start first, at once; then the 24 others, at once.
            List<String> seeds = names.get(0);
            long t0 = System.nanoTime();
            jvms.add(ChildNodes.start("t32-a", net.exec("a"), cookie, FD_MS, seeds, seeds));
            awaitMembers(jvms, seeds, Duration.ofSeconds(30), "side a's 8 seeds to form a cluster");
            figures.add("side a's 8 nodes (seeds) formed in " + ms(t0) + " ms");
            // Then each other JVM's 8 at once, one JVM after the other (24 at once on 2 busy cores collapsed in islands and merges).
            List<String> joined = new ArrayList<>(seeds);
            for (int k = 1; k < SIDES.size(); k++) {
                long t1 = System.nanoTime();
                jvms.add(ChildNodes.start("t32-" + SIDES.get(k), net.exec(SIDES.get(k)), cookie, FD_MS, seeds,
                        names.get(k)));
                joined.addAll(names.get(k));
                awaitMembers(jvms, joined, Duration.ofSeconds(30), joined.size() + " nodes to form one cluster");
                figures.add("side " + SIDES.get(k) + "'s 8 joined in " + ms(t1) + " ms");
            }

            // One link cut: side b against a, c and d.
            ChildNodes b = jvms.get(1);
            List<String> rest = new ArrayList<>(all);
            rest.removeAll(b.names);
            long cutAt = System.nanoTime();
            net.cut("b");
            List<ChildNodes> others = List.of(jvms.get(0), jvms.get(2), jvms.get(3));
            awaitMembers(List.of(b), b.names, Duration.ofSeconds(15), "side b alone after the cut");
            awaitMembers(others, rest, Duration.ofSeconds(15), "a, c and d without b after the cut");
            figures.add("cut b: each side down to its own members in " + ms(cutAt) + " ms (timeout " + FD_MS + " ms)");
            for (ChildNodes c : others) {
                assertReported(c, b.names, cutAt, "UNRESPONSIVE");
            }
            assertReported(b, rest, cutAt, "UNRESPONSIVE");

            long upAt = System.nanoTime();
            net.restore("b");
            awaitMembers(jvms, all, Duration.ofSeconds(20), "all 32 together again after the link returned");
            figures.add("link restored: 32 again in " + ms(upAt) + " ms");

            // One whole JVM killed: side d's 8 nodes.
            ChildNodes d = jvms.get(3);
            List<String> survivors = new ArrayList<>(all);
            survivors.removeAll(d.names);
            long killAt = System.nanoTime();
            d.kill();
            List<ChildNodes> alive = jvms.subList(0, 3);
            awaitMembers(alive, survivors, Duration.ofSeconds(15), "the 24 survivors to agree after the kill");
            figures.add("kill -9 of d's JVM: 24 agree in " + ms(killAt) + " ms");
            for (ChildNodes c : alive) {
                assertReported(c, d.names, killAt, "CRASHED");
            }
        } finally {
            for (ChildNodes c : jvms) {
                c.close();
            }
            figures.forEach(f -> System.out.println("32 nodes: " + f));
        }
    }

    /** Waits until every node of {@code jvms} lists exactly {@code members} (minus itself); fails with what they list. */
    private static void awaitMembers(List<ChildNodes> jvms, List<String> members, Duration limit, String what) {
        try {
            await(what).atMost(limit).pollInterval(Duration.ofMillis(200)).until(() -> agree(jvms, members));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            StringBuilder b = new StringBuilder(what + ": not within " + limit.toSeconds() + " s.");
            for (ChildNodes c : jvms) {
                try {
                    c.members().forEach((i, m) -> b.append(' ').append(c.names.get(i)).append(" lists ")
                            .append(m.size()).append(';'));
                } catch (RuntimeException | InterruptedException x) {
                    b.append(' ').append(c.id).append(": ").append(x.getMessage());
                }
                b.append(" started ").append(c.started()).append(" of ").append(c.names.size()).append('.');
            }
            throw new AssertionError(b.toString(), e);
        }
    }

    private static boolean agree(List<ChildNodes> jvms, List<String> members) throws InterruptedException {
        for (ChildNodes c : jvms) {
            Map<Integer, List<String>> m = c.members();
            if (m.size() != c.names.size()) {
                return false;
            }
            for (Map.Entry<Integer, List<String>> e : m.entrySet()) {
                List<String> expected = new ArrayList<>(members);
                expected.remove(c.names.get(e.getKey()));
                if (!(e.getValue().size() == expected.size() && e.getValue().containsAll(expected))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Every node of {@code c} got a NodeDown with {@code reason} for each of {@code gone} since {@code since}. */
    private static void assertReported(ChildNodes c, List<String> gone, long since, String reason) {
        for (String g : gone) {
            Map<Integer, String> seen = c.downs(g, since);
            assertEquals(c.names.size(), seen.size(), c.id + "'s nodes that reported " + g + " down: " + seen);
            seen.forEach((i, r) -> assertEquals(reason, r, c.names.get(i) + " reported " + g + " down as " + r));
        }
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
