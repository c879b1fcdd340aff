package io.distribute.cluster;

import io.distribute.Result;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Certificate mode: nodes authenticate each other with certificates of a CA the test makes with the JDK's keytool,
 * and still prove the cookie on every connection. A trusted certificate without the cookie, the cookie without a
 * trusted certificate, and a PSK-mode node with the cookie all stay out.
 */
class CertificateModeTest {

    private static final String PASSWORD = "changeit-test";
    private static Path dir;

    @BeforeAll
    static void makeCertificates() throws Exception {
        dir = Files.createDirectories(Path.of("target", "test-tmp", "certs-" + ProcessHandle.current().pid()));
        ca("ca");
        ca("rogue");
        Files.deleteIfExists(dir.resolve("trust.p12"));
        keytool("-importcert", "-alias", "ca", "-file", dir.resolve("ca.pem").toString(), "-keystore",
                dir.resolve("trust.p12").toString(), "-storepass", PASSWORD, "-storetype", "PKCS12", "-noprompt");
        for (String n : List.of("a", "b", "x")) {
            node(n, "ca");
        }
        node("r", "rogue");
    }

    private static void ca(String name) throws Exception {
        Path ks = dir.resolve(name + ".p12");
        Files.deleteIfExists(ks);
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-ext", "bc:c", "-validity", "2", "-keystore", ks.toString(), "-storepass", PASSWORD,
                "-storetype", "PKCS12");
        keytool("-exportcert", "-alias", name, "-keystore", ks.toString(), "-storepass", PASSWORD, "-rfc",
                "-file", dir.resolve(name + ".pem").toString());
    }

    /** A node keystore with a key signed by {@code ca}, and the chain up to it. */
    private static void node(String name, String ca) throws Exception {
        Path ks = dir.resolve(name + ".p12");
        Files.deleteIfExists(ks);
        String store = ks.toString();
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-validity", "2", "-keystore", store, "-storepass", PASSWORD, "-storetype", "PKCS12");
        keytool("-certreq", "-alias", name, "-keystore", store, "-storepass", PASSWORD, "-file",
                dir.resolve(name + ".csr").toString());
        keytool("-gencert", "-alias", ca, "-keystore", dir.resolve(ca + ".p12").toString(), "-storepass", PASSWORD,
                "-infile", dir.resolve(name + ".csr").toString(), "-outfile", dir.resolve(name + ".pem").toString(),
                "-rfc", "-validity", "2");
        keytool("-importcert", "-alias", ca, "-file", dir.resolve(ca + ".pem").toString(), "-keystore", store,
                "-storepass", PASSWORD, "-noprompt");
        keytool("-importcert", "-alias", name, "-file", dir.resolve(name + ".pem").toString(), "-keystore", store,
                "-storepass", PASSWORD, "-noprompt");
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + ": " + out);
        }
    }

    private static ClusterConfig certified(String keystore) {
        return TestCluster.testConfig().connectTimeout(Duration.ofSeconds(2))
                .tlsKeystore(dir.resolve(keystore + ".p12").toString()).tlsKeystorePassword(PASSWORD)
                .tlsTruststore(dir.resolve("trust.p12").toString()).tlsTruststorePassword(PASSWORD).build();
    }

    private static ClusterNode start(TestCluster c, String name, String cookie, ClusterConfig config) {
        return c.add(ClusterNode.start(name + "@127.0.0.1:" + Ports.next(), cookie, config).orElseThrow());
    }

    @Test
    void certifiedNodesWithTheCookieFormAClusterAndNobodyElseGetsIn() {
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = start(c, "cert-a", COOKIE, certified("a"));
            ClusterNode b = start(c, "cert-b", COOKIE, certified("b"));
            assertTrue(b.connect(a.selfNode()).isOk());
            assertTrue(a.ping(b.selfNode()) && b.ping(a.selfNode()));
            await().atMost(Duration.ofSeconds(3)).until(() -> a.nodes().equals(List.of(b.selfNode())));

            // A trusted certificate without the cookie: the node it dialled proved itself, so the answer is clear.
            ClusterNode x = start(c, "cert-x", "another-cookie-entirely-0123456789", certified("x"));
            Result<Void, ConnectError> rx = x.connect(a.selfNode());
            assertInstanceOf(ConnectError.ConnectNetworkError.class, ((Result.Err<Void, ConnectError>) rx).error());
            assertTrue(rx.toString().contains("rejected our cookie"), rx.toString());
            assertFalse(x.ping(a.selfNode()));

            // The cookie without a trusted certificate, and the cookie in PSK mode: no handshake completes.
            ClusterNode r = start(c, "cert-r", COOKIE, certified("r"));
            ClusterNode p = start(c, "cert-p", COOKIE, TestCluster.testConfig().connectTimeout(Duration.ofSeconds(2)).build());
            for (ClusterNode outsider : List.of(r, p)) {
                Result<Void, ConnectError> res = outsider.connect(a.selfNode());
                assertTrue(res.isErr(), outsider.selfNode() + ": " + res);
                assertFalse(res.toString().contains("rejected our cookie"), "not a cookie question: " + res);
                assertFalse(outsider.ping(a.selfNode()));
                assertTrue(a.connect(outsider.selfNode()).isErr(), "nor from our side");
            }
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() ->
                    a.nodes().equals(List.of(b.selfNode())) && b.nodes().equals(List.of(a.selfNode())));
            assertEquals(List.of(), x.nodes());
            assertEquals(List.of(), r.nodes());
            assertEquals(List.of(), p.nodes());
        }
    }

    @Test
    void aMissingOrWrongKeystoreIsAStartFailureNamingIt() {
        ClusterConfig missing = TestCluster.testConfig().tlsKeystore(dir.resolve("nope.p12").toString())
                .tlsTruststore(dir.resolve("trust.p12").toString()).build();
        Result<ClusterNode, StartError> r = ClusterNode.start("cert-m@127.0.0.1:" + Ports.next(), COOKIE, missing);
        StartError.StartFailed f = assertInstanceOf(StartError.StartFailed.class,
                ((Result.Err<ClusterNode, StartError>) r).error());
        assertTrue(f.reason().contains("nope.p12"), f.reason());
        ClusterConfig wrongPassword = certified("a").toBuilder().tlsKeystorePassword("wrong").build();
        Result<ClusterNode, StartError> w = ClusterNode.start("cert-w@127.0.0.1:" + Ports.next(), COOKIE, wrongPassword);
        assertInstanceOf(StartError.StartFailed.class, ((Result.Err<ClusterNode, StartError>) w).error());
        assertFalse(w.toString().contains("wrong"), "no password in the reason: " + w);
        try {
            ClusterConfig.builder().tlsKeystore("a.p12").build();
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("tlsTruststore"), e.getMessage());
            return;
        }
        throw new AssertionError("a keystore without a truststore was accepted");
    }
}
