package io.distribute.cli;

import io.distribute.testing.Ports;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The commands as a user runs them: separate JVMs, real exit codes, real signals. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CliTest {

    private static final String COOKIE = "cli-test-cookie-0123456789";
    private static final Map<String, String> ENV = Map.of("CLUSTER_COOKIE", COOKIE);

    private final List<CliProcess> started = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void killLeftovers() throws InterruptedException {
        for (CliProcess p : started) {
            p.close();
        }
    }

    private CliProcess run(Map<String, String> env, String... args) throws Exception {
        CliProcess p = CliProcess.start("cli-" + args[0], List.of(), List.of(args), env);
        started.add(p);
        return p;
    }

    /** In this JVM, for parse errors only (no node starts): exit code and stderr. */
    private static Object[] parse(String... args) {
        return parseWithOut(new StringWriter(), args);
    }

    /** {@link #parse} keeping stdout in {@code out}. */
    private static Object[] parseWithOut(StringWriter out, String... args) {
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(out, true));
        return new Object[] {cl.execute(args), err.toString()};
    }

    @Test
    void usageErrorsExitWith2AndHelpWith0() {
        assertEquals(Main.USAGE, parse()[0], "no command");
        assertEquals(Main.USAGE, parse("node", "--no-such-option")[0]);
        Object[] r = parse("node", "--failure-detection-timeout", "soon");
        assertEquals(Main.USAGE, r[0]);
        assertTrue(r[1].toString().contains("not a duration"), r[1].toString());
        assertEquals(Main.USAGE, parse("demo", "--nodes", "1")[0]);
        assertEquals(Main.USAGE, parse("ping")[0], "missing NODE");
        assertEquals(Main.OK, parse("--help")[0]);
        assertEquals(Main.OK, parse("node", "--help")[0]);
        assertEquals(Main.OK, parse("help", "ping")[0]);
    }

    @Test
    void cookiePrintsA256BitBase64urlCookieAndNothingElse() throws Exception {
        StringWriter out1 = new StringWriter();
        StringWriter out2 = new StringWriter();
        assertEquals(Main.OK, parseWithOut(out1, "cookie")[0]);
        assertEquals(Main.OK, parseWithOut(out2, "cookie")[0]);
        for (String out : List.of(out1.toString(), out2.toString())) {
            assertTrue(out.matches("[A-Za-z0-9_-]{43}\\R"), "one line of 43 Base64url characters: '" + out + "'");
            assertEquals(32, java.util.Base64.getUrlDecoder().decode(out.strip()).length, "256 bits");
        }
        assertNotEquals(out1.toString(), out2.toString(), "two runs differ");

        // As a user runs it: exit 0, stdout is the cookie alone (no log line, nothing else).
        CliProcess p = run(Map.of(), "cookie");
        assertEquals(Main.OK, p.waitFor(30), p::toString);
        assertEquals(1, p.stdout().size(), p::toString);
        assertTrue(p.stdout().get(0).matches("[A-Za-z0-9_-]{43}"), p::toString);
        assertNotEquals(out1.toString().strip(), p.stdout().get(0));
    }

    @Test
    void theCookieComesFromTheEnvironmentOrAFileNeverTheCommandLine() throws Exception {
        CliProcess none = run(Map.of(), "node", "--name", "a@127.0.0.1:" + Ports.next());
        assertEquals(Main.USAGE, none.waitFor(30));
        assertTrue(none.stderr().contains("no cookie: set CLUSTER_COOKIE or pass --cookie-file"), none.stderr());
        assertEquals(Main.USAGE, parse("node", "--cookie", "secret")[0], "there is no --cookie option");

        Path empty = Files.writeString(dir.resolve("empty"), "  \n");
        CliProcess blank = run(Map.of(), "node", "--name", "a@127.0.0.1", "--cookie-file", empty.toString());
        assertEquals(Main.USAGE, blank.waitFor(30));
        assertTrue(blank.stderr().contains("is empty"), blank.stderr());

        // Read from the file (else exit 2): the start then fails on the name, with the typed error's description.
        Path file = Files.writeString(dir.resolve("cookie"), "  " + COOKIE + "\n");
        CliProcess badName = run(Map.of(), "node", "--name", "no-at-sign", "--cookie-file", file.toString());
        assertEquals(Main.START_FAILED, badName.waitFor(30));
        assertTrue(badName.stderr().contains("cannot start no-at-sign: invalid node name"), badName.stderr());
    }

    @Test
    void nodesFormAClusterPrintEventsAnswerPingAndLeaveOnSigtermAndSigint() throws Exception {
        int pa = Ports.next();
        int pb = Ports.next();
        String a = "a@127.0.0.1:" + pa;
        String b = "b@127.0.0.1:" + pb;
        Path file = Files.writeString(dir.resolve("cookie"), COOKIE + "\n");
        CliProcess na = run(Map.of(), "node", "--name", a, "--cookie-file", file.toString());
        // b starts first-come: its seed may not be up yet, the CLI retries.
        CliProcess nb = run(ENV, "node", "--name", b, "--seed", a, "--failure-detection-timeout", "2s");
        awaitLine(na, EventLine.NODE_UP, b);
        awaitLine(nb, EventLine.NODE_UP, a);
        await().atMost(Duration.ofSeconds(10)).until(() -> na.size() == 2 && nb.size() == 2);
        EventLine started = na.events().get(0);
        assertEquals(new EventLine(started.time(), EventLine.STARTED, a, null, 1), started);
        assertEquals(Optional.of(started), EventLine.parse(started.format()));

        CliProcess pong = run(ENV, "ping", b);
        assertEquals(Main.OK, pong.waitFor(30), pong::toString);
        assertTrue(pong.stdout().get(0).matches("pong from " + b.replace(".", "\\.") + " in [0-9.]+ ms"), pong::toString);
        CliProcess nobody = run(ENV, "ping", "--timeout", "300ms", "nobody@127.0.0.1:" + Ports.next());
        assertEquals(Main.FAILED, nobody.waitFor(30), nobody::toString);
        assertTrue(nobody.stdout().get(0).startsWith("no answer from nobody@127.0.0.1"), nobody::toString);
        CliProcess foreign = run(Map.of("CLUSTER_COOKIE", "another-cookie-0123456789"), "ping", b);
        assertEquals(Main.FAILED, foreign.waitFor(30), "a node with another cookie does not answer: " + foreign);

        nb.terminate(); // SIGTERM
        assertEquals(Main.OK, nb.waitFor(15), nb::toString);
        List<String> tail = nb.stdout().subList(nb.stdout().size() - 2, nb.stdout().size());
        assertTrue(tail.get(0).contains("STOPPING   " + b) && tail.get(1).contains("STOPPED    " + b), tail::toString);
        EventLine left = awaitLine(na, EventLine.NODE_DOWN, b);
        assertEquals("LEFT", left.reason());
        assertEquals(1, left.size());

        new ProcessBuilder("kill", "-INT", String.valueOf(na.process.pid())).start().waitFor(5, TimeUnit.SECONDS);
        assertEquals(Main.OK, na.waitFor(15), na::toString);
        assertTrue(na.stdout().get(na.stdout().size() - 1).contains("STOPPED    " + a), na::toString);
    }

    @Test
    void aKilledNodeIsReportedCrashed() throws Exception {
        String a = "a@127.0.0.1:" + Ports.next();
        String b = "b@127.0.0.1:" + Ports.next();
        CliProcess na = run(ENV, "node", "--name", a);
        CliProcess nb = run(ENV, "node", "--name", b, "--seed", a);
        await().atMost(Duration.ofSeconds(30)).until(() -> na.size() == 2 && nb.size() == 2);
        long t0 = System.nanoTime();
        nb.kill();
        EventLine down = awaitLine(na, EventLine.NODE_DOWN, b);
        assertEquals("CRASHED", down.reason());
        System.out.println("cli: kill -9 -> NODE_DOWN CRASHED line after "
                + TimeUnit.NANOSECONDS.toMillis(na.arrival(down) - t0) + " ms");
    }

    @Test
    void startFailuresExitWith3AndSayWhy() throws Exception {
        int port = Ports.next();
        String a = "a@127.0.0.1:" + port;
        CliProcess na = run(ENV, "node", "--name", a);
        awaitLine(na, EventLine.STARTED, a);
        CliProcess clash = run(ENV, "node", "--name", "b@127.0.0.1:" + port);
        assertEquals(Main.START_FAILED, clash.waitFor(30), clash::toString);
        assertTrue(clash.stderr().contains("cannot start b@127.0.0.1:" + port + ": network error: cannot bind"),
                clash.stderr());
        CliProcess badStack = run(ENV, "node", "--name", "c@127.0.0.1:" + Ports.next(), "--stack", "/nonexistent.xml");
        assertEquals(Main.START_FAILED, badStack.waitFor(30), badStack::toString);
        assertTrue(badStack.stderr().contains("start failed"), badStack.stderr());
    }

    private static EventLine awaitLine(CliProcess p, String event, String node) {
        return await(p.label + " to print " + event + " " + node).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> p.find(event, node, 0), Optional::isPresent).orElseThrow();
    }
}
