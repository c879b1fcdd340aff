package io.distribute.examples;

import io.distribute.cluster.Cluster;
import io.distribute.testing.Ports;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every example runs against real local nodes in bounded time and prints what it promises; README code is theirs. */
class ExamplesTest {

    interface Main {
        void run() throws Exception;
    }

    private static String run(Main main) {
        int port = Ports.block(10);
        System.setProperty("distribute.port", String.valueOf(port));
        System.setProperty("distribute.port_range", "10");
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(30), main::run);
        } finally {
            System.setOut(original);
            System.clearProperty("distribute.port");
            System.clearProperty("distribute.port_range");
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        original.print(out);
        return out;
    }

    @AfterEach
    void stop() {
        Cluster.stop();
    }

    @Test
    void quickStart() {
        String out = run(() -> QuickStart.main(new String[0]));
        assertTrue(out.contains("Node started successfully! Self: myapp@127.0.0.1"), out);
        assertTrue(out.contains("Connected to master@127.0.0.1"), out);
        assertTrue(out.contains("Connected nodes: [master@127.0.0.1]"), out);
        assertTrue(out.contains("Total cluster size: 2"), out);
        assertTrue(out.contains("master@127.0.0.1 is reachable"), out);
    }

    @Test
    void embeddedNode() {
        String out = run(() -> EmbeddedNode.main(new String[0]));
        assertTrue(out.contains("running for 0 s"), out);
    }

    @Test
    void bootstrapCluster() {
        String out = run(() -> BootstrapCluster.main(new String[0]));
        assertTrue(out.contains("Connected to seed1@127.0.0.1") && out.contains("Connected to seed2@127.0.0.1"), out);
        assertTrue(out.contains("Could not reach gone@127.0.0.1:"), out);
        assertTrue(out.contains("Cluster bootstrapped with 2 peers"), out);
    }

    @Test
    void connectWithRetry() {
        String out = run(() -> ConnectWithRetry.main(new String[0]));
        assertTrue(out.contains("connect with retry: connected"), out);
    }

    @Test
    void nodeWatcher() {
        String out = run(() -> NodeWatcher.main(new String[0]));
        assertTrue(out.contains("peer@127.0.0.1 is up"), out);
        assertTrue(out.contains("(peer@127.0.0.1 went down: LEFT)"), out);
        assertTrue(out.contains("watcher saw the peer come and go"), out);
    }

    @Test
    void healthCheck() {
        String out = run(() -> HealthCheck.main(new String[0]));
        assertTrue(out.contains("3 of 3 nodes healthy"), out);
    }

    @Test
    void localCluster() {
        String out = run(() -> LocalCluster.main(new String[0]));
        assertTrue(out.contains("nodes    alpha@127.0.0.1  sees [beta@127.0.0.1, gamma@127.0.0.1]")
                || out.contains("nodes    alpha@127.0.0.1  sees [gamma@127.0.0.1, beta@127.0.0.1]"), out);
        assertTrue(out.contains("pong"), out);
        assertTrue(out.contains("alpha now sees [beta@127.0.0.1]"), out);
    }

    /**
     * Each java block of the README appears line by line in one of the examples, except blocks for a framework the
     * examples cannot compile against, which say so on their first line ({@code // Spring Boot (needs ...: not
     * compiled with the examples)}).
     */
    @Test
    void readmeJavaSnippetsAreTakenFromTheExamples() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        List<String> sources = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("examples"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                sources.add(normalize(Files.readString(p)));
            }
        }
        int blocks = 0;
        for (String part : readme.split("```java\n")) {
            if (blocks++ == 0) {
                continue;
            }
            String snippet = normalize(part.substring(0, part.indexOf("```")));
            if (snippet.startsWith("// ") && snippet.lines().findFirst().orElse("").contains("not compiled with the examples")) {
                continue;
            }
            assertTrue(sources.stream().anyMatch(s -> s.contains(snippet)),
                    "README snippet not found in examples/:\n" + snippet);
        }
        assertTrue(blocks > 1, "README has java snippets");
    }

    private static String normalize(String code) {
        StringBuilder b = new StringBuilder();
        for (String line : code.split("\n")) {
            String t = line.strip();
            if (!t.isEmpty()) {
                b.append(t).append('\n');
            }
        }
        return b.toString();
    }
}
