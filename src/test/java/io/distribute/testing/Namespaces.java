package io.distribute.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Network namespaces joined by a bridge in another one, all created here and deleted on close: for each side
 * {@code x} (one letter, a-h), namespace {@code <prefix>x} holds veth {@code vx0} with {@code <subnet>.<n>/24} (n = 1
 * for a, 2 for b, ...); its peer {@code vx1} is a port of bridge {@code br0} in {@code <prefix>br}. Nothing is added to
 * the host's own namespace. {@link #cut} takes a side's bridge port down, {@link #restore} brings it up again. Each
 * user picks its own prefix and subnet, so that a test and a benchmark running at once never touch each other's.
 */
public final class Namespaces implements AutoCloseable {

    private static final String SIDES = "abcdefgh";

    private final String prefix;
    private final String subnet;
    private final List<String> sides;

    private Namespaces(String prefix, String subnet, List<String> sides) {
        this.prefix = prefix;
        this.subnet = subnet;
        this.sides = List.copyOf(sides);
    }

    /** Why this process cannot create namespaces, or null if it can. */
    public static String unavailableReason() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "not running as root";
        }
        try {
            run(List.of("ip", "netns", "list"));
            return null;
        } catch (Exception e) {
            return "ip netns unavailable: " + e.getMessage();
        }
    }

    /**
     * Creates the bridge and one namespace per side ({@code prefix} e.g. {@code "dbench-"}, {@code subnet} e.g.
     * {@code "10.200.0"}); leftovers of an earlier run with the same prefix are deleted first.
     */
    public static Namespaces create(String prefix, String subnet, List<String> sides)
            throws IOException, InterruptedException {
        Namespaces n = new Namespaces(prefix, subnet, sides);
        n.close();
        String br = prefix + "br";
        try {
            ip("netns", "add", br);
            ip("-n", br, "link", "set", "lo", "up");
            ip("-n", br, "link", "add", "br0", "type", "bridge", "stp_state", "0");
            ip("-n", br, "link", "set", "br0", "up");
            for (String side : sides) {
                String ns = prefix + side;
                ip("netns", "add", ns);
                ip("-n", ns, "link", "set", "lo", "up");
                ip("-n", br, "link", "add", "v" + side + "1", "type", "veth", "peer", "name", "v" + side + "0",
                        "netns", ns);
                ip("-n", br, "link", "set", "v" + side + "1", "master", "br0");
                ip("-n", br, "link", "set", "v" + side + "1", "up");
                ip("-n", ns, "addr", "add", n.address(side) + "/24", "dev", "v" + side + "0");
                ip("-n", ns, "link", "set", "v" + side + "0", "up");
            }
            return n;
        } catch (IOException | InterruptedException | RuntimeException e) {
            n.close();
            throw e;
        }
    }

    /** Side {@code side}'s address. */
    public String address(String side) {
        int i = SIDES.indexOf(side);
        if (side.length() != 1 || i < 0) {
            throw new IllegalArgumentException("side " + side);
        }
        return subnet + "." + (i + 1);
    }

    /** The command prefix that runs a program inside side {@code side}'s namespace. */
    public List<String> exec(String side) {
        return List.of("ip", "netns", "exec", prefix + side);
    }

    /** Takes side {@code side}'s port on the bridge down: its namespace can reach no other. */
    public void cut(String side) throws IOException, InterruptedException {
        ip("-n", prefix + "br", "link", "set", "v" + side + "1", "down");
    }

    public void restore(String side) throws IOException, InterruptedException {
        ip("-n", prefix + "br", "link", "set", "v" + side + "1", "up");
    }

    /** Deletes these namespaces (their interfaces go with them); never throws. */
    @Override
    public void close() {
        List<String> all = new ArrayList<>();
        sides.forEach(s -> all.add(prefix + s));
        all.add(prefix + "br");
        for (String ns : all) {
            try {
                boolean exists = run(List.of("ip", "netns", "list")).lines()
                        .anyMatch(l -> l.split("\\s+")[0].equals(ns));
                if (exists) {
                    run(List.of("ip", "netns", "del", ns));
                }
            } catch (Exception e) {
                System.err.println("could not delete namespace " + ns + ": " + e.getMessage());
            }
        }
    }

    private static void ip(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("ip");
        cmd.addAll(List.of(args));
        run(cmd);
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + ": timed out");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + out.trim());
        }
        return out;
    }
}
