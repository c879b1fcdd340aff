package io.distribute.internal;

import io.distribute.Result;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ConnectError;
import io.distribute.cluster.DownReason;
import io.distribute.cluster.MembershipEvent;
import io.distribute.cluster.StartError;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.PhysicalAddress;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.conf.ProtocolConfiguration;
import org.jgroups.conf.ProtocolStackConfigurator;
import org.jgroups.logging.CustomLogFactory;
import org.jgroups.logging.Log;
import org.jgroups.logging.LogFactory;
import org.jgroups.logging.Slf4jLogImpl;
import org.jgroups.protocols.AUTH;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.TP;
import org.jgroups.protocols.dns.DNS_PING;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.stack.IpAddress;
import io.distribute.internal.secure.Certificates;
import io.distribute.internal.secure.SecureLayer;
import io.distribute.internal.secure.SecureLayer.ProbeResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The adapter between the public API and a JGroups channel: stack loading, port selection, name and cookie
 * checks, connect/ping over {@link NodeProtocol}, and the mapping of JGroups' exceptions to typed errors.
 * Nothing here is public API; no public signature mentions it.
 */
public final class JGroupsNode implements AutoCloseable {

    static {
        routeJGroupsLoggingToSlf4j();
    }

    /** JGroups prefers log4j2 when it is on the classpath; route it to SLF4J like the rest of the library. */
    public static void routeJGroupsLoggingToSlf4j() {
        if (LogFactory.getCustomLogFactory() == null) {
            LogFactory.setCustomLogFactory(new CustomLogFactory() {
                @Override
                public Log getLog(Class<?> clazz) {
                    return new Slf4jLogImpl(clazz);
                }

                @Override
                public Log getLog(String category) {
                    return new Slf4jLogImpl(category);
                }
            });
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(JGroupsNode.class);
    /** The name Erlang reports for a node that is not distributed. */
    public static final String NO_NODE = "nonode@nohost";
    private static final int MAX_COOKIE = 255;
    private static final int SHORT_COOKIE = 16;

    /** Names of nodes running in this JVM: a name can only run once per JVM. */
    private static final Set<String> RUNNING = ConcurrentHashMap.newKeySet();
    /** host:port pairs claimed by nodes of this JVM, so that concurrent starts never race for one port. */
    private static final Set<String> CLAIMED_PORTS = ConcurrentHashMap.newKeySet();

    private final NodeName name;
    private final ClusterConfig config;
    private final JChannel channel;
    private final NodeProtocol protocol;
    private final String claimedPort;
    private final boolean tcpTransport;
    private final InetSocketAddress bound;
    private volatile View view;
    private volatile List<String> peers = List.of();
    /** The current members (not this node) by name; replaced whole on each view change. */
    private volatile Map<String, Address> membersByName = Map.of();
    private final AtomicReference<CompletableFuture<View>> nextView = new AtomicReference<>(new CompletableFuture<>());
    /** Join, merge and handshake attempts refused for a bad or replayed cookie proof. */
    private final java.util.concurrent.atomic.AtomicLong securityRejections = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean closed;
    private final Membership membership;
    private final SecureLayer layer;
    private final NodeFinder finder;
    /** Probes only, on stacks whose transport is not TCP; null on TCP (the transport's own port answers them). */
    private final java.net.ServerSocket probeListener;
    /** HKDF label of the TLS pre-shared key: its own key, never the one of the cookie token. */
    static final String TLS_PSK_LABEL = "distribute/tls-psk/v1";
    /** HKDF label of the key that proves the cookie on a certificate-authenticated connection. */
    static final String TLS_BINDING_LABEL = "distribute/tls-binding/v1";
    /** HKDF label of the key that seals datagrams (udp stack). */
    static final String UDP_SEAL_LABEL = "distribute/udp/v1";
    /** Orders view updates; never held while calling into JGroups (JGroups holds its own locks when it calls us). */
    private final Object viewLock = new Object();

    private JGroupsNode(NodeName name, ClusterConfig config, JChannel channel, String claimedPort,
                        InetSocketAddress bound, SecureLayer layer, java.net.ServerSocket probeListener) {
        this.layer = layer;
        this.finder = new NodeFinder(layer);
        this.probeListener = probeListener;
        this.name = name;
        this.config = config;
        this.channel = channel;
        this.protocol = channel.getProtocolStack().findProtocol(NodeProtocol.class);
        this.claimedPort = claimedPort;
        this.tcpTransport = channel.getProtocolStack().getTransport() instanceof TCP;
        this.bound = bound;
        this.membership = new Membership(name.text());
    }

    // ---------------------------------------------------------------------------------------------------- start

    /** Starts a node; every failure is a typed {@link StartError}. Never throws for bad input. */
    public static Result<JGroupsNode, StartError> start(String nodeName, String cookie, ClusterConfig config) {
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
        List<ProtocolConfiguration> probe;
        try {
            probe = Stacks.load(config.stack());
        } catch (Stacks.StackException e) {
            return Result.err(new StartError.StartFailed(e.getMessage()));
        }
        if (!RUNNING.add(name.text())) {
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
            String local = checkLocal(host);
            if (local != null) {
                return Result.err(new StartError.NetworkError(local));
            }
            if (cookie.length() < SHORT_COOKIE) {
                LOG.warn("{}: the cookie is shorter than {} characters: anyone who records a handshake can guess it"
                        + " offline; make one with `distribute cookie`", name.text(), SHORT_COOKIE);
            }
            CookieSecret secret = CookieSecret.derive(cookie, config.clusterName());
            int first = name.hasPort() ? name.port() : config.port();
            int count = name.hasPort() ? 1 : config.portRange();
            boolean noSeeds = seeds.isEmpty() && Stacks.indexOf(probe, TCPPING.class) >= 0;
            List<String> busy = new ArrayList<>();
            for (int port = first; port < first + count && port <= 65535; port++) {
                String claim = host.getHostAddress() + ":" + port;
                if (!CLAIMED_PORTS.add(claim)) {
                    busy.add(String.valueOf(port));
                    continue;
                }
                Attempt a = tryStart(name, secret, certificates, config, host, port, seeds, noSeeds, claim);
                if (a.node != null) {
                    started = true;
                    return Result.ok(a.node);
                }
                CLAIMED_PORTS.remove(claim);
                if (a.error != null) {
                    return Result.err(a.error);
                }
                busy.add(String.valueOf(port));
            }
            String range = count == 1 ? String.valueOf(first) : first + "-" + (first + count - 1);
            return Result.err(new StartError.NetworkError("cannot bind " + host.getHostAddress() + ":" + range
                    + ": all " + count + " port(s) in use"));
        } finally {
            if (!started) {
                RUNNING.remove(name.text());
            }
        }
    }

    private record Attempt(JGroupsNode node, StartError error) {}

    private static char[] chars(java.util.Optional<String> password) {
        return password.map(String::toCharArray).orElse(null);
    }

    private static Attempt tryStart(NodeName name, CookieSecret secret, Certificates certificates, ClusterConfig config,
                                    InetAddress host, int port, List<NodeName> seeds, boolean noSeeds, String claim) {
        JChannel ch = null;
        java.net.ServerSocket probeListener = null;
        try {
            List<ProtocolConfiguration> configs = Stacks.load(config.stack());
            configure(configs, config, host, port, seeds, noSeeds);
            ch = new JChannel(new ListConfigurator(configs));
            pinTransportPort(ch, port);
            ch.setName(name.text());
            String text = name.text();
            ch.addAddressGenerator(() -> NodeProtocol.newAddress(text));
            NodeProtocol np = ch.getProtocolStack().findProtocol(NodeProtocol.class);
            np.setSecret(secret);
            // Below JGroups: every TCP connection it opens or accepts is TLS keyed by the cookie.
            SecureLayer layer = new SecureLayer(secret.expand(TLS_PSK_LABEL), secret.expand(UDP_SEAL_LABEL),
                    secret.expand(TLS_BINDING_LABEL), certificates, name.name(), name.text());
            layer.probeAnswer(np::probeAnswer);
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
                    probeListener);
            np.setSecurityListener(reason -> node.securityRejections.incrementAndGet());
            ch.setReceiver(node.receiver());
            ch.connect(config.clusterName());
            node.onView(ch.getView());
            if (config.jmx()) {
                node.registerMBean();
            }
            node.connectSeedsInBackground(seeds);
            LOG.info("{}: started on {}:{} ({} stack{})", name.text(), host.getHostAddress(), port, config.stack(),
                    seeds.isEmpty() ? "" : ", seeds " + config.seeds());
            return new Attempt(node, null);
        } catch (Stacks.StackException e) {
            close(ch);
            closeQuietly(probeListener);
            return new Attempt(null, new StartError.StartFailed(e.getMessage()));
        } catch (Exception e) {
            close(ch);
            closeQuietly(probeListener);
            StartError err = classifyStartFailure(e, host.getHostAddress() + ":" + port);
            return new Attempt(null, err); // null: this port is busy, try the next
        }
    }

    /**
     * Maps an exception from binding or starting the channel to a typed error; null means "this port is in use,
     * try the next one". Public for tests that check the mapping with the real exception types.
     */
    public static StartError classifyStartFailure(Throwable t, String where) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String msg = String.valueOf(c.getMessage());
            String lower = msg.toLowerCase(java.util.Locale.ROOT);
            if (c instanceof SecurityException && lower.contains("authentication failed")) {
                // Connections are authenticated below JGroups, so a refused join is not a cookie question.
                return new StartError.StartFailed("the cluster refused this node's join: a member with this name is "
                        + "already in it (names must be unique)");
            }
            if (c instanceof AccessDeniedException || lower.contains("permission denied")
                    || lower.contains("operation not permitted") || c instanceof SecurityException
                    && !lower.contains("cookie")) {
                return new StartError.SystemError("cannot bind " + where + ": " + msg);
            }
            if (lower.startsWith("failed to open a port in range") && lower.contains("already in use")) {
                return null; // UDP wraps its BindException in a plain Exception
            }
            if (c instanceof BindException || c instanceof SocketException) {
                if (lower.contains("already in use") || lower.contains("no available port")) {
                    return null;
                }
                if (lower.contains("cannot assign requested address")) {
                    return new StartError.NetworkError("cannot bind " + where + ": not an address of this machine");
                }
                return new StartError.NetworkError("cannot bind " + where + ": " + msg);
            }
        }
        String msg = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
        return new StartError.StartFailed("cannot start the channel on " + where + ": " + msg);
    }

    /** Null if {@code host} is an address of this machine, else the reason it is not. */
    private static String checkLocal(InetAddress host) {
        if (host.isAnyLocalAddress()) {
            return "cannot use the wildcard address " + host.getHostAddress() + ": name the node by a real address";
        }
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(host, 0))) {
            return null;
        } catch (SocketException e) {
            return "host " + host.getHostAddress() + " is not an address of this machine (" + e.getMessage() + ")";
        }
    }

    private static void configure(List<ProtocolConfiguration> configs, ClusterConfig config, InetAddress host,
                                  int port, List<NodeName> seeds, boolean noSeeds) {
        var tp = configs.get(0).getProperties();
        tp.put("bind_addr", host.getHostAddress());
        tp.put("bind_port", String.valueOf(port));
        tp.put("port_range", "0");
        // A closed connection alone never suspects a member (CrashEvidence checks the member's address first).
        if (Stacks.indexOf(configs, TCP.class) == 0) {
            tp.put("enable_suspect_events", "false");
        }
        config.externalAddress().ifPresent(a -> tp.put("external_addr", a));
        if (config.externalPort() > 0) {
            tp.put("external_port", String.valueOf(config.externalPort()));
        }
        int tcpping = Stacks.indexOf(configs, TCPPING.class);
        if (tcpping >= 0) {
            List<String> hosts = new ArrayList<>();
            for (NodeName s : seeds) {
                int p0 = s.hasPort() ? s.port() : config.port();
                int n = s.hasPort() ? 1 : config.portRange();
                String h = s.host().indexOf(':') >= 0 ? "[" + s.host() + "]" : s.host();
                for (int p = p0; p < p0 + n; p++) {
                    hosts.add(h + "[" + p + "]");
                }
            }
            var props = configs.get(tcpping).getProperties();
            props.put("initial_hosts", String.join(",", hosts));
            props.put("port_range", "0");
        }
        int fd = Stacks.indexOf(configs, FD_ALL3.class);
        if (fd >= 0) {
            long timeout = config.failureDetectionTimeout().toMillis();
            configs.get(fd).getProperties().put("timeout", String.valueOf(timeout));
            // FD_ALL3 checks once per interval: a short one keeps detection close to the timeout (timeout + interval).
            configs.get(fd).getProperties().put("interval", String.valueOf(Math.max(25, timeout / 8)));
        }
        int gms = Stacks.indexOf(configs, GMS.class);
        var g = configs.get(gms).getProperties();
        // A node with no seeds has nobody to wait for: JGroups' stock 2 s wait is pure delay.
        g.put("join_timeout", noSeeds ? "1" : String.valueOf(config.joinTimeout().toMillis()));
        // Nodes started together with the same seeds first find only each other, none yet coordinator; JGroups
        // makes the lowest one coordinator and the others retry. Too few retries leave islands to merge later.
        g.put("max_join_attempts", "10");
        configureDiscovery(configs, config, host);
    }

    /**
     * Settings of the udp and dns stacks' protocols. FD_SOCK2 listens on the node's address, not every interface.
     * DNS_PING probes the ports {@code [bind_port, bind_port + port_range]} of the transport as it is when the
     * channel is created: that is ClusterConfig's whole port range here, and {@link #pinTransportPort} narrows the
     * transport to the node's own port before it binds.
     */
    private static void configureDiscovery(List<ProtocolConfiguration> configs, ClusterConfig config,
                                           InetAddress host) {
        int fdSock = Stacks.indexOf(configs, FD_SOCK2.class);
        if (fdSock >= 0) {
            var props = configs.get(fdSock).getProperties();
            props.put("bind_addr", host.getHostAddress());
            config.externalAddress().ifPresent(a -> props.put("external_addr", a));
        }
        if (Stacks.indexOf(configs, DNS_PING.class) >= 0) {
            var tp = configs.get(0).getProperties();
            tp.put("bind_port", String.valueOf(config.port()));
            tp.put("port_range", String.valueOf(Math.max(0, config.portRange() - 1)));
        }
    }

    /** Makes the (created, not yet connected) channel's transport bind exactly {@code port}. */
    private static void pinTransportPort(JChannel ch, int port) {
        TP tp = ch.getProtocolStack().getTransport();
        tp.setBindPort(port);
        tp.setPortRange(0);
    }

    /** Hands the prepared protocol list to JChannel. */
    private record ListConfigurator(List<ProtocolConfiguration> configs) implements ProtocolStackConfigurator {
        @Override
        public String getProtocolStackString() {
            return configs.toString();
        }

        @Override
        public List<ProtocolConfiguration> getProtocolStack() {
            return configs;
        }
    }

    private static void closeQuietly(java.net.ServerSocket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                LOG.debug("closing a probe listener: {}", e.toString());
            }
        }
    }

    private static void close(JChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (RuntimeException e) {
                LOG.debug("closing a channel that failed to start: {}", e.toString());
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------- views

    private Receiver receiver() {
        return new Receiver() {
            @Override
            public void viewAccepted(View v) {
                onView(v);
            }
        };
    }

    private void onView(View v) {
        synchronized (viewLock) {
            applyView(v);
        }
    }

    private void applyView(View v) {
        if (closed || v == null || (view != null && v.getViewId().equals(view.getViewId()))) {
            return;
        }
        View previous = view;
        view = v;
        Address me = channel.getAddress();
        List<String> names = new ArrayList<>(v.size());
        for (Address a : v.getMembersRaw()) {
            if (!a.equals(me)) {
                String n = NodeProtocol.nameOf(a);
                names.add(n != null ? n : String.valueOf(a));
            }
        }
        peers = List.copyOf(names);
        Map<String, Address> byName = new java.util.HashMap<>();
        for (Address a : v.getMembersRaw()) {
            String n = NodeProtocol.nameOf(a);
            if (n != null && !a.equals(me)) {
                byName.put(n, a);
            }
        }
        membersByName = byName;
        List<Member> incarnations = new ArrayList<>(v.size());
        for (Address a : v.getMembersRaw()) {
            if (!a.equals(me)) {
                incarnations.add(Member.of(a));
            }
        }
        Map<Address, DownReason> reasons = new java.util.HashMap<>();
        if (previous != null) {
            for (Address a : previous.getMembersRaw()) {
                if (!v.containsMember(a)) {
                    reasons.put(a, protocol.reasonFor(a));
                }
            }
        }
        membership.changed(incarnations, reasons);
        nextView.getAndSet(new CompletableFuture<>()).complete(v);
    }

    /** Subscribes to membership events: current members first as NodeUp, then every change. */
    public AutoCloseable subscribe(Consumer<MembershipEvent> listener) {
        synchronized (viewLock) {
            return membership.subscribe(listener);
        }
    }

    /**
     * Attaches a sink that gets every event synchronously, on the thread that applies the view and under the view
     * lock (it must only enqueue); at {@link #close()} it gets the final LOCAL_STOP events before close returns.
     */
    public AutoCloseable attach(Consumer<MembershipEvent> sink) {
        synchronized (viewLock) {
            return membership.attach(sink);
        }
    }

    /** Completes with {@code node}'s NodeDown; at once (NOT_CONNECTED) if it is not connected. */
    public CompletableFuture<MembershipEvent.NodeDown> monitor(String node) {
        synchronized (viewLock) {
            return membership.monitor(node);
        }
    }

    /** The current view (null before the first). */
    public View view() {
        return view;
    }

    /** Waits until {@code member} is in the view or the deadline passes. */
    private boolean awaitMember(Address member, long deadlineNanos) throws InterruptedException {
        while (true) {
            CompletableFuture<View> next = nextView.get();
            View v = view;
            if (v != null && v.containsMember(member)) {
                return true;
            }
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0 || closed) {
                return false;
            }
            try {
                next.get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // loop: re-check the view, then the deadline
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ the calls

    public String selfNode() {
        return closed ? NO_NODE : name.text();
    }

    public List<String> nodes() {
        return closed ? List.of() : peers;
    }

    public NodeName name() {
        return name;
    }

    public ClusterConfig config() {
        return config;
    }

    /** Connects to {@code target}: finds it in its host's port range and merges our cluster with its cluster. */
    public Result<Void, ConnectError> connect(String target) {
        if (closed) {
            return Result.err(new ConnectError.ConnectNetworkError(NOT_STARTED));
        }
        Result<NodeName, String> parsed = NodeName.parse(target);
        if (parsed instanceof Result.Err<NodeName, String> e) {
            return Result.err(new ConnectError.ConnectNetworkError(INVALID_NAME + ": " + e.error()));
        }
        NodeName t = parsed.orElseThrow();
        if (t.text().equals(name.text()) || peers.contains(t.text())) {
            return Result.err(new ConnectError.ConnectIgnored());
        }
        long deadline = System.nanoTime() + config.connectTimeout().toNanos();
        Result<List<PhysicalAddress>, ConnectError> where = addressesOf(t);
        if (where instanceof Result.Err<List<PhysicalAddress>, ConnectError> e) {
            return Result.err(e.error());
        }
        List<PhysicalAddress> targets = where.orElseThrow();
        try {
            return connect(t, targets, deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.err(new ConnectError.ConnectNetworkError("interrupted while connecting to " + t.text()));
        }
    }

    private Result<Void, ConnectError> connect(NodeName t, List<PhysicalAddress> targets, long deadline)
            throws InterruptedException {
        long started = System.nanoTime();
        ProbeAnswers.Answer found = null;
        boolean rejected = false;
        boolean silent = false;
        try (NodeFinder.Search search = finder.search(targets, t.name(), deadline)) {
            BlockingQueue<NodeFinder.Reply> replies = search.replies();
            for (int n = 0; n < targets.size() && found == null; n++) {
                long left = deadline - System.nanoTime();
                NodeFinder.Reply reply = left > 0 ? replies.poll(left, TimeUnit.NANOSECONDS) : null;
                if (reply == null) {
                    silent = true; // a port still handshaking at the deadline: something listens but does not answer
                    break;
                }
                if (reply.found() && t.name().equals(nameOnly(reply.answer().name()))) {
                    found = reply.answer();
                } else if (reply.result() instanceof ProbeResult.CookieRejected) {
                    rejected = true;
                } else if (reply.result() instanceof ProbeResult.NoAnswer) {
                    silent = true;
                }
            }
        }
        if (found == null) {
            if (rejected) {
                return Result.err(new ConnectError.ConnectNetworkError("node " + t.text() + " rejected our cookie: "
                        + "it belongs to a cluster with another cookie"));
            }
            return Result.err(silent && System.nanoTime() >= deadline ? new ConnectError.ConnectTimeout()
                    : new ConnectError.NodeNotFound());
        }
        View mine = view;
        if (mine != null && mine.containsMember(found.from())) {
            return Result.err(new ConnectError.ConnectIgnored());
        }
        String clash = duplicateName(mine, found.view());
        if (clash != null) {
            return Result.err(new ConnectError.ConnectNetworkError("a node named " + clash
                    + " is already in the cluster of " + found.name() + "; names must be unique"));
        }
        long probed = System.nanoTime();
        Result<Void, ConnectError> r = mergeWith(found, deadline);
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: connect to {}: found in {} us, merged in {} us: {}", name.text(), found.name(),
                    (probed - started) / 1000, (System.nanoTime() - probed) / 1000, r);
        }
        return r;
    }

    /**
     * Merges with the cluster {@code found} belongs to, and waits until every member of that cluster is in our view
     * (a member that was busy during the merge is left out of it by JGroups; it is merged again here).
     */
    private Result<Void, ConnectError> mergeWith(ProbeAnswers.Answer found, long deadline) throws InterruptedException {
        ProbeAnswers.Answer next = found;
        while (System.nanoTime() < deadline) {
            if (next != null) {
                protocol.triggerMerge(next.view(), next.mappings());
            }
            // A coordinator busy with another merge drops our request: ask again soon rather than wait long.
            long step = Math.min(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(150));
            Address waitFor = next != null ? next.from() : found.from();
            awaitMember(waitFor, step);
            View v = view;
            List<Address> missing = found.view() == null ? List.of() : found.view().getMembers().stream()
                    .filter(m -> v == null || !v.containsMember(m)).toList();
            long merged = System.nanoTime();
            if (missing.isEmpty() && peerHasView(found.from(), v, deadline)) {
                LOG.trace("{}: peer's view confirmed in {} us", name.text(), (System.nanoTime() - merged) / 1000);
                LOG.debug("{}: connected to {}", name.text(), found.name());
                return Result.ok();
            }
            if (missing.isEmpty()) {
                next = null; // merged here; the peer has not installed the view yet
                continue;
            }
            // Ask a missing member for its current view and merge with that.
            PhysicalAddress where = found.mappings().get(missing.get(0));
            next = where == null ? null : probeOne(where, nameOnly(NodeProtocol.nameOf(missing.get(0))),
                    Math.min(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200)));
        }
        View v = view;
        if (v != null && v.containsMember(found.from())) {
            LOG.info("{}: connected to {}, but not every member of its cluster has merged yet", name.text(), found.name());
            return Result.ok();
        }
        return Result.err(new ConnectError.ConnectTimeout());
    }

    /** True once {@code peer} answers a ping from view {@code v} (or a later one): both sides list each other. */
    private boolean peerHasView(Address peer, View v, long deadline) {
        for (int i = 0; i < 20 && System.nanoTime() < deadline; i++) {
            long left = Math.min(deadline - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(100));
            if (pingMember(peer, left) >= 0) {
                org.jgroups.ViewId theirs = protocol.lastViewOf(peer);
                if (theirs != null && theirs.compareToIDs(v.getViewId()) >= 0) {
                    return true;
                }
            }
            View now = view;
            if (now == null || !now.containsMember(peer)) {
                return false;
            }
        }
        return false;
    }

    private ProbeAnswers.Answer probeOne(PhysicalAddress where, String name, long deadline) {
        return name == null ? null : finder.probe(where, name, deadline).answer();
    }

    /** A node name present in both views (names must be unique in a cluster), or null. */
    private static String duplicateName(View ours, View theirs) {
        if (ours == null || theirs == null) {
            return null;
        }
        Set<String> names = new java.util.HashSet<>();
        for (Address a : ours.getMembersRaw()) {
            names.add(NodeProtocol.nameOf(a));
        }
        for (Address a : theirs.getMembersRaw()) {
            String n = NodeProtocol.nameOf(a);
            if (n != null && names.contains(n)) {
                return n;
            }
        }
        return null;
    }

    /** Reasons of connect failures that a retry cannot fix. */
    static final String INVALID_NAME = "invalid node name";
    static final String NOT_STARTED = "this node is not started";
    static final String COOKIE_REJECTED = "rejected our cookie";
    static final String DUPLICATE_NAME = "is already in the cluster";

    /** Whether retrying {@code error} may help: timeouts, not-found and network trouble, not refusals. */
    public static boolean isRetryable(ConnectError error) {
        if (error instanceof ConnectError.ConnectTimeout || error instanceof ConnectError.NodeNotFound) {
            return true;
        }
        if (error instanceof ConnectError.ConnectNetworkError n) {
            String r = n.reason();
            return !(r.startsWith(INVALID_NAME) || r.startsWith(NOT_STARTED) || r.contains(COOKIE_REJECTED)
                    || r.contains(DUPLICATE_NAME) || r.startsWith("interrupted"));
        }
        return false;
    }

    private static String nameOnly(String nodeName) {
        if (nodeName == null) {
            return null;
        }
        int at = nodeName.indexOf('@');
        return at < 0 ? nodeName : nodeName.substring(0, at);
    }

    /** The physical addresses where {@code t} may listen, or why there are none. */
    private Result<List<PhysicalAddress>, ConnectError> addressesOf(NodeName t) {
        InetAddress host;
        try {
            host = InetAddress.getByName(t.host());
        } catch (UnknownHostException e) {
            return Result.err(new ConnectError.ConnectNetworkError("cannot resolve host '" + t.host() + "'"));
        }
        int first = t.hasPort() ? t.port() : config.port();
        int count = t.hasPort() ? 1 : config.portRange();
        // A connected UDP socket sends nothing, but fails at once when there is no route to the host.
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(new InetSocketAddress(host, first));
        } catch (IOException | RuntimeException e) {
            return Result.err(new ConnectError.ConnectNetworkError("host " + t.host() + " is unreachable: "
                    + e.getMessage()));
        }
        List<PhysicalAddress> out = new ArrayList<>(count);
        for (int p = first; p < first + count && p <= 65535; p++) {
            if (!(host.equals(bound.getAddress()) && p == bound.getPort())) {
                out.add(new IpAddress(host, p));
            }
        }
        return Result.ok(out);
    }

    /** True if {@code target} answers within the ping timeout: a member over the channel, others by a probe. */
    public boolean ping(String target) {
        if (closed || target == null) {
            return false;
        }
        long timeoutNanos = config.pingTimeout().toNanos();
        // The hot path, a member: no parsing, one map lookup.
        Address member = membersByName.get(target);
        if (member != null) {
            return pingMember(member, timeoutNanos) >= 0;
        }
        Result<NodeName, String> parsed = NodeName.parse(target);
        if (parsed.isErr()) {
            return false;
        }
        NodeName t = parsed.orElseThrow();
        if (t.text().equals(name.text())) {
            return true;
        }
        long deadline = System.nanoTime() + timeoutNanos;
        Result<List<PhysicalAddress>, ConnectError> where = addressesOf(t);
        if (where.isErr()) {
            return false;
        }
        try (NodeFinder.Search search = finder.search(where.orElseThrow(), t.name(), deadline)) {
            BlockingQueue<NodeFinder.Reply> replies = search.replies();
            for (int n = 0; n < where.orElseThrow().size(); n++) {
                long left = deadline - System.nanoTime();
                NodeFinder.Reply reply = left > 0 ? replies.poll(left, TimeUnit.NANOSECONDS) : null;
                if (reply == null) {
                    return false;
                }
                if (reply.found() && t.name().equals(nameOnly(reply.answer().name()))) {
                    return true;
                }
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Round trip to a member in nanoseconds, or -1 on timeout. */
    public long pingMember(Address member, long timeoutNanos) {
        long start = System.nanoTime();
        CompletableFuture<Long> f = protocol.ping(member);
        try {
            Long end = f.get(timeoutNanos, TimeUnit.NANOSECONDS);
            return end == null ? -1 : end - start;
        } catch (TimeoutException | ExecutionException e) {
            f.cancel(false);
            return -1;
        } catch (InterruptedException e) {
            f.cancel(false);
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** How many join, merge or handshake attempts this node refused for a bad or replayed cookie proof. */
    public long securityRejections() {
        return securityRejections.get();
    }

    private volatile Thread seedConnector;

    /**
     * JGroups' own join at start reaches at most one coordinator; nodes started at the same instant can end up as
     * islands that MERGE3 would only merge seconds later. Connecting to every seed not yet in the view merges them
     * at once.
     */
    private void connectSeedsInBackground(List<NodeName> seeds) {
        if (seeds.isEmpty()) {
            return;
        }
        Thread t = new Thread(() -> {
            for (NodeName seed : seeds) {
                if (closed || Thread.currentThread().isInterrupted()) {
                    return;
                }
                // Only an island's coordinator reaches out: one merge per island instead of one per node, which
                // would have every coordinator busy with competing merges.
                View v = view;
                if (v != null && !channel.getAddress().equals(v.getCoord())) {
                    return;
                }
                if (!seed.text().equals(name.text()) && !peers.contains(seed.text())) {
                    Result<Void, ConnectError> r = connect(seed.text());
                    LOG.debug("{}: seed {}: {}", name.text(), seed.text(), r.isOk() ? "connected" : r);
                }
            }
        }, "distribute-seeds-" + name.text());
        t.setDaemon(true);
        seedConnector = t;
        t.start();
    }

    private volatile javax.management.ObjectName mbeanName;

    private void registerMBean() {
        try {
            javax.management.ObjectName on = new javax.management.ObjectName("io.distribute:type=ClusterNode,name="
                    + javax.management.ObjectName.quote(name.text()));
            java.lang.management.ManagementFactory.getPlatformMBeanServer().registerMBean(
                    new javax.management.StandardMBean(mxBean(), NodeMXBean.class, true), on);
            mbeanName = on;
        } catch (javax.management.JMException | RuntimeException e) {
            LOG.warn("{}: cannot register the JMX bean: {}", name.text(), e.toString());
        }
    }

    private void unregisterMBean() {
        javax.management.ObjectName on = mbeanName;
        if (on != null) {
            try {
                java.lang.management.ManagementFactory.getPlatformMBeanServer().unregisterMBean(on);
            } catch (javax.management.JMException e) {
                LOG.debug("{}: unregistering the JMX bean: {}", name.text(), e.toString());
            }
            mbeanName = null;
        }
    }

    private NodeMXBean mxBean() {
        return new NodeMXBean() {
            @Override
            public String getSelfNode() {
                return selfNode();
            }

            @Override
            public String[] getNodes() {
                return nodes().toArray(new String[0]);
            }

            @Override
            public String getViewId() {
                View v = view;
                return v == null ? "" : NodeProtocol.nameOf(v.getViewId().getCreator()) + "|" + v.getViewId().getId();
            }

            @Override
            public String getCoordinator() {
                View v = view;
                return v == null ? "" : String.valueOf(NodeProtocol.nameOf(v.getCoord()));
            }

            @Override
            public long getDroppedFrames() {
                return droppedFrames();
            }

            @Override
            public long getSecurityRejections() {
                return securityRejections();
            }

            @Override
            public boolean ping(String node) {
                return JGroupsNode.this.ping(node);
            }
        };
    }

    /** Connections and datagrams dropped below JGroups because they did not prove our cookie. */
    public long droppedFrames() {
        return layer.refusedConnections() + layer.droppedDatagrams();
    }

    /** The JGroups channel, for tests and benchmarks of this package's internals. */
    JChannel channel() {
        return channel;
    }

    /** Our own address in the channel. */
    public Address address() {
        return channel.getAddress();
    }

    public InetSocketAddress boundAddress() {
        return bound;
    }

    /** Leaves the cluster gracefully and releases the name and port; idempotent. */
    @Override
    public void close() {
        synchronized (viewLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        unregisterMBean();
        Thread seeds = seedConnector;
        if (seeds != null && seeds != Thread.currentThread()) {
            seeds.interrupt();
            try {
                seeds.join(config.connectTimeout().toMillis() + 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // Whoever watches this process (udp's crash watch) learns that it leaves on purpose, not by crashing.
        layer.farewell();
        try {
            channel.close();
        } catch (RuntimeException e) {
            LOG.warn("{}: error while leaving the cluster: {}", name.text(), e.toString());
        } finally {
            peers = List.of();
            membersByName = Map.of();
            synchronized (viewLock) {
                membership.stop();
            }
            closeQuietly(probeListener);
            layer.destroy(); // the TLS key derived from the cookie goes with the node
            CLAIMED_PORTS.remove(claimedPort);
            RUNNING.remove(name.text());
            nextView.get().complete(null);
            LOG.info("{}: stopped", name.text());
        }
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "JGroupsNode[" + name.text() + (closed ? ", closed" : "") + "]";
    }
}
