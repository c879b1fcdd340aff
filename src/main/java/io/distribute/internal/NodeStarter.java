package io.distribute.internal;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.StartError;
import io.distribute.internal.secure.Certificates;
import io.distribute.internal.secure.SecureLayer;
import org.jgroups.JChannel;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.conf.ProtocolConfiguration;
import org.jgroups.protocols.AUTH;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Starts a node: checks the name, cookie, settings and stack, then tries the ports of the range in turn until one
 * binds. Every failure is a typed {@link StartError}; nothing here throws for bad input.
 */
final class NodeStarter {

    private static final Logger LOG = LoggerFactory.getLogger(NodeStarter.class);
    private static final int MAX_COOKIE = 255;
    private static final int SHORT_COOKIE = 16;
    /** HKDF label of the TLS pre-shared key: its own key, never the one of the cookie token. */
    static final String TLS_PSK_LABEL = "distribute/tls-psk/v1";
    /** HKDF label of the key that proves the cookie on a certificate-authenticated connection. */
    static final String TLS_BINDING_LABEL = "distribute/tls-binding/v1";
    /** HKDF label of the key that seals datagrams (udp stack). */
    static final String UDP_SEAL_LABEL = "distribute/udp/v1";

    private NodeStarter() {
    }

    static Result<JGroupsNode, StartError> start(String nodeName, String cookie, ClusterConfig config) {
        Result<NodeName, String> parsed = NodeName.parse(nodeName);
        if (parsed instanceof Result.Err<NodeName, String> e) {
            return Result.err(new StartError.InvalidNodeName(e.error()));
        }
        NodeName name = parsed.orElseThrow();
        if (cookie == null || cookie.isEmpty()) {
            return Result.err(new StartError.StartFailed("cookie is empty: every node needs the cluster's shared secret"));
        }
        if (cookie.length() > MAX_COOKIE) {
            return Result.err(new StartError.CookieTooLong());
        }
        if (config == null) {
            return Result.err(new StartError.StartFailed("config is null (use ClusterConfig.defaults())"));
        }
        List<NodeName> seeds = new ArrayList<>();
        for (String s : config.seeds()) {
            Result<NodeName, String> seed = NodeName.parse(s);
            if (seed instanceof Result.Err<NodeName, String> e) {
                return Result.err(new StartError.StartFailed("seed '" + NodeName.printable(String.valueOf(s))
                        + "' is invalid: " + e.error()));
            }
            seeds.add(seed.orElseThrow());
        }
        Certificates certificates = null;
        if (config.tlsKeystore().isPresent()) {
            try {
                certificates = Certificates.load(Path.of(config.tlsKeystore().get()),
                        chars(config.tlsKeystorePassword()), Path.of(config.tlsTruststore().orElseThrow()),
                        chars(config.tlsTruststorePassword()));
            } catch (IllegalArgumentException e) { // also an invalid path
                return Result.err(new StartError.StartFailed("certificate mode: " + e.getMessage()));
            }
        }
        // The node keeps only what it needs: the cookie and the keystore passwords have done their work.
        config = config.toBuilder().cookie(null).tlsKeystorePassword(null).tlsTruststorePassword(null).build();
        List<ProtocolConfiguration> stack;
        try {
            stack = Stacks.load(config.stack());
        } catch (Stacks.StackException e) {
            return Result.err(new StartError.StartFailed(e.getMessage()));
        }
        if (!LocalClaims.claimName(name.text())) {
            return Result.err(new StartError.AlreadyStarted());
        }
        boolean started = false;
        try {
            InetAddress host;
            String bindHost = config.bindAddress().orElse(name.host());
            try {
                host = InetAddress.getByName(bindHost);
            } catch (UnknownHostException e) {
                return Result.err(new StartError.NetworkError("cannot resolve host '" + bindHost + "'"));
            }
            String notLocal = StartErrors.notLocal(host);
            if (notLocal != null) {
                return Result.err(new StartError.NetworkError(notLocal));
            }
            if (cookie.length() < SHORT_COOKIE) {
                LOG.warn("{}: the cookie is shorter than {} characters: anyone who records a handshake can guess it"
                        + " offline; make one with `distribute cookie`", name.text(), SHORT_COOKIE);
            }
            CookieSecret secret = CookieSecret.derive(cookie, config.clusterName());
            int first = name.hasPort() ? name.port() : config.port();
            int count = name.hasPort() ? 1 : config.portRange();
            boolean noSeeds = seeds.isEmpty() && Stacks.indexOf(stack, TCPPING.class) >= 0;
            for (int port = first; port < first + count && port <= 65535; port++) {
                String claim = host.getHostAddress() + ":" + port;
                if (!LocalClaims.claimPort(claim)) {
                    continue;
                }
                Attempt a = tryStart(name, secret, certificates, config, host, port, seeds, noSeeds, claim);
                if (a.node != null) {
                    started = true;
                    return Result.ok(a.node);
                }
                LocalClaims.releasePort(claim);
                if (a.error != null) {
                    return Result.err(a.error);
                }
            }
            String range = count == 1 ? String.valueOf(first) : first + "-" + (first + count - 1);
            return Result.err(new StartError.NetworkError("cannot bind " + host.getHostAddress() + ":" + range
                    + ": all " + count + " port(s) in use"));
        } finally {
            if (!started) {
                LocalClaims.releaseName(name.text());
            }
        }
    }

