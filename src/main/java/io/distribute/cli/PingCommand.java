package io.distribute.cli;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.StartError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code distribute ping NODE}: starts a short-lived node of its own (on a free port of the local address that
 * routes to NODE's host; it joins nobody), pings NODE with the cluster's cookie and prints the round trip.
 */
@Command(name = "ping", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Pings a node and prints the round trip. Exit code 0 if it answered, 1 if not.",
                "A temporary node (ping-<pid>@<local address>:<free port>) sends the ping; it joins nobody. NODE"
                        + " must hold the same cookie.", "",
                "Example:", "  CLUSTER_COOKIE=... distribute ping a@10.0.0.5", ""})
final class PingCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NODE", description = "the node to ping: name@host (looked for in --port's range)"
            + " or name@host:port")
    String target;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = NodeSettings.DurationConverter.class,
            description = "how long to wait for the answer, with a unit: 300ms, 2s (default: 1s)")
    Duration timeout;

    @Mixin
    NodeSettings settings = new NodeSettings();

    @Override
    public Integer call() throws IOException {
        String cookie = settings.cookie(spec);
        ClusterConfig config = settings.config(spec, b -> {
            b.seeds(new java.util.ArrayList<String>()); // not List.of(): Builder.seeds calls contains(null)
            if (timeout != null) {
                b.pingTimeout(timeout);
            }
        });
        int at = target.indexOf('@');
        if (at <= 0 || at == target.length() - 1) {
            throw NodeSettings.usage(spec, "'" + target + "' is not a node name (name@host or name@host:port)");
        }
        InetAddress host;
        try {
            host = InetAddress.getByName(hostOf(target.substring(at + 1)));
        } catch (UnknownHostException e) {
            System.out.println("no answer from " + target + ": cannot resolve its host");
            return Main.FAILED;
        }
        InetAddress local = localAddressTowards(host);
        int port;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(local, 0));
            port = s.getLocalPort();
        }
        String hostText = local instanceof Inet6Address ? "[" + local.getHostAddress().replaceAll("%.*", "") + "]"
                : local.getHostAddress();
        String self = "ping-" + ProcessHandle.current().pid() + "@" + hostText + ":" + port;
        Result<ClusterNode, StartError> started = ClusterNode.start(self, cookie, config);
        if (started instanceof Result.Err<ClusterNode, StartError> err) {
            String why = "cannot start the pinging node " + self + ": " + err.error().describe();
            if (NodeCommand.isBadInput(err.error())) {
                throw NodeSettings.usage(spec, why); // e.g. a cookie over 255 characters
            }
            System.err.println("distribute: " + why);
            return Main.START_FAILED;
        }
        try (ClusterNode node = started.orElseThrow()) {
            long t0 = System.nanoTime();
            boolean pong = node.ping(target);
            double ms = (System.nanoTime() - t0) / 1e6;
            if (pong) {
                System.out.println(String.format(Locale.ROOT, "pong from %s in %.3f ms", target, ms));
                return Main.OK;
            }
            System.out.println("no answer from " + target + " within " + config.pingTimeout().toMillis() + " ms");
            return Main.FAILED;
        }
    }

    /** The host part of {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port}. */
    static String hostOf(String hostPort) {
        if (hostPort.startsWith("[")) {
            int end = hostPort.indexOf(']');
            return end > 0 ? hostPort.substring(1, end) : hostPort;
        }
        int colon = hostPort.indexOf(':');
        return colon >= 0 && colon == hostPort.lastIndexOf(':') ? hostPort.substring(0, colon) : hostPort;
    }

    /** The local address the kernel would send from to reach {@code target} (itself if it is local). */
    static InetAddress localAddressTowards(InetAddress target) {
        if (target.isLoopbackAddress()) {
            return target;
        }
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(target, 9);
            InetAddress local = s.getLocalAddress();
            return local == null || local.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : local;
        } catch (IOException e) {
            return InetAddress.getLoopbackAddress();
        }
    }
}
