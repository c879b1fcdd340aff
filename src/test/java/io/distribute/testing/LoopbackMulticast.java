package io.distribute.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * IP multicast on the loopback interface only, for the udp stack's tests: {@code lo} gets the MULTICAST flag and
 * the route {@code 224.0.0.0/4 dev lo}. Idempotent; needs root (CI runs as root) the first time. Fails loudly when
 * it cannot be set up, with the commands to run by hand.
 */
public final class LoopbackMulticast {

    private static volatile boolean ready;

    private LoopbackMulticast() {
    }

    public static synchronized void ensure() {
        if (ready) {
            return;
        }
        String link = run("ip", "link", "show", "dev", "lo");
        if (!link.contains("MULTICAST")) {
            run("ip", "link", "set", "dev", "lo", "multicast", "on");
        }
        String route = run("ip", "route", "show", "224.0.0.0/4");
        if (route.isBlank()) {
            run("ip", "route", "add", "224.0.0.0/4", "dev", "lo");
        } else if (!route.contains("dev lo")) {
            throw new IllegalStateException("multicast is routed elsewhere (" + route.trim() + "); the udp stack's tests"
                    + " send multicast on the loopback interface only: route 224.0.0.0/4 via lo first");
        }
        if (!run("ip", "link", "show", "dev", "lo").contains("MULTICAST")
                || !run("ip", "route", "show", "224.0.0.0/4").contains("dev lo")) {
            throw new IllegalStateException("could not enable multicast on lo; as root run: ip link set lo multicast on"
                    + " && ip route add 224.0.0.0/4 dev lo");
        }
        ready = true;
    }

    private static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): "
                        + out.trim() + "; multicast on lo needs root: ip link set lo multicast on"
                        + " && ip route add 224.0.0.0/4 dev lo");
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + List.of(cmd) + " (iproute2 missing?): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
