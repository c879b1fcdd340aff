package io.distribute.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code distribute demo} runs every step and cleans up after itself. */
class DemoTest {

    private static final Pattern PID = Pattern.compile("\\(pid (\\d+)\\)");

    /** The README's first command builds and runs this demo. */
    @Test
    void readmeStartsWithTheDemo() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        String block = readme.substring(readme.indexOf("```bash\n") + 8);
        assertTrue(block.startsWith("mvn -q -B -DskipTests package && java -jar target/distribute-cli.jar demo "),
                block.lines().findFirst().orElse(""));
        assertTrue(block.lines().skip(1).findFirst().orElse("").startsWith("mvn -B verify "));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void demoRunsEveryStepAndStopsEverything() throws Exception {
        long t0 = System.nanoTime();
        try (CliProcess demo = CliProcess.start("demo", List.of(), List.of("demo"), Map.of())) {
            int code = demo.waitFor(60);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.println("demo: " + ms + " ms (JVM of the demo included)\n" + String.join("\n", demo.stdout()));
            assertEquals(Main.OK, code, demo::toString);
            List<String> steps = demo.stdout().stream().map(l -> l.trim().split("\\s+")[1]).toList();
            assertEquals(List.of("demo", "start", "formed", "kill", "noticed", "noticed", "restart", "rejoined",
                    "stop", "stopped", "done"), steps);
            assertTrue(demo.stdout().stream().filter(l -> l.contains("noticed"))
                    .allMatch(l -> l.contains("reason=CRASHED")), demo::toString);
            // Every node process the demo started (four: three, then one again) is gone.
            List<Long> pids = demo.stdout().stream().flatMap(l -> PID.matcher(l).results())
                    .map(m -> Long.parseLong(m.group(1))).distinct().toList();
            assertEquals(4, pids.size(), demo::toString);
            assertEquals(List.of(), pids.stream().filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive)
                    .orElse(false)).toList(), "node processes left running");
        }
    }
}
