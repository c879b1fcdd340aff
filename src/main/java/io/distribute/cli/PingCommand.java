package io.distribute.cli;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.internal.Prober;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code distribute ping NODE}: an authenticated probe of the ports where NODE may listen, with the cluster's
 * cookie; it starts no node of its own, so it joins nothing on any stack (udp included).
 */
@Command(name = "ping", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Pings a node and prints the round trip. Exit code 0 if it answered, 1 if not.",
                "It starts no node and joins nothing (any stack). NODE must hold the same cookie.", "",
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
        Result<Prober.Outcome, String> r = Prober.probe(target, cookie, config);
        if (r instanceof Result.Err<Prober.Outcome, String> err) {
            throw NodeSettings.usage(spec, err.error());
        }
        Prober.Outcome outcome = r.orElseThrow();
        if (outcome instanceof Prober.Outcome.Answered a) {
            System.out.println(String.format(Locale.ROOT, "pong from %s in %.3f ms", target, a.nanos() / 1e6));
            return Main.OK;
        }
        if (outcome instanceof Prober.Outcome.CookieRejected) {
            System.out.println("no answer from " + target + ": it rejected our cookie (it belongs to a cluster with"
                    + " another cookie)");
            return Main.FAILED;
        }
        System.out.println("no answer from " + target + ": " + ((Prober.Outcome.NoAnswer) outcome).why());
        return Main.FAILED;
    }
}
