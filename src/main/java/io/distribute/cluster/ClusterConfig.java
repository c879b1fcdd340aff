package io.distribute.cluster;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Immutable settings of a node. Start from {@link #defaults()}, {@link #builder()} or {@link #fromEnvironment()}.
 *
 * <pre>{@code
 * ClusterConfig config = ClusterConfig.builder()
 *         .port(7800).portRange(10)
 *         .seeds(List.of("a@10.0.0.5", "b@10.0.0.6"))
 *         .connectTimeout(Duration.ofSeconds(5))
 *         .build();
 * }</pre>
 *
 * <p>Every setting, its default, and its environment variable and system property are listed in the README; a test
 * keeps that table and this class in step. Precedence: builder &gt; system property &gt; environment &gt; default.
 */
public final class ClusterConfig {

    /** Default first port a node binds: 7800. */
    public static final int DEFAULT_PORT = 7800;
    /** Default number of ports tried from {@link #port()}: 10. */
    public static final int DEFAULT_PORT_RANGE = 10;
    /** Default stack: the bundled {@code tcp} stack (TCP, static seeds). */
    public static final String DEFAULT_STACK = "tcp";
    /** Default cluster name: nodes only ever see nodes of the same cluster name. */
    public static final String DEFAULT_CLUSTER_NAME = "distribute";
    /** Default connect timeout: 5 s, time for a found peer's cluster to merge with ours. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Default ping timeout: 1 s. */
    public static final Duration DEFAULT_PING_TIMEOUT = Duration.ofSeconds(1);
    /** Default failure-detection timeout: 3 s without a heartbeat marks a node unresponsive. */
    public static final Duration DEFAULT_FAILURE_DETECTION_TIMEOUT = Duration.ofSeconds(3);
    /** Default time a node started with seeds waits for one of them to answer: 1 s. */
    public static final Duration DEFAULT_JOIN_TIMEOUT = Duration.ofSeconds(1);

    private final int port;
    private final int portRange;
    private final List<String> seeds;
    private final String stack;
    private final String clusterName;
    private final Duration connectTimeout;
    private final Duration pingTimeout;
    private final Duration failureDetectionTimeout;
    private final Duration joinTimeout;
    private final String nodeName;
    private final String cookie;
    private final boolean jmx;
    private final String bindAddress;
    private final String externalAddress;
    private final int externalPort;
    private final String tlsKeystore;
    private final String tlsKeystorePassword;
    private final String tlsTruststore;
    private final String tlsTruststorePassword;
    private final int httpPort;
    private final String httpAddress;
    private final int httpReadyMembers;
    private final boolean httpReadySeed;
    private final boolean shutdownHook;

    private ClusterConfig(Builder b) {
        this.port = b.port;
        this.portRange = b.portRange;
        this.seeds = List.copyOf(b.seeds);
        this.stack = b.stack;
        this.clusterName = b.clusterName;
        this.connectTimeout = b.connectTimeout;
        this.pingTimeout = b.pingTimeout;
        this.failureDetectionTimeout = b.failureDetectionTimeout;
        this.joinTimeout = b.joinTimeout;
        this.nodeName = b.nodeName;
        this.cookie = b.cookie;
        this.jmx = b.jmx;
        this.bindAddress = b.bindAddress;
        this.externalAddress = b.externalAddress;
        this.externalPort = b.externalPort;
        this.tlsKeystore = b.tlsKeystore;
        this.tlsKeystorePassword = b.tlsKeystorePassword;
        this.tlsTruststore = b.tlsTruststore;
        this.tlsTruststorePassword = b.tlsTruststorePassword;
        this.httpPort = b.httpPort;
        this.httpAddress = b.httpAddress;
        this.httpReadyMembers = b.httpReadyMembers;
        this.httpReadySeed = b.httpReadySeed;
        this.shutdownHook = b.shutdownHook;
    }

    /** The defaults: port 7800, range 10, no seeds, stack {@code tcp}, timeouts as the constants of this class. */
    public static ClusterConfig defaults() {
        return new Builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this config. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * The defaults overridden by the environment ({@code CLUSTER_COOKIE}, {@code DISTRIBUTE_*}) and then by system
     * properties ({@code distribute.*}); see the README's settings table.
     *
     * @throws IllegalArgumentException naming the variable or property whose value is invalid
     */
    public static ClusterConfig fromEnvironment() {
        return fromSources(System.getenv(), System::getProperty);
    }

    /** {@link #fromEnvironment()} over explicit sources, for tests and embedders. */
    static ClusterConfig fromSources(Map<String, String> env, Function<String, String> sysprops) {
        return SettingSources.read(env, sysprops);
    }

    /** First port a node binds (default 7800). A port in the node name overrides it. */
    public int port() {
        return port;
    }

    /** Number of ports tried from {@link #port()}: a node binds the first free one in [port, port+range). */
    public int portRange() {
        return portRange;
    }

    /** Nodes ({@code name@host[:port]}) a starting node tries to join; empty by default. */
    public List<String> seeds() {
        return seeds;
    }

    /** The JGroups stack: {@code tcp}, {@code udp}, {@code dns} (bundled) or a path to a stack file. */
    public String stack() {
        return stack;
    }

    /** The cluster name; only nodes with the same name (and cookie) see each other. */
    public String clusterName() {
        return clusterName;
    }

    /** How long {@code connect} waits for a found peer to merge. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** How long {@code ping} waits for an answer. */
    public Duration pingTimeout() {
        return pingTimeout;
    }

    /** How long without a heartbeat before a node is considered unresponsive and removed. */
    public Duration failureDetectionTimeout() {
        return failureDetectionTimeout;
    }

    /** How long a node started with seeds waits for one of them before it starts alone. */
    public Duration joinTimeout() {
        return joinTimeout;
    }

    /** Whether each node registers an MBean {@code io.distribute:type=ClusterNode,name="<node>"} (default false). */
    public boolean jmx() {
        return jmx;
    }

    /** The address to bind instead of the node name's host (e.g. behind NAT); empty = the name's host. */
    public Optional<String> bindAddress() {
        return Optional.ofNullable(bindAddress);
    }

    /** The address other nodes should use to reach this one when it differs from the bound one (NAT, Docker). */
    public Optional<String> externalAddress() {
        return Optional.ofNullable(externalAddress);
    }

    /** The port other nodes should use to reach this one (NAT port mapping); 0 = the bound port. */
    public int externalPort() {
        return externalPort;
    }

    /**
     * Certificate mode: the keystore (PKCS12, or JKS if the name ends in {@code .jks}) holding this node's private key
     * and certificate chain. With {@link #tlsTruststore()} set too, connections are authenticated by certificates of
     * your PKI, and the cookie is still proved on each of them; default none (the cookie is the TLS pre-shared key).
     */
    public Optional<String> tlsKeystore() {
        return Optional.ofNullable(tlsKeystore);
    }

    /** The keystore's password, if any. Never printed by {@link #toString()}; a started node does not keep it. */
    public Optional<String> tlsKeystorePassword() {
        return Optional.ofNullable(tlsKeystorePassword);
    }

    /** Certificate mode: the truststore of the CAs whose certificates other nodes must present. */
    public Optional<String> tlsTruststore() {
        return Optional.ofNullable(tlsTruststore);
    }

    /** The truststore's password, if any. Never printed by {@link #toString()}. */
    public Optional<String> tlsTruststorePassword() {
        return Optional.ofNullable(tlsTruststorePassword);
    }

    /**
     * The port of the node's health and membership endpoint ({@code GET /health/live}, {@code /health/ready},
     * {@code /members}; see {@link io.distribute.http.HealthEndpoint}); 0, the default, means no endpoint.
     */
    public int httpPort() {
        return httpPort;
    }

    /** The address the endpoint binds; empty (the default) = the address the node itself is bound to. */
    public Optional<String> httpAddress() {
        return Optional.ofNullable(httpAddress);
    }

    /**
     * How many other nodes this node must be connected to before {@code /health/ready} answers 200 (default 0:
     * ready as soon as it is started).
     */
    public int httpReadyMembers() {
        return httpReadyMembers;
    }

    /**
     * Whether {@code /health/ready} also waits until this node is connected to at least one of its {@link #seeds()}
     * other than itself (default false). A node whose only seed is itself, or that has no seeds, is not held back by
     * it. A seed counts as connected when a member has its name and host, and its port if both give one.
     */
    public boolean httpReadySeed() {
        return httpReadySeed;
    }

    /**
     * Whether a started node closes itself in a JVM shutdown hook (default false): on SIGTERM or
     * {@code System.exit} it leaves gracefully, so that its peers see {@link DownReason#LEFT} instead of
     * {@link DownReason#CRASHED}. {@link ClusterNode#close()} removes the hook.
     */
    public boolean shutdownHook() {
        return shutdownHook;
    }

    /** The node name read from the environment ({@code DISTRIBUTE_NAME}), if any. */
    public Optional<String> nodeName() {
        return Optional.ofNullable(nodeName);
    }

    /** The cookie read from the environment ({@code CLUSTER_COOKIE}), if any. Never printed by {@link #toString()}. */
    public Optional<String> cookie() {
        return Optional.ofNullable(cookie);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterConfig c && port == c.port && portRange == c.portRange && seeds.equals(c.seeds)
                && stack.equals(c.stack) && clusterName.equals(c.clusterName)
                && connectTimeout.equals(c.connectTimeout) && pingTimeout.equals(c.pingTimeout)
                && failureDetectionTimeout.equals(c.failureDetectionTimeout) && joinTimeout.equals(c.joinTimeout)
                && Objects.equals(nodeName, c.nodeName) && Objects.equals(cookie, c.cookie)
                && jmx == c.jmx && Objects.equals(bindAddress, c.bindAddress)
                && Objects.equals(externalAddress, c.externalAddress) && externalPort == c.externalPort
                && Objects.equals(tlsKeystore, c.tlsKeystore) && Objects.equals(tlsTruststore, c.tlsTruststore)
                && Objects.equals(tlsKeystorePassword, c.tlsKeystorePassword)
                && Objects.equals(tlsTruststorePassword, c.tlsTruststorePassword)
                && httpPort == c.httpPort && Objects.equals(httpAddress, c.httpAddress)
                && httpReadyMembers == c.httpReadyMembers && httpReadySeed == c.httpReadySeed
                && shutdownHook == c.shutdownHook;
    }

    @Override
    public int hashCode() {
        return Objects.hash(port, portRange, seeds, stack, clusterName, connectTimeout, pingTimeout,
                failureDetectionTimeout, joinTimeout, nodeName);
    }

    @Override
    public String toString() {
        return "ClusterConfig{port=" + port + ", portRange=" + portRange + ", seeds=" + seeds + ", stack=" + stack
                + ", clusterName=" + clusterName + ", connectTimeout=" + connectTimeout + ", pingTimeout="
                + pingTimeout + ", failureDetectionTimeout=" + failureDetectionTimeout + ", joinTimeout="
                + joinTimeout + ", jmx=" + jmx
                + (bindAddress != null ? ", bindAddress=" + bindAddress : "")
                + (externalAddress != null ? ", externalAddress=" + externalAddress : "")
                + (externalPort > 0 ? ", externalPort=" + externalPort : "") + (nodeName != null ? ", nodeName=" + nodeName : "")
                + (tlsKeystore != null ? ", tlsKeystore=" + tlsKeystore : "")
                + (tlsTruststore != null ? ", tlsTruststore=" + tlsTruststore : "")
                + (httpPort > 0 ? ", httpPort=" + httpPort : "")
                + (httpAddress != null ? ", httpAddress=" + httpAddress : "")
                + (httpReadyMembers > 0 ? ", httpReadyMembers=" + httpReadyMembers : "")
                + (httpReadySeed ? ", httpReadySeed=true" : "")
                + (shutdownHook ? ", shutdownHook=true" : "")
                + (tlsKeystorePassword != null || tlsTruststorePassword != null ? ", tls passwords=<redacted>" : "")
                + (cookie != null ? ", cookie=<redacted>" : "") + "}";
    }

    /** Builds a {@link ClusterConfig}; every setter validates at once and names the setting in its exception. */
    public static final class Builder {
        private int port = DEFAULT_PORT;
        private int portRange = DEFAULT_PORT_RANGE;
        private List<String> seeds = Collections.emptyList();
        private String stack = DEFAULT_STACK;
        private String clusterName = DEFAULT_CLUSTER_NAME;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration pingTimeout = DEFAULT_PING_TIMEOUT;
        private Duration failureDetectionTimeout = DEFAULT_FAILURE_DETECTION_TIMEOUT;
        private Duration joinTimeout = DEFAULT_JOIN_TIMEOUT;
        private String nodeName;
        private String cookie;
        private boolean jmx;
        private String bindAddress;
        private String externalAddress;
        private int externalPort;
        private String tlsKeystore;
        private String tlsKeystorePassword;
        private String tlsTruststore;
        private String tlsTruststorePassword;
        private int httpPort;
        private String httpAddress;
        private int httpReadyMembers;
        private boolean httpReadySeed;
        private boolean shutdownHook;

        private Builder() {
        }

        private Builder(ClusterConfig c) {
            port = c.port;
            portRange = c.portRange;
            seeds = c.seeds;
            stack = c.stack;
            clusterName = c.clusterName;
            connectTimeout = c.connectTimeout;
            pingTimeout = c.pingTimeout;
            failureDetectionTimeout = c.failureDetectionTimeout;
            joinTimeout = c.joinTimeout;
            nodeName = c.nodeName;
            cookie = c.cookie;
            jmx = c.jmx;
            bindAddress = c.bindAddress;
            externalAddress = c.externalAddress;
            externalPort = c.externalPort;
            tlsKeystore = c.tlsKeystore;
            tlsKeystorePassword = c.tlsKeystorePassword;
            tlsTruststore = c.tlsTruststore;
            tlsTruststorePassword = c.tlsTruststorePassword;
            httpPort = c.httpPort;
            httpAddress = c.httpAddress;
            httpReadyMembers = c.httpReadyMembers;
            httpReadySeed = c.httpReadySeed;
            shutdownHook = c.shutdownHook;
        }

        /** First port to bind, 1-65535 (default 7800). */
        public Builder port(int port) {
            this.port = SettingChecks.port(port);
            return this;
        }

        /** Number of ports to try, at least 1 (default 10); port + portRange - 1 must not exceed 65535. */
        public Builder portRange(int portRange) {
            this.portRange = SettingChecks.portRange(portRange);
            return this;
        }

        /** Nodes to join at start (default none). Names are checked by {@code startNode}. */
        public Builder seeds(List<String> seeds) {
            this.seeds = SettingChecks.seeds(seeds);
            return this;
        }

        /** Seeds as varargs. */
        public Builder seeds(String... seeds) {
            return seeds(seeds == null ? null : Arrays.asList(seeds));
        }

        /** {@code tcp}, {@code udp}, {@code dns}, or a path to a JGroups stack file (default {@code tcp}). */
        public Builder stack(String fileOrResource) {
            this.stack = SettingChecks.stack(fileOrResource);
            return this;
        }

        /** Cluster name, 1-100 printable characters (default {@code distribute}). */
        public Builder clusterName(String clusterName) {
            this.clusterName = SettingChecks.clusterName(clusterName);
            return this;
        }

        /** Connect timeout, positive (default 5 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = SettingChecks.positive("connectTimeout", timeout);
            return this;
        }

        /** Ping timeout, positive (default 1 s). */
        public Builder pingTimeout(Duration timeout) {
            this.pingTimeout = SettingChecks.positive("pingTimeout", timeout);
            return this;
        }

        /** Failure-detection timeout, at least 100 ms (default 3 s). */
        public Builder failureDetectionTimeout(Duration timeout) {
            this.failureDetectionTimeout = SettingChecks.failureDetectionTimeout(timeout);
            return this;
        }

        /** How long a node started with seeds waits for them, positive (default 1 s). */
        public Builder joinTimeout(Duration timeout) {
            this.joinTimeout = SettingChecks.positive("joinTimeout", timeout);
            return this;
        }

        /** The node name, as read from the environment; {@code startNode} takes its name as an argument. */
        public Builder nodeName(String nodeName) {
            this.nodeName = nodeName;
            return this;
        }

        /** The cookie, as read from the environment; {@code startNode} takes its cookie as an argument. */
        public Builder cookie(String cookie) {
            this.cookie = cookie;
            return this;
        }

        /** Register a JMX MBean per node (default false). */
        public Builder jmx(boolean on) {
            this.jmx = on;
            return this;
        }

        /** Bind this address instead of the node name's host (default: the name's host). */
        public Builder bindAddress(String address) {
            this.bindAddress = SettingChecks.address("bindAddress", address);
            return this;
        }

        /** Advertise this address to other nodes instead of the bound one (NAT, Docker); default none. */
        public Builder externalAddress(String address) {
            this.externalAddress = SettingChecks.address("externalAddress", address);
            return this;
        }

        /** Advertise this port to other nodes instead of the bound one (0 = the bound port, the default). */
        public Builder externalPort(int port) {
            this.externalPort = SettingChecks.externalPort(port);
            return this;
        }

        /** Certificate mode: this node's keystore file (see {@link ClusterConfig#tlsKeystore()}); null for none. */
        public Builder tlsKeystore(String path) {
            this.tlsKeystore = SettingChecks.path(" tlsKeystore", path);
            return this;
        }

        /** The keystore's password (null for none). */
        public Builder tlsKeystorePassword(String password) {
            this.tlsKeystorePassword = password;
            return this;
        }

        /** Certificate mode: the truststore file of the CAs other nodes' certificates must chain to; null for none. */
        public Builder tlsTruststore(String path) {
            this.tlsTruststore = SettingChecks.path("tlsTruststore", path);
            return this;
        }

        /** The truststore's password (null for none). */
        public Builder tlsTruststorePassword(String password) {
            this.tlsTruststorePassword = password;
            return this;
        }

        /**
         * Serve the health and membership endpoint on this port, 1-65535; 0 (the default) serves none. It binds
         * {@link #httpAddress(String)}, or the node's own address.
         */
        public Builder httpPort(int port) {
            this.httpPort = SettingChecks.httpPort(port);
            return this;
        }

        /** The address the endpoint binds, e.g. {@code 0.0.0.0} for every interface (default: the node's address). */
        public Builder httpAddress(String address) {
            this.httpAddress = SettingChecks.address("httpAddress", address);
            return this;
        }

        /** Other nodes this one must be connected to before it reports ready, 0-1000 (default 0). */
        public Builder httpReadyMembers(int members) {
            this.httpReadyMembers = SettingChecks.httpReadyMembers(members);
            return this;
        }

        /**
         * Report ready only once connected to at least one seed other than this node (default false). A node whose
         * only seed is itself, or with no seeds, is not held back by it.
         */
        public Builder httpReadySeed(boolean on) {
            this.httpReadySeed = on;
            return this;
        }

        /**
         * Close the node in a JVM shutdown hook, so that SIGTERM means a graceful leave (default false: the
         * application closes its nodes itself, e.g. from its container's lifecycle).
         */
        public Builder shutdownHook(boolean on) {
            this.shutdownHook = on;
            return this;
        }

        /** The immutable config. */
        public ClusterConfig build() {
            SettingChecks.together(port, portRange, tlsKeystore, tlsTruststore);
            return new ClusterConfig(this);
        }
    }
}
