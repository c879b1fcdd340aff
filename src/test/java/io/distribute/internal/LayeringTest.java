package io.distribute.internal;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layers depend downwards only: the public API reaches the adapter, the adapter the protocol, the protocol the
 * secure layer. The protocol (inside the JGroups stack) and the secure layer (below it) know nothing of the public
 * API, and the secure layer nothing of the rest of the adapter.
 */
class LayeringTest {

    private static final Path INTERNAL = Path.of("src/main/java/io/distribute/internal");
    /** NodeProtocol and the parts it delegates to. */
    private static final List<String> PROTOCOL = List.of("NodeProtocol", "NodeHeader", "CookieProof", "CookieToken",
            "CookieSecret", "MergeTrigger", "UniqueNames", "SuspicionRelay", "Departures", "Departure",
            "CrashEvidence", "CrashWatch", "Pinger", "ProbeAnswers", "MergeGate", "JoinGuard", "NodeMessages",
            "Suspicions", "StaleViewCheck");

    @Test
    void theProtocolImportsNothingOfThePublicApi() throws IOException {
        List<String> found = new ArrayList<>();
        for (String name : PROTOCOL) {
            Path f = INTERNAL.resolve(name + ".java");
            assertTrue(Files.exists(f), f + " is gone: update this list");
            imports(f).filter(i -> i.startsWith("io.distribute.") && !i.startsWith("io.distribute.internal"))
                    .forEach(i -> found.add(name + " imports " + i));
        }
        assertEquals(List.of(), found);
    }

    @Test
    void theSecureLayerImportsOnlyItself() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(INTERNAL.resolve("secure"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                imports(f).filter(i -> i.startsWith("io.distribute.") && !i.startsWith("io.distribute.internal.secure"))
                        .forEach(i -> found.add(f.getFileName() + " imports " + i));
            }
        }
        assertEquals(List.of(), found);
    }

    private static Stream<String> imports(Path f) throws IOException {
        return Files.readAllLines(f).stream().map(String::trim).filter(l -> l.startsWith("import "))
                .map(l -> l.substring("import ".length()).replace("static ", "").replace(";", "").trim());
    }
}
