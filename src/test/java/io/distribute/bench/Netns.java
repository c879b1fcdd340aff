package io.distribute.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Network namespaces joined by a bridge in another one, all created here and deleted on close (and by the
 * benchmark's shutdown hook): for each side {@code x} of {@code a..d}, namespace {@code dbench-x} holds veth
 * {@code vx0} with 10.200.0.{1..4}/24; its peer {@code vx1} is a port of bridge {@code br0} in {@code dbench-br}.
 * Nothing is added to the host's own namespace. {@link #cut} takes a side's bridge port down, {@link #restore}
 * brings it up again.
 */
final class Netns implements AutoCloseable {

    static final String PREFIX = "dbench-";
    static final String BR = PREFIX + "br";
    private static final List<String> SIDES = List.of("a", "b", "c", "d");

    private Netns() {
    }

    /** Why this process cannot create namespaces, or null if it can. */
    static String unavailableReason() {
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

    static String address(String side) {
        return "10.200.0." + (SIDES.indexOf(side) + 1);
    }

    static Netns create(List<String> sides) throws IOException, InterruptedException {
        deleteAll();
        Netns n = new Netns();
        try {
            ip("netns", "add", BR);
            ip("-n", BR, "link", "set", "lo", "up");
            ip("-n", BR, "link", "add", "br0", "type", "bridge", "stp_state", "0");
            ip("-n", BR, "link", "set", "br0", "up");
            for (String side : sides) {
                if (!SIDES.contains(side)) {
                    throw new IllegalArgumentException(side);
                }
                String ns = PREFIX + side;
                ip("netns", "add", ns);
                ip("-n", ns, "link", "set", "lo", "up");
                ip("-n", BR, "link", "add", "v" + side + "1", "type", "veth", "peer", "name", "v" + side + "0",
                        "netns", ns);
                ip("-n", BR, "link", "set", "v" + side + "1", "master", "br0");
                ip("-n", BR, "link", "set", "v" + side + "1", "up");
                ip("-n", ns, "addr", "add", address(side) + "/24", "dev", "v" + side + "0");
                ip("-n", ns, "link", "set", "v" + side + "0", "up");
            }
            return n;
        } catch (IOException | InterruptedException | RuntimeException e) {
            deleteAll();
            throw e;
        }
    }

    /** The command prefix that runs a program inside side {@code side}'s namespace. */
    static List<String> exec(String side) {
        return List.of("ip", "netns", "exec", PREFIX + side);
    }

    void cut(String side) throws IOException, InterruptedException {
        ip("-n", BR, "link", "set", "v" + side + "1", "down");
    }

    void restore(String side) throws IOException, InterruptedException {
        ip("-n", BR, "link", "set", "v" + side + "1", "up");
    }

    /** Deletes this benchmark's namespaces (their interfaces go with them); never throws. */
    static void deleteAll() {
        List<String> all = new ArrayList<>();
        SIDES.forEach(s -> all.add(PREFIX + s));
        all.add(BR);
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

    @Override
    public void close() {
        deleteAll();
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
