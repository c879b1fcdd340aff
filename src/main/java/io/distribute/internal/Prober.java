package io.distribute.internal;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.internal.secure.Certificates;
import io.distribute.internal.secure.ProbeResult;
import io.distribute.internal.secure.SecureLayer;
import org.jgroups.PhysicalAddress;
import org.jgroups.stack.IpAddress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Asks whether a node is up without starting a node of our own: an authenticated probe of the ports where it may
 * listen, as {@code ping} of a non-member does, but with no JGroups channel, so it joins nothing on any stack (the
 * CLI's {@code distribute ping}, health checks).
 */
public final class Prober {

    /** What a probe found. */
    public sealed interface Outcome {
        /** The node answered; {@code nanos} is the time to the answer (TLS handshake included). */
        record Answered(long nanos) implements Outcome {}

        /** A node of that name answered and does not hold our cookie. */
        record CookieRejected() implements Outcome {}

        /** Nothing answered as that node within the timeout. */
        record NoAnswer(String why) implements Outcome {}
    }

    private Prober() {
    }

    /** Probes {@code target} ({@code name@host[:port]}) with {@code cookie}, within {@code config.pingTimeout()}. */
    public static Result<Outcome, String> probe(String target, String cookie, ClusterConfig config) {
        Result<NodeName, String> parsed = NodeName.parse(target);
        if (parsed instanceof Result.Err<NodeName, String> e) {
            return Result.err(e.error());
        }
        if (cookie == null || cookie.isEmpty() || cookie.length() > 255) {
            return Result.err("the cookie must be 1-255 characters");
        }
        NodeName t = parsed.orElseThrow();
        CookieSecret secret = CookieSecret.derive(cookie, config.clusterName());
        Certificates certificates = null;
        if (config.tlsKeystore().isPresent()) {
            try {
                certificates = Certificates.load(Path.of(config.tlsKeystore().get()),
                        config.tlsKeystorePassword().map(String::toCharArray).orElse(null),
                        Path.of(config.tlsTruststore().orElseThrow()),
                        config.tlsTruststorePassword().map(String::toCharArray).orElse(null));
            } catch (IllegalArgumentException e) {
                return Result.err("certificate mode: " + e.getMessage());
            }
        }
        List<NodeFinder.Search> searches = new ArrayList<>(1);
        SecureLayer layer = new SecureLayer(secret.expand(NodeStarter.TLS_PSK_LABEL),
                secret.expand(NodeStarter.UDP_SEAL_LABEL), secret.expand(NodeStarter.TLS_BINDING_LABEL), certificates,
                "prober", "prober");
        try {
            InetAddress host;
            try {
                host = InetAddress.getByName(t.host());
            } catch (UnknownHostException e) {
                return Result.ok(new Outcome.NoAnswer("cannot resolve host '" + t.host() + "'"));
            }
            int first = t.hasPort() ? t.port() : config.port();
            int count = t.hasPort() ? 1 : config.portRange();
            List<PhysicalAddress> ports = new ArrayList<>();
            for (int p = first; p < first + count && p <= 65535; p++) {
                ports.add(new IpAddress(host, p));
            }
            long start = System.nanoTime();
            long deadline = start + config.pingTimeout().toNanos();
            NodeFinder.Search search = new NodeFinder(layer).search(ports, t.name(), deadline);
            searches.add(search);
            BlockingQueue<NodeFinder.Reply> replies = search.replies();
            boolean rejected = false;
            for (int n = 0; n < ports.size(); n++) {
                long left = deadline - System.nanoTime();
                NodeFinder.Reply r = left > 0 ? replies.poll(left, TimeUnit.NANOSECONDS) : null;
                if (r == null) {
                    break;
                }
                if (r.found() && t.name().equals(namePart(r.answer().name()))) {
                    return Result.ok(new Outcome.Answered(System.nanoTime() - start));
                }
                rejected |= r.result() instanceof ProbeResult.CookieRejected;
            }
            return Result.ok(rejected ? new Outcome.CookieRejected()
                    : new Outcome.NoAnswer("no node " + t.text() + " answered within " + config.pingTimeout().toMillis()
                    + " ms"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.ok(new Outcome.NoAnswer("interrupted"));
        } finally {
            searches.forEach(NodeFinder.Search::close);
            layer.destroy();
        }
    }

    private static String namePart(String nodeName) {
        if (nodeName == null) {
            return null;
        }
        int at = nodeName.indexOf('@');
        return at < 0 ? nodeName : nodeName.substring(0, at);
    }
}
