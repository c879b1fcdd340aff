package io.distribute.reliability;

import io.distribute.testing.ChildNode;
import io.distribute.testing.NetnsPair;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failure detection matrix, packet loss (issue 11): two nodes in two network namespaces joined by a veth pair, 5 %
 * of the packets arriving in each namespace dropped for 20 s. Retransmission copes; neither side may report the
 * other down. On udp a lost datagram (a heartbeat, a verification) must never be taken for a dead node.
 */
class PacketLossTest {

    private static final long FD_MS = 2000;
    private static final int PORT = 7800;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "udp"})
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void fivePercentLossFor20sEvictsNobody(String stack) throws Exception {
        assertNull(NetnsPair.unavailableReason(), "this test needs root, ip netns and nft");
        List<String> options = List.of("-Ddistribute.stack=" + stack, "-Ddistribute.cluster_name=loss-" + stack);
        try (NetnsPair net = NetnsPair.create()) {
            CompletableFuture<ChildNode> a = CompletableFuture.supplyAsync(() -> start(net, 0, "la", options));
            CompletableFuture<ChildNode> b = CompletableFuture.supplyAsync(() -> start(net, 1, "lb", options));
            try {
                ChildNode obs = a.get(60, TimeUnit.SECONDS);
                ChildNode victim = b.get(60, TimeUnit.SECONDS);
                if (stack.equals("tcp")) {
                    String r = obs.ask("connect " + victim.name, "RESULT", 10);
                    assertTrue(r != null && r.startsWith("RESULT Ok"), r);
                }
                await("one cluster").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                        .until(() -> obs.nodes().contains(victim.name) && victim.nodes().contains(obs.name));
                net.loss(5);
                try {
                    await("20 s of 5 % loss").during(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(30))
                            .pollInterval(Duration.ofMillis(500))
                            .until(() -> obs.nodes().contains(victim.name) && victim.nodes().contains(obs.name));
                } finally {
                    System.out.println("loss " + stack + ": " + net.dropped() + " packets dropped in 20 s");
                    net.noLoss();
                }
                for (ChildNode n : List.of(obs, victim)) {
                    List<String> downs = n.events().stream().filter(e -> e.startsWith("NodeDown")).toList();
                    assertEquals(List.of(), downs, stack + ": " + n.name + " saw " + n.events());
                }
                assertEquals("PING true", obs.ask("ping " + victim.name, "PING", 5));
            } finally {
                closeWhenStarted(a);
                closeWhenStarted(b);
            }
            net.close();
            assertTrue(net.remaining().isEmpty(), "namespaces left behind: " + net.remaining());
        }
    }

    /** Stops a child once its start has ended (it may still be starting when the other one failed). */
    private static void closeWhenStarted(CompletableFuture<ChildNode> child) {
        try {
            child.get(60, TimeUnit.SECONDS).close();
        } catch (Exception e) {
            // never started: nothing to stop
        }
    }

    private static ChildNode start(NetnsPair net, int side, String name, List<String> options) {
        try {
            return ChildNode.start(net.exec(side), name + "@" + NetnsPair.address(side) + ":" + PORT, COOKIE, FD_MS,
                    PORT, 1, options);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
