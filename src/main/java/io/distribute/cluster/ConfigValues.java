package io.distribute.cluster;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

import static io.distribute.cluster.ClusterConfig.DEFAULT_CLUSTER_NAME;
import static io.distribute.cluster.ClusterConfig.DEFAULT_CONNECT_TIMEOUT;
import static io.distribute.cluster.ClusterConfig.DEFAULT_FAILURE_DETECTION_TIMEOUT;
import static io.distribute.cluster.ClusterConfig.DEFAULT_JOIN_TIMEOUT;
import static io.distribute.cluster.ClusterConfig.DEFAULT_PING_TIMEOUT;
import static io.distribute.cluster.ClusterConfig.DEFAULT_PORT;
import static io.distribute.cluster.ClusterConfig.DEFAULT_PORT_RANGE;
import static io.distribute.cluster.ClusterConfig.DEFAULT_STACK;

/**
 * The value of every {@link ClusterConfig} setting, starting at its default: what a {@link ClusterConfig.Builder}
 * fills in, checked by its setters, and what a {@link ClusterConfig} keeps. It is mutable, so a config keeps a
 * {@link #copy()} of its own that nothing changes after, and a builder works on another copy; the config stays
 * immutable. Equality is the config's: every setting, the cookie and the passwords included.
 */
final class ConfigValues {
    int port = DEFAULT_PORT;
    int portRange = DEFAULT_PORT_RANGE;
    List<String> seeds = Collections.emptyList();
    String stack = DEFAULT_STACK;
    String clusterName = DEFAULT_CLUSTER_NAME;
    Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    Duration pingTimeout = DEFAULT_PING_TIMEOUT;
    Duration failureDetectionTimeout = DEFAULT_FAILURE_DETECTION_TIMEOUT;
    Duration joinTimeout = DEFAULT_JOIN_TIMEOUT;
    String nodeName;
    String cookie;
    boolean jmx;
    String bindAddress;
    String externalAddress;
    int externalPort;
    String tlsKeystore;
    String tlsKeystorePassword;
    String tlsTruststore;
    String tlsTruststorePassword;
    int httpPort;
    String httpAddress;
    int httpReadyMembers;
    boolean httpReadySeed;
    boolean shutdownHook;

    /** A copy with the same values; the seeds as an immutable list. */
    ConfigValues copy() {
        ConfigValues c = new ConfigValues();
        c.port = port;
        c.portRange = portRange;
        c.seeds = List.copyOf(seeds);
        c.stack = stack;
        c.clusterName = clusterName;
        c.connectTimeout = connectTimeout;
        c.pingTimeout = pingTimeout;
        c.failureDetectionTimeout = failureDetectionTimeout;
        c.joinTimeout = joinTimeout;
        c.nodeName = nodeName;
        c.cookie = cookie;
        c.jmx = jmx;
        c.bindAddress = bindAddress;
        c.externalAddress = externalAddress;
        c.externalPort = externalPort;
        c.tlsKeystore = tlsKeystore;
        c.tlsKeystorePassword = tlsKeystorePassword;
        c.tlsTruststore = tlsTruststore;
        c.tlsTruststorePassword = tlsTruststorePassword;
        c.httpPort = httpPort;
        c.httpAddress = httpAddress;
        c.httpReadyMembers = httpReadyMembers;
        c.httpReadySeed = httpReadySeed;
        c.shutdownHook = shutdownHook;
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfigValues c && port == c.port && portRange == c.portRange && seeds.equals(c.seeds)
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

    /**
     * The config's printed form, {@link ClusterConfig#toString()}: every setting but the passwords and the cookie,
     * which show only as {@code <redacted>} when set, so that printing a config or its values never shows them.
     */
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
}