    /** A started node, or the error that ends the start; both null: this port is busy, try the next. */
    private record Attempt(JGroupsNode node, StartError error) {}

    private static char[] chars(Optional<String> password) {
        return password.map(String::toCharArray).orElse(null);
    }

    /** Who starts the cluster among nodes started together with these seeds ({@link SeedOrder}), set up in {@code ch}. */
    private static SeedOrder seedOrder(JChannel ch, String self, List<NodeName> seeds, boolean noSeeds,
                                       ClusterConfig config) {
        // Seeds are for the tcp stack (TCPPING); udp and dns find each other otherwise and ignore them.
        boolean seeded = !noSeeds && ch.getProtocolStack().findProtocol(TCPPING.class) != null;
        SeedOrder order = !seeded ? SeedOrder.NONE
                : SeedOrder.of(self, seeds.stream().map(NodeName::text).toList(), config.joinTimeout());
        if (ch.getProtocolStack().findProtocol(GMS.class) instanceof MembershipGms gms) {
            gms.followSeeds(order);
            seeds.stream().filter(s -> s.text().equals(order.leader())).findFirst()
                    .ifPresent(leader -> StackTuning.leaderFirst(ch, leader, gms::asksLeaderOnly));
        }
        return order;
    }

    private static Attempt tryStart(NodeName name, CookieSecret secret, Certificates certificates, ClusterConfig config,
                                    InetAddress host, int port, List<NodeName> seeds, boolean noSeeds, String claim) {
        JChannel ch = null;
        ServerSocket probeListener = null;
        try {
            List<ProtocolConfiguration> configs = Stacks.load(config.stack());
            StackTuning.configure(configs, config, host, port, seeds, noSeeds);
            ch = new JChannel(new StackTuning.ListConfigurator(configs));
            StackTuning.pinTransportPort(ch, port);
            StackTuning.seedsOnly(ch, seeds);
            EmptyDnsWarning.install(ch, name.text());
            ch.setName(name.text());
            String text = name.text();
            ch.addAddressGenerator(() -> NodeAddress.create(text));
            SeedOrder order = seedOrder(ch, text, seeds, noSeeds, config);
            NodeProtocol np = ch.getProtocolStack().findProtocol(NodeProtocol.class);
            np.setSecret(secret);
            np.expectSeeds((int) seeds.stream().filter(s -> !s.text().equals(name.text())).count(), order.leader());
            // Below JGroups: every TCP connection it opens or accepts is TLS keyed by the cookie.
            SecureLayer layer = new SecureLayer(secret.expand(TLS_PSK_LABEL), secret.expand(UDP_SEAL_LABEL),
                    secret.expand(TLS_BINDING_LABEL), certificates, name.name(), name.text());
            layer.probeAnswer(() -> ProbeAnswers.answer(np.getAddress(), np.view(), np::physicalAddressOf));
            layer.outgoingFrom(host);
            np.useLayer(layer);
            ch.getProtocolStack().getTransport().setSocketFactory(layer);
            AUTH auth = ch.getProtocolStack().findProtocol(AUTH.class);
            ((CookieToken) auth.getAuthToken()).setVerifier(np::verify);
            // A transport without TCP (udp) still answers probes on the node's port, over TCP and TLS.
            if (!(ch.getProtocolStack().getTransport() instanceof TCP)) {
                probeListener = layer.probeListener(new InetSocketAddress(host, port));
                np.watchCrashes(layer, (int) Math.min(2000, config.connectTimeout().toMillis()));
            }
            JGroupsNode node = new JGroupsNode(name, config, ch, claim, new InetSocketAddress(host, port), layer,
                    probeListener, seeds);
            node.joinCluster();
            LOG.info("{}: started on {}:{} ({} stack{})", name.text(), host.getHostAddress(), port, config.stack(),
                    seeds.isEmpty() ? "" : ", seeds " + config.seeds());
            return new Attempt(node, null);
        } catch (Stacks.StackException e) {
            closeQuietly(ch, probeListener);
            return new Attempt(null, new StartError.StartFailed(e.getMessage()));
        } catch (Exception e) {
            closeQuietly(ch, probeListener);
            StartError error = StartErrors.classify(e, host.getHostAddress() + ":" + port);
            if (error == null) {
                LOG.debug("{}: {}:{} is in use: {}", name.text(), host.getHostAddress(), port, e.toString());
            }
            return new Attempt(null, error);
        }
    }

    private static void closeQuietly(JChannel ch, ServerSocket probeListener) {
        if (ch != null) {
            try {
                ch.close();
            } catch (RuntimeException e) {
                LOG.debug("closing a channel that failed to start: {}", e.toString());
            }
        }
        closeQuietly(probeListener);
    }

    static void closeQuietly(ServerSocket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                LOG.debug("closing a probe listener: {}", e.toString());
            }
        }
    }
}
