package io.distribute.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Two network namespaces joined by one veth pair, created here and deleted on close (and by a shutdown hook if the
 * JVM is stopped first): side 0 has {@code 10.213.0.1/24}, side 1 {@code 10.213.0.2/24}, multicast routed over the
 * link. Nothing is added to the host's own namespace. {@link #loss} drops a share of the packets arriving in both
 * namespaces (nftables {@code numgen random}; the kernel here has no netem qdisc), so each direction loses it.
 */
public final class NetnsPair implements AutoCloseable {

    private final String prefix = "dfd-" + HexFormat.of().formatHex(random(3));
    private final List<String> created = new ArrayList<>();
    private final Thread hook = new Thread(this::deleteAll, "netns-pair-cleanup");

    private NetnsPair() {
    }

    /** Why this process cannot create namespaces, or null if it can. */
    public static String unavailableReason() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "not running as root";
        }
        try {
            run(List.of("ip", "netns", "list"));
            run(List.of("nft", "--version"));
            return null;
        } catch (IOException | InterruptedException e) {
            return "ip netns or nft unavailable: " + e.getMessage();
        }
    }

    public static NetnsPair create() throws IOException, InterruptedException {
        NetnsPair n = new NetnsPair();
        Runtime.getRuntime().addShutdownHook(n.hook);
        try {
            for (int side = 0; side < 2; side++) {
                n.created.add(n.ns(side));
                run(List.of("ip", "netns", "add", n.ns(side)));
                ip(n.ns(side), "link", "set", "lo", "up");
            }
            ip(n.ns(0), "link", "add", "veth0", "type", "veth", "peer", "name", "veth1", "netns", n.ns(1));
            for (int side = 0; side < 2; side++) {
                ip(n.ns(side), "addr", "add", address(side) + "/24", "dev", "veth" + side);
                ip(n.ns(side), "link", "set", "veth" + side, "up");
                ip(n.ns(side), "route", "add", "224.0.0.0/4", "dev", "veth" + side);
            }
            return n;
        } catch (IOException | InterruptedException | RuntimeException e) {
            n.close();
            throw e;
        }
    }

    public static String address(int side) {
        return "10.213.0." + (side + 1);
    }

    /** The command prefix that runs a program inside side {@code side}'s namespace. */
    public List<String> exec(int side) {
        return List.of("ip", "netns", "exec", ns(side));
    }

    /** Drops {@code percent} % of the packets arriving on either side, until {@link #noLoss}. */
    public void loss(int percent) throws IOException, InterruptedException {
        for (int side = 0; side < 2; side++) {
            nft(side, "add", "table", "inet", "dfd_loss");
            nft(side, "add", "chain", "inet", "dfd_loss", "in", "{ type filter hook input priority 0 ; policy accept ; }");
            nft(side, "add", "rule", "inet", "dfd_loss", "in", "numgen", "random", "mod", "100", "<",
                    String.valueOf(percent), "counter", "drop");
        }
    }

    /** How many packets the loss rules dropped so far (both sides). */
    public long dropped() throws IOException, InterruptedException {
        long n = 0;
        for (int side = 0; side < 2; side++) {
            String out = run(List.of("ip", "netns", "exec", ns(side), "nft", "list", "table", "inet", "dfd_loss"));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("packets (\\d+)").matcher(out);
            while (m.find()) {
                n += Long.parseLong(m.group(1));
            }
        }
        return n;
    }

    public void noLoss() throws IOException, InterruptedException {
        for (int side = 0; side < 2; side++) {
            nft(side, "delete", "table", "inet", "dfd_loss");
        }
    }

    private String ns(int side) {
        return prefix + "-" + side;
    }

    private void nft(int side, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns(side), "nft"));
        cmd.addAll(List.of(args));
        run(cmd);
    }

    private static void ip(String ns, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", ns));
        cmd.addAll(List.of(args));
        run(cmd);
    }

    private synchronized void deleteAll() {
        for (String ns : created) {
            try {
                run(List.of("ip", "netns", "del", ns));
            } catch (IOException | InterruptedException e) {
                System.err.println("could not delete namespace " + ns + ": " + e.getMessage());
            }
        }
        created.clear();
    }

    /** Deletes both namespaces (the veth pair goes with them). */
    @Override
    public void close() {
        deleteAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs deleteAll, which is idempotent
        }
    }

    /** The namespaces this pair created that still exist (empty after close). */
    public List<String> remaining() throws IOException, InterruptedException {
        return run(List.of("ip", "netns", "list")).lines().map(l -> l.split("\\s+")[0])
                .filter(l -> l.startsWith(prefix)).toList();
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + ": timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + out.trim());
        }
        return out;
    }
}
