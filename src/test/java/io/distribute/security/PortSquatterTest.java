package io.distribute.security;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.ConnectError;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Row 9: squatters in a node's port range. Names without a port are looked for in the whole range, so whatever
 * listens there is probed too: a squatter that closes at once, one that answers with garbage, one that stays silent,
 * one that echoes what it gets. None may pass for "a node that rejected our cookie" (a refusal that connect with a
 * retry policy does not retry): a name that is not there is NodeNotFound or ConnectTimeout and its ping false; the
 * node that is there, between two squatters in a 3-port range, is found and its ping true.
 *
 * <p>A fifth squatter forges the 7-byte TLS alert (fatal decrypt_error) that a node of the asked-for name with another
 * cookie sends. It cannot hide a node that is in the range (tested), but it does make connect to a missing name say
 * "rejected our cookie": a TLS alert before the handshake is unauthenticated by nature, so that verdict is only as
 * good as whoever listens on the port (not tested as a bug; see the report of this suite).
 *
 * <p>Scaled down for the package's time budget: for the missing name, connect and ping timeouts of 600 and 400 ms and
 * the ten attempts in two waves of five (a silent squatter costs each attempt its whole timeout); for the node that
 * is there, 10 pings but 3 connects (each by a freshly started node, ~0.3 s apiece), not 10.
 */
class PortSquatterTest {

    enum Squatter { CLOSES_AT_ONCE, ANSWERS_GARBAGE, STAYS_SILENT, ECHOES, FORGES_A_COOKIE_ALERT }

    /** Two listeners of one kind; every connection is handled on its own thread, and all are closed at the end. */
    private static final class Squatters implements AutoCloseable {
        private final List<ServerSocket> listeners = new ArrayList<>();
        private final ConcurrentLinkedQueue<Socket> open = new ConcurrentLinkedQueue<>();

        Squatters(Squatter kind, int... ports) throws IOException {
            for (int port : ports) {
                ServerSocket s = new ServerSocket(port, 50, InetAddress.getByName("127.0.0.1"));
                listeners.add(s);
                Thread t = new Thread(() -> {
                    Random random = new Random(port);
                    while (!s.isClosed()) {
                        try {
                            Socket c = s.accept();
                            open.add(c);
                            Thread h = new Thread(() -> behave(kind, c, random), "attack-squatter");
                            h.setDaemon(true);
                            h.start();
                        } catch (IOException e) {
                            return; // closed
                        }
                    }
                }, "attack-squatter-" + port);
                t.setDaemon(true);
                t.start();
            }
        }

        private static void behave(Squatter kind, Socket c, Random random) {
            try {
                switch (kind) {
                    case CLOSES_AT_ONCE -> c.close();
                    case ANSWERS_GARBAGE -> {
                        byte[] junk = new byte[200];
                        synchronized (random) {
                            random.nextBytes(junk);
                        }
                        junk[0] = 'H'; // never a TLS record type: garbage, not a forged alert
                        c.getOutputStream().write(junk);
                        c.getOutputStream().flush();
                    }
                    case STAYS_SILENT -> {
                        // holds the connection until the test closes it
                    }
                    case FORGES_A_COOKIE_ALERT -> {
                        c.getInputStream().read(new byte[4096]); // the ClientHello
                        c.getOutputStream().write(new byte[] {21, 3, 3, 0, 2, 2, 51}); // fatal decrypt_error
                        c.getOutputStream().flush();
                        c.close();
                    }
                    case ECHOES -> {
                        InputStream in = c.getInputStream();
                        OutputStream out = c.getOutputStream();
                        byte[] buf = new byte[4096];
                        for (int n; (n = in.read(buf)) >= 0; ) {
                            out.write(buf, 0, n);
                            out.flush();
                        }
                    }
                }
            } catch (IOException e) {
                // the prober went away
            }
        }

        @Override
        public void close() {
            listeners.forEach(Wire::closeQuietly);
            open.forEach(Wire::closeQuietly);
        }
    }

    /** Short timeouts for the missing name: each attempt at it waits them out when a squatter stays silent. */
    private static ClusterConfig config(int port) {
        return TestCluster.testConfig().port(port).portRange(3).connectTimeout(Duration.ofMillis(600))
                .pingTimeout(Duration.ofMillis(400)).build();
    }

    /** The test config's timeouts (a found node answers at once; this is only headroom on a loaded machine). */
    private static ClusterConfig roomyConfig(int port) {
        return TestCluster.testConfig().port(port).portRange(3).build();
    }

    private static String tag(Squatter kind) {
        return kind.name().toLowerCase().replace('_', '-');
    }

