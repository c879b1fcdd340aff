package io.distribute.cluster;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

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

    /** Every setting's value: this config's own copy, which nothing changes after it is made. */
    private final ConfigValues values;

    private ClusterConfig(ConfigValues values) {
        this.values = values;
    }

    /** The defaults: port 7800, range 10, no seeds, stack {@code tcp}, timeouts as the constants of this class. */
    public static ClusterConfig defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder(new ConfigValues());
    }

    /** A builder starting from this config. */
    public Builder toBuilder() {
        return new Builder(values.copy());
    }

    /**
     * The defaults overridden by the environment ({@code CLUSTER_COOKIE}, {@code DISTRIBUTE_*}) and then by system
     * properties ({@code distribute.*}); see the README's settings table.
     *
     * @throws IllegalArgumentException naming the variable or property whose value is invalid
     */
    public static ClusterConfig fromEnvironment() {
        return SettingSources.read(System.getenv(), System::getProperty);
    }

    /** First port a node binds (default 7800). A port in the node name overrides it. */
    public int port() {
        return values.port;
    }

    /** Number of ports tried from {@link #port()}: a node binds the first free one in [port, port+range). */
    public int portRange() {
        return values.portRange;
    }

    /** Nodes ({@code name@host[:port]}) a starting node tries to join; empty by default. */
    public List<String> seeds() {
        return values.seeds;
    }

    /** The JGroups stack: {@code tcp}, {@code udp}, {@code dns} (bundled) or a path to a stack file. */
    public String stack() {
        return values.stack;
    }

    /** The cluster name; only nodes with the same name (and cookie) see each other. */
    public String clusterName() {
        return values.clusterName;
    }

    /** How long {@code connect} waits for a found peer to merge. */
    public Duration connectTimeout() {
        return values.connectTimeout;
    }

    /** How long {@code ping} waits for an answer. */
    public Duration pingTimeout() {
        return values.pingTimeout;
    }

    /** How long without a heartbeat before a node is considered unresponsive and removed. */
    public Duration failureDetectionTimeout() {
        return values.failureDetectionTimeout;
    }

    /** How long a node with seeds waits for them before it starts alone (twice that if one sorts before it). */
    public Duration joinTimeout() {
        return values.joinTimeout;
    }

    /** Whether each node registers an MBean {@code io.distribute:type=ClusterNode,name="<node>"} (default false). */
    public boolean jmx() {
        return values.jmx;
    }

    /** The address to bind instead of the node name's host (e.g. behind NAT); empty = the name's host. */
    public Optional<String> bindAddress() {
        return Optional.ofNullable(values.bindAddress);
    }

    /** The address other nodes should use to reach this one when it differs from the bound one (NAT, Docker). */
    public Optional<String> externalAddress() {
        return Optional.ofNullable(values.externalAddress);
    }

    /** The port other nodes should use to reach this one (NAT port mapping); 0 = the bound port. */
    public int externalPort() {
        return values.externalPort;
    }

    /**
     * Certificate mode: the keystore (PKCS12, or JKS if the name ends in {@code .jks}) holding this node's private key
     * and certificate chain. With {@link #tlsTruststore()} set too, connections are authenticated by certificates of
     * your PKI, and the cookie is still proved on each of them; default none (the cookie is the TLS pre-shared key).
     */
    public Optional<String> tlsKeystore() {
        return Optional.ofNullable(values.tlsKeystore);
    }

    /** The keystore's password, if any. Never printed by {@link #toString()}; a started node does not keep it. */
    public Optional<String> tlsKeystorePassword() {
        return Optional.ofNullable(values.tlsKeystorePassword);
    }

    /** Certificate mode: the truststore of the CAs whose certificates other nodes must present. */
    public Optional<String> tlsTruststore() {
        return Optional.ofNullable(values.tlsTruststore);
    }

    /** The truststore's password, if any. Never printed by {@link #toString()}. */
    public Optional<String> tlsTruststorePassword() {
        return Optional.ofNullable(values.tlsTruststorePassword);
    }

    /**
     * The port of the node's health and membership endpoint ({@code GET /health/live}, {@code /health/ready},
     * {@code /members}; see {@link io.distribute.http.HealthEndpoint}); 0, the default, means no endpoint.
     */
    public int httpPort() {
        return values.httpPort;
    }

    /** The address the endpoint binds; empty (the default) = the address the node itself is bound to. */
    public Optional<String> httpAddress() {
        return Optional.ofNullable(values.httpAddress);
    }

    /**
     * How many other nodes this node must be connected to before {@code /health/ready} answers 200 (default 0:
     * ready as soon as it is started).
     */
    public int httpReadyMembers() {
        return values.httpReadyMembers;
    }

    /**
     * Whether {@code /health/ready} also waits until this node is connected to at least one of its {@link #seeds()}
     * other than itself (default false). A node whose only seed is itself, or that has no seeds, is not held back by
     * it. A seed counts as connected when a member has its name and host, and its port if both give one.
     */
    public boolean httpReadySeed() {
        return values.httpReadySeed;
    }

    /**
     * Whether a started node closes itself in a JVM shutdown hook (default false): on SIGTERM or
     * {@code System.exit} it leaves gracefully, so that its peers see {@link DownReason#LEFT} instead of
     * {@link DownReason#CRASHED}. {@link ClusterNode#close()} removes the hook.
     */
    public boolean shutdownHook() {
        return values.shutdownHook;
    }

    /** The node name read from the environment ({@code DISTRIBUTE_NAME}), if any. */
    public Optional<String> nodeName() {
        return Optional.ofNullable(values.nodeName);
    }

    /** The cookie read from the environment ({@code CLUSTER_COOKIE}), if any. Never printed by {@link #toString()}. */
    public Optional<String> cookie() {
        return Optional.ofNullable(values.cookie);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterConfig c && values.equals(c.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }

    /** Builds a {@link ClusterConfig}; every setter validates at once and names the setting in its exception. */
    public static final class Builder {
        private final ConfigValues values;

        private Builder(ConfigValues values) {
            this.values = values;
        }

        /** First port to bind, 1-65535 (default 7800). */
        public Builder port(int port) {
            values.port = SettingChecks.port(port);
            return this;
        }

        /** Number of ports to try, at least 1 (default 10); port + portRange - 1 must not exceed 65535. */
        public Builder portRange(int portRange) {
            values.portRange = SettingChecks.portRange(portRange);
            return this;
        }

        /** Nodes to join at start (default none). Names are checked by {@code startNode}. */
        public Builder seeds(List<String> seeds) {
            values.seeds = SettingChecks.seeds(seeds);
            return this;
        }

        /** Seeds as varargs. */
        public Builder seeds(String... seeds) {
            return seeds(seeds == null ? null : Arrays.asList(seeds));
        }

        /** {@code tcp}, {@code udp}, {@code dns}, or a path to a JGroups stack file (default {@code tcp}). */
        public Builder stack(String fileOrResource) {
            values.stack = SettingChecks.stack(fileOrResource);
            return this;
        }

        /** Cluster name, 1-100 printable characters (default {@code distribute}). */
        public Builder clusterName(String clusterName) {
            values.clusterName = SettingChecks.clusterName(clusterName);
            return this;
        }

        /** Connect timeout, positive (default 5 s). */
        public Builder connectTimeout(Duration timeout) {
            values.connectTimeout = SettingChecks.positive("connectTimeout", timeout);
            return this;
        }

        /** Ping timeout, positive (default 1 s). */
        public Builder pingTimeout(Duration timeout) {
            values.pingTimeout = SettingChecks.positive("pingTimeout", timeout);
            return this;
        }

        /** Failure-detection timeout, at least 100 ms (default 3 s). */
        public Builder failureDetectionTimeout(Duration timeout) {
            values.failureDetectionTimeout = SettingChecks.failureDetectionTimeout(timeout);
            return this;
        }

        /** How long a node started with seeds waits for them, positive (default 1 s). */
        public Builder joinTimeout(Duration timeout) {
            values.joinTimeout = SettingChecks.positive("joinTimeout", timeout);
            return this;
        }

        /** The node name, as read from the environment; {@code startNode} takes its name as an argument. */
        public Builder nodeName(String nodeName) {
            values.nodeName = nodeName;
            return this;
        }

        /** The cookie, as read from the environment; {@code startNode} takes its cookie as an argument. */
        public Builder cookie(String cookie) {
            values.cookie = cookie;
            return this;
        }

        /** Register a JMX MBean per node (default false). */
        public Builder jmx(boolean on) {
            values.jmx = on;
            return this;
        }

        /** Bind this address instead of the node name's host (default: the name's host). */
        public Builder bindAddress(String address) {
            values.bindAddress = SettingChecks.address("bindAddress", address);
            return this;
        }

        /** Advertise this address to other nodes instead of the bound one (NAT, Docker); default none. */
        public Builder externalAddress(String address) {
            values.externalAddress = SettingChecks.address("externalAddress", address);
            return this;
        }

        /** Advertise this port to other nodes instead of the bound one (0 = the bound port, the default). */
        public Builder externalPort(int port) {
            values.externalPort = SettingChecks.externalPort(port);
            return this;
        }

        /** Certificate mode: this node's keystore file (see {@link ClusterConfig#tlsKeystore()}); null for none. */
        public Builder tlsKeystore(String path) {
            values.tlsKeystore = SettingChecks.path(" tlsKeystore", path);
            return this;
        }

        /** The keystore's password (null for none). */
        public Builder tlsKeystorePassword(String password) {
            values.tlsKeystorePassword = password;
            return this;
        }

        /** Certificate mode: the truststore file of the CAs other nodes' certificates must chain to; null for none. */
        public Builder tlsTruststore(String path) {
            values.tlsTruststore = SettingChecks.path("tlsTruststore", path);
            return this;
        }

        /** The truststore's password (null for none). */
        public Builder tlsTruststorePassword(String password) {
            values.tlsTruststorePassword = password;
            return this;
        }

        /**
         * Serve the health and membership endpoint on this port, 1-65535; 0 (the default) serves none. It binds
         * {@link #httpAddress(String)}, or the node's own address.
         */
        public Builder httpPort(int port) {
            values.httpPort = SettingChecks.httpPort(port);
            return this;
        }

        /** The address the endpoint binds, e.g. {@code 0.0.0.0} for every interface (default: the node's address). */
        public Builder httpAddress(String address) {
            values.httpAddress = SettingChecks.address("httpAddress", address);
            return this;
        }

        /** Other nodes this one must be connected to before it reports ready, 0-1000 (default 0). */
        public Builder httpReadyMembers(int members) {
            values.httpReadyMembers = SettingChecks.httpReadyMembers(members);
            return this;
        }

        /**
         * Report ready only once connected to at least one seed other than this node (default false). A node whose
         * only seed is itself, or with no seeds, is not held back by it.
         */
        public Builder httpReadySeed(boolean on) {
            values.httpReadySeed = on;
            return this;
        }

        /**
         * Close the node in a JVM shutdown hook, so that SIGTERM means a graceful leave (default false: the
         * application closes its nodes itself, e.g. from its container's lifecycle).
         */
        public Builder shutdownHook(boolean on) {
            values.shutdownHook = on;
            return this;
        }

        /** The immutable config. */
        public ClusterConfig build() {
            SettingChecks.together(values.port, values.portRange, values.tlsKeystore, values.tlsTruststore);
            return new ClusterConfig(values.copy());
        }
    }
}
