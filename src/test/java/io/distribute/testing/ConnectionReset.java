package io.distribute.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Resets every established TCP connection of one local process with {@code ss -K} (needs root and a kernel with
 * SOCK_DESTROY): both ends of each connection are destroyed and each peer gets a RST, as when a middlebox or a
 * network blip kills connections. Listening sockets are left alone: the process keeps accepting.
 */
public final class ConnectionReset {

    private ConnectionReset() {
    }

    /** Resets the process's established connections; returns how many connections were reset. */
    public static int of(long pid) throws IOException, InterruptedException {
        // Matched by exact address pairs, both ways round, so that nobody else's connection is touched.
        List<String> filter = new ArrayList<>();
        for (String line : run("ss", "-tnpH", "state", "established").lines().toList()) {
            if (line.contains("pid=" + pid + ",")) {
                String[] cols = line.trim().split("\\s+");
                for (String[] ends : List.of(new String[] {cols[2], cols[3]}, new String[] {cols[3], cols[2]})) {
                    filter.addAll(filter.isEmpty() ? List.of() : List.of("or"));
                    filter.addAll(List.of("(", "src", ends[0], "and", "dst", ends[1], ")"));
                }
            }
        }
        if (filter.isEmpty()) {
            return 0;
        }
        // ss prints each socket it destroyed; the far end of each is then closed by the RST, not listed.
        List<String> cmd = new ArrayList<>(List.of("ss", "-tnHK", "state", "established"));
        cmd.addAll(filter);
        return (int) run(cmd.toArray(new String[0])).lines().filter(l -> !l.isBlank()).count();
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " failed: " + out.trim());
        }
        return out;
    }
}