    // Row 9: 10 connects and 10 pings of a name that is not in the range: not found (or timed out), never a refusal.
    @ParameterizedTest
    @EnumSource(value = Squatter.class, names = {"CLOSES_AT_ONCE", "ANSWERS_GARBAGE", "STAYS_SILENT", "ECHOES"})
    void aMissingNameIsNeverReportedAsACookieRefusal(Squatter kind) throws Exception {
        int port = Ports.block(3);
        try (Squatters squatters = new Squatters(kind, port, port + 2);
             TestCluster c = TestCluster.quick()) {
            ClusterNode real = c.start("sq-" + tag(kind) + "@127.0.0.1", TestCluster.COOKIE, config(port));
            assertEquals(port + 1, real.boundAddress().getPort(), "the node took the port between the squatters");
            ClusterNode seeker = c.start("seeker-" + tag(kind), config(port));
            String ghost = "ghost-" + tag(kind) + "@127.0.0.1";
            ExecutorService pool = Executors.newFixedThreadPool(5);
            try {
                for (int wave = 0; wave < 2; wave++) {
                    List<Future<Result<Void, ConnectError>>> connects = new ArrayList<>();
                    for (int i = 0; i < 5; i++) {
                        connects.add(pool.submit(() -> seeker.connect(ghost)));
                    }
                    for (Future<Result<Void, ConnectError>> f : connects) {
                        ConnectError e = ((Result.Err<Void, ConnectError>) f.get()).error();
                        assertTrue(e instanceof ConnectError.NodeNotFound || e instanceof ConnectError.ConnectTimeout,
                                kind + ": connect to a missing name gave " + e.describe());
                    }
                    List<Future<Boolean>> pings = new ArrayList<>();
                    for (int i = 0; i < 5; i++) {
                        pings.add(pool.submit(() -> seeker.ping(ghost)));
                    }
                    for (Future<Boolean> f : pings) {
                        assertFalse(f.get(), kind + ": ping of a missing name");
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(List.of(), seeker.nodes(), "the seeker joined nobody");
        }
    }

    // Row 9: the node that is in the range (between two squatters) is found: 10 pings true, 3 connects Ok.
    @ParameterizedTest
    @EnumSource(value = Squatter.class, names = {"CLOSES_AT_ONCE", "ANSWERS_GARBAGE", "ECHOES", "FORGES_A_COOKIE_ALERT"})
    void theNodeInTheRangeIsFoundBetweenSquatters(Squatter kind) throws Exception {
        findTheNodeBetween(kind, 10, PortSquatterTest::roomyConfig);
    }

    /*
     * Found by this suite, now fixed (row 9, silent squatter): a probe of a port that accepts and then says nothing lasts the caller's timeout
     * plus TlsSocket's 1 s handshake allowance (TlsSocket.connect sets its deadline to HANDSHAKE_TIMEOUT + timeout),
     * so every ping or connect leaves such probes running ~1 s past its own deadline. NodeFinder's probe pool has 32
     * threads and CallerRunsPolicy: once ~32 are busy, search() runs a probe in the calling thread, which then blocks
     * for the silent port's timeout + 1 s whatever its own deadline. Observed with two silent listeners in a 3-port
     * range and the node between them (pingTimeout 400 ms): 40 sequential pings of the live node, 2 returned false
     * after 1,400 ms; 8 concurrent pings, 7 returned false after 1,400 ms; a fresh node's connect (timeout 600 ms)
     * to the live node returned ConnectTimeout. Expected: true within the ping timeout, Ok within the connect timeout.
     * This test (the test config's 500 ms ping timeout, so a probe of a silent port lasts 1.5 s) failed at its 16th
     * sequential ping of the live node in 3 of 3 runs.
     */
    // Row 9 (silent squatter): 40 pings and 3 connects of the node between two silent squatters all succeed in time.
    @ParameterizedTest
    @EnumSource(value = Squatter.class, names = {"STAYS_SILENT"})
    void theNodeInTheRangeIsFoundBetweenSilentSquatters(Squatter kind) throws Exception {
        findTheNodeBetween(kind, 40, PortSquatterTest::roomyConfig);
    }

    /** {@code pings} pings of the node between two squatters, each true within the ping timeout; 3 connects Ok. */
    private static void findTheNodeBetween(Squatter kind, int pings, IntFunction<ClusterConfig> configFor)
            throws Exception {
        int port = Ports.block(3);
        try (Squatters squatters = new Squatters(kind, port, port + 2);
             TestCluster c = TestCluster.quick()) {
            ClusterConfig config = configFor.apply(port);
            ClusterNode real = c.start("sq-" + tag(kind) + "@127.0.0.1", TestCluster.COOKIE, config);
            assertEquals(port + 1, real.boundAddress().getPort(), "the node took the port between the squatters");
            ClusterNode seeker = c.start("seeker-" + tag(kind), config);
            long pingTimeoutMs = config.pingTimeout().toMillis();
            seeker.ping(real.selfNode()); // warms up this JVM's TLS code; not counted
            for (int i = 0; i < pings; i++) {
                long start = System.nanoTime();
                assertTrue(seeker.ping(real.selfNode()), kind + ": ping " + i + " of the node in the range");
                long ms = (System.nanoTime() - start) / 1_000_000;
                assertTrue(ms < pingTimeoutMs + 200, kind + ": ping " + i + " took " + ms + " ms");
            }
            // Connects by fresh nodes (a member's connect would be ConnectIgnored): 3, scaled down from 10 for time.
            for (int i = 0; i < 3; i++) {
                try (ClusterNode fresh = ClusterNode.start("fresh" + i + "-" + tag(kind) + "@127.0.0.1:" + Ports.next(),
                        TestCluster.COOKIE, config).orElseThrow()) {
                    assertEquals(Result.ok(), fresh.connect(real.selfNode()), kind + ": connect " + i);
                    assertTrue(fresh.ping(real.selfNode()));
                }
            }
        }
    }
}
