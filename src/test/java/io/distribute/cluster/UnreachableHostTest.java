package io.distribute.cluster;

import io.distribute.Result;
import io.distribute.retry.RetryPolicy;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A host that drops every packet (down, or firewalled) is "unreachable", a network error, not "node not found" and
 * not a connect timeout (that means a node was found but did not merge). The host is an address inside a network
 * namespace this test creates, whose own firewall drops everything.
 */
class UnreachableHostTest {

    private final String ns = "dt-blackhole-" + ProcessHandle.current().pid();
    private final String veth = "dbh" + ProcessHandle.current().pid() % 100000;
    private final String subnet = "10.251." + (ProcessHandle.current().pid() % 250) + ".";

    @BeforeEach
    void blackholedHost() throws Exception {
        assumeTrue(run("id", "-u").trim().equals("0"), "needs root for a network namespace");
        run("ip", "netns", "add", ns);
        run("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns);
        run("ip", "addr", "add", subnet + "1/30", "dev", veth);
        run("ip", "link", "set", veth, "up");
        run("ip", "netns", "exec", ns, "ip", "addr", "add", subnet + "2/30", "dev", "eth0");
        run("ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up");
        run("ip", "netns", "exec", ns, "nft", "add table inet blackhole");
        run("ip", "netns", "exec", ns, "nft",
                "add chain inet blackhole in { type filter hook input priority 0; policy drop; }");
    }

    @AfterEach
    void removeIt() throws Exception {
        runQuietly("ip", "link", "del", veth);
        runQuietly("ip", "netns", "del", ns);
    }

    @Test
    void aHostThatDropsEveryPacketIsUnreachable() {
        try (TestCluster c = TestCluster.quick()) {
            ClusterNode a = c.start("asker", TestCluster.testConfig().connectTimeout(Duration.ofMillis(800)).build());
            long start = System.nanoTime();
            Result<Void, ConnectError> r = a.connect("x@" + subnet + "2:7800");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(r.isErr(), r.toString());
            ConnectError e = ((Result.Err<Void, ConnectError>) r).error();
            assertInstanceOf(ConnectError.ConnectNetworkError.class, e);
            assertTrue(e.describe().contains("unreachable"), e.describe());
            assertTrue(ms >= 700, "it waited for the connect timeout: " + ms + " ms");
            assertEquals(List.of(), a.nodes());

            // Unreachable may pass (a host still booting): connect with a policy tries again.
            long retried = System.nanoTime();
            Result<Void, ConnectError> again = a.connect("x@" + subnet + "2:7800",
                    RetryPolicy.noRetry().withMaxAttempts(2));
            long retriedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - retried);
            assertInstanceOf(ConnectError.ConnectNetworkError.class, ((Result.Err<Void, ConnectError>) again).error());
            assertTrue(retriedMs >= 1400, "two attempts of 800 ms each: " + retriedMs + " ms");
        }
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    private static void runQuietly(String... cmd) throws InterruptedException {
        try {
            new ProcessBuilder(new ArrayList<>(List.of(cmd))).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            // best effort
        }
    }
}
