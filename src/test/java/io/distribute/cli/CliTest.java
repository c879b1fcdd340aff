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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        assertEquals(Main.OK, parse("cookie", "--help")[0]);
    }

    @Test
    void aUsageErrorIsOneLinePlusAHintNotTheWholeUsage() {
        assertEquals(List.of("distribute: Unknown option: '--no-such-option'", "try 'distribute node --help'"),
                lines(parse("node", "--no-such-option")[1]));
        assertEquals(List.of("distribute: Unknown option: '--seeds=a@127.0.0.1' (did you mean --seed?)",
                "try 'distribute node --help'"), lines(parse("node", "--seeds=a@127.0.0.1")[1]));
        assertEquals(List.of("distribute: missing command: node, ping, status, cookie or demo", "try 'distribute --help'"),
                lines(parse()[1]));
        assertEquals(List.of("distribute: Missing required parameter: 'NODE'", "try 'distribute ping --help'"),
                lines(parse("ping")[1]));
        assertEquals(List.of("distribute: --nodes must be 2-9, was 1", "try 'distribute demo --help'"),
                lines(parse("demo", "--nodes", "1")[1]));
    }

    @Test
    void durationsNeedAUnit() {
        for (String ok : List.of("3s", "500ms", "2m", "1.5s", "PT2S")) {
            // --help after the value: parsed and converted, then help instead of a start.
            assertEquals(Main.OK, parse("node", "--failure-detection-timeout", ok, "--help")[0], ok);
            assertEquals(Main.OK, parse("ping", "--timeout", ok, "x@127.0.0.1", "--help")[0], ok);
        }
        Object[] bare = parse("node", "--failure-detection-timeout", "3");
        assertEquals(Main.USAGE, bare[0]);
        assertEquals(List.of("distribute: Invalid value for option '--failure-detection-timeout': '3' has no unit:"
                + " give a unit, e.g. 3s", "try 'distribute node --help'"), lines(bare[1]));
        Object[] ping = parse("ping", "--timeout", "300", "x@127.0.0.1");
        assertEquals(Main.USAGE, ping[0]);
        assertTrue(ping[1].toString().contains("'300' has no unit: give a unit, e.g. 300s"), ping[1].toString());
        assertEquals(Main.USAGE, parse("node", "--failure-detection-timeout", "0s")[0], "not positive");
    }

    /** README's exit-code table, the help's and the code's constants are one table. */
    @Test
    void exitCodesAreOneTableInTheReadmeAndTheHelp() throws Exception {
        List<String> readme = Files.readAllLines(Path.of("README.md"));
        int from = readme.indexOf("| exit code | meaning |");
        assertTrue(from > readme.indexOf("## CLI") && from < readme.indexOf("## Docker"), "the table is in the CLI section");
        Map<String, String> table = new java.util.LinkedHashMap<>();
        for (String line : readme.subList(from + 2, readme.size())) {
            if (!line.startsWith("| ")) {
                break;
            }
            String[] cells = line.split("\\|");
            table.put(cells[1].strip(), cells[2].strip());
        }
        Map<String, String> help = Main.commandLine().getCommandSpec().usageMessage().exitCodeList();
        assertEquals(List.of("0", "1", "2", "3"), List.copyOf(table.keySet()));
        assertEquals(table.keySet(), help.keySet());
        assertEquals(List.of(0, 1, 2, 3), List.of(Main.OK, Main.FAILED, Main.USAGE, Main.START_FAILED));
        for (String usage : List.of("unknown option", "DISTRIBUTE_", "node name", "seed", "cookie file")) {
            assertTrue(table.get("2").contains(usage) && help.get("2").contains(usage), usage + ": " + table.get("2"));
        }
    }

    private static List<String> lines(Object text) {
        return text.toString().lines().toList();
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
        assertTrue(none.stderr().startsWith("distribute: no cookie: set CLUSTER_COOKIE or pass --cookie-file"),
                none.stderr());
        assertEquals(List.of("try 'distribute node --help'"), lines(none.stderr()).subList(1, 2), none.stderr());
        assertEquals(2, lines(none.stderr()).size(), "one line and the hint: " + none.stderr());
        assertEquals(Main.USAGE, parse("node", "--cookie", "secret")[0], "there is no --cookie option");

        Path empty = Files.writeString(dir.resolve("empty"), "  \n");
        Object[] blank = parse("node", "--name", "a@127.0.0.1", "--cookie-file", empty.toString());
        assertEquals(Main.USAGE, blank[0]);
        assertTrue(blank[1].toString().contains("is empty"), blank[1].toString());

        Path missing = dir.resolve("no-such-cookie");
        Object[] noFile = parse("node", "--name", "a@127.0.0.1", "--cookie-file", missing.toString());
        assertEquals(Main.USAGE, noFile[0]);
        assertEquals("distribute: cannot read the cookie file " + missing + ": no such file", lines(noFile[1]).get(0));

        // Read from the file: the start then fails on the name, a usage error with the typed error's description.
        Path file = Files.writeString(dir.resolve("cookie"), "  " + COOKIE + "\n");
        Object[] badName = parse("node", "--name", "no-at-sign", "--cookie-file", file.toString());
        assertEquals(Main.USAGE, badName[0]);
        assertTrue(lines(badName[1]).get(0).startsWith("distribute: cannot start no-at-sign: invalid node name"),
                badName[1].toString());
    }

    /** Whatever the user gave wrong, by option or by variable, is a usage error (2); the machine's refusal is 3. */
    @Test
    void badNamesSeedsAndVariablesAreUsageErrors() throws Exception {
        Path file = Files.writeString(dir.resolve("cookie"), COOKIE);
        String a = "a@127.0.0.1:" + Ports.next();
        Object[] seed = parse("node", "--name", a, "--seed", "b@", "--cookie-file", file.toString());
        assertEquals(Main.USAGE, seed[0], seed[1]::toString);
        assertTrue(seed[1].toString().contains("seed 'b@' is invalid"), seed[1].toString());

        CliProcess envSeeds = run(Map.of("CLUSTER_COOKIE", COOKIE, "DISTRIBUTE_SEEDS", "b@127.0.0.1,no-at-sign"),
                "node", "--name", a);
        CliProcess envName = run(Map.of("CLUSTER_COOKIE", COOKIE, "DISTRIBUTE_NAME", "bad name@127.0.0.1"), "node");
        CliProcess envPort = run(Map.of("CLUSTER_COOKIE", COOKIE, "DISTRIBUTE_PORT", "http"), "node", "--name", a);
        CliProcess longCookie = run(Map.of("CLUSTER_COOKIE", "x".repeat(256)), "node", "--name", a);
        for (CliProcess p : List.of(envSeeds, envName, envPort, longCookie)) {
            assertEquals(Main.USAGE, p.waitFor(30), p::toString);
            assertEquals(2, lines(p.stderr()).size(), p::toString);
            assertEquals("try 'distribute node --help'", lines(p.stderr()).get(1), p::toString);
        }
        assertTrue(envSeeds.stderr().contains("seed 'no-at-sign' is invalid"), envSeeds::toString);
        assertTrue(envName.stderr().contains("invalid node name"), envName::toString);
        assertTrue(envPort.stderr().contains("DISTRIBUTE_PORT ('http'): not an integer"), envPort::toString);
        assertTrue(longCookie.stderr().contains("cookie too long") && !longCookie.stderr().contains("xxxx"),
                longCookie::toString);
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
        assertEquals(new EventLine(started.time(), EventLine.STARTED, a, null, 1,
                "address=127.0.0.1 port=" + pa + " stack=tcp cluster=distribute"), started);
        assertEquals(Optional.of(started), EventLine.parse(started.format()));

        CliProcess pong = run(ENV, "ping", b);
        assertEquals(Main.OK, pong.waitFor(30), pong::toString);
        assertTrue(pong.stdout().get(0).matches("pong from " + b.replace(".", "\\.") + " in [0-9.]+ ms"), pong::toString);
        CliProcess nobody = run(ENV, "ping", "--timeout", "300ms", "nobody@127.0.0.1:" + Ports.next());
        assertEquals(Main.FAILED, nobody.waitFor(30), nobody::toString);
        assertTrue(nobody.stdout().get(0).startsWith("no answer from nobody@127.0.0.1"), nobody::toString);
        CliProcess foreign = run(Map.of("CLUSTER_COOKIE", "another-cookie-0123456789"), "ping", b);
        assertEquals(Main.FAILED, foreign.waitFor(30), "a node with another cookie does not answer: " + foreign);
        assertTrue(foreign.stdout().get(0).contains("rejected our cookie"), foreign::toString);
        // A ping starts no node: the members never saw anyone come or go.
        assertEquals(1, na.events().stream().filter(e -> e.event().equals(EventLine.NODE_UP)).count(), na::toString);

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
        // Named without a port: the STARTED line says which one it bound. In a zone far from UTC, the log lines on
        // stderr are stamped in UTC as the event lines on stdout are.
        String a = "a@127.0.0.1";
        CliProcess na = run(Map.of("CLUSTER_COOKIE", COOKIE, "TZ", "Asia/Kathmandu"), "node", "--name", a,
                "--port", String.valueOf(port), "--port-range", "1", "--cluster-name", "cli-test", "--log-level", "info");
        EventLine started = awaitLine(na, EventLine.STARTED, a);
        assertEquals("address=127.0.0.1 port=" + port + " stack=tcp cluster=cli-test", started.details());
        String log = await().atMost(Duration.ofSeconds(10)).until(
                () -> na.stderr().lines().filter(l -> l.contains("started on 127.0.0.1:" + port)).findFirst(),
                Optional::isPresent).orElseThrow();
        assertTrue(log.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO .*"), log);
        Instant logged = Instant.parse(log.substring(0, log.indexOf(' ')));
        assertTrue(Math.abs(Duration.between(logged, started.time()).toMillis()) < 5000,
                "log line at " + logged + ", STARTED at " + started.time());

        CliProcess clash = run(ENV, "node", "--name", "b@127.0.0.1:" + port);
        assertEquals(Main.START_FAILED, clash.waitFor(30), clash::toString);
        assertTrue(clash.stderr().contains("cannot start b@127.0.0.1:" + port + ": network error: cannot bind"),
                clash.stderr());
        CliProcess badStack = run(ENV, "node", "--name", "c@127.0.0.1:" + Ports.next(), "--stack", "/nonexistent.xml");
        assertEquals(Main.START_FAILED, badStack.waitFor(30), badStack::toString);
        assertTrue(badStack.stderr().contains("start failed"), badStack.stderr());
    }

    @Test
    void aSeedThatIsNotRetriedIsReportedWithoutAnAttemptCount() throws Exception {
        String a = "a@127.0.0.1:" + Ports.next();
        String b = "b@127.0.0.1:" + Ports.next();
        CliProcess na = run(Map.of("CLUSTER_COOKIE", "another-cookie-0123456789"), "node", "--name", a);
        awaitLine(na, EventLine.STARTED, a);
        CliProcess nb = run(ENV, "node", "--name", b, "--seed", a);
        String line = await().atMost(Duration.ofSeconds(20)).until(
                () -> nb.stderr().lines().filter(l -> l.contains("giving up")).findFirst(), Optional::isPresent)
                .orElseThrow();
        assertTrue(line.startsWith("distribute: seed " + a + ": ") && line.contains("rejected our cookie"), line);
        assertFalse(line.contains("attempts"), "nothing was retried: " + line);
        assertEquals(1, nb.size(), "b runs on alone");
    }

    private static EventLine awaitLine(CliProcess p, String event, String node) {
        return await(p.label + " to print " + event + " " + node).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> p.find(event, node, 0), Optional::isPresent).orElseThrow();
    }
}
