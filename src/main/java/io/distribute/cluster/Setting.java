package io.distribute.cluster;

import io.distribute.cluster.ClusterConfig.Builder;

import java.util.function.BiConsumer;

import static io.distribute.cluster.SettingSources.parseBoolean;
import static io.distribute.cluster.SettingSources.parseDuration;
import static io.distribute.cluster.SettingSources.parseInt;
import static io.distribute.cluster.SettingSources.splitList;

/**
 * The settings read by {@link ClusterConfig#fromEnvironment()}: environment variable, system property, how to apply.
 * A value is parsed by {@link SettingSources} and then checked by the {@link Builder} setter it is applied with. The
 * README's settings table lists the same names; {@code SettingsTableTest} keeps the two in step.
 */
enum Setting {
    COOKIE("CLUSTER_COOKIE", "distribute.cookie", Builder::cookie),
    NAME("DISTRIBUTE_NAME", "distribute.name", Builder::nodeName),
    PORT("DISTRIBUTE_PORT", "distribute.port", (b, v) -> b.port(parseInt(v))),
    PORT_RANGE("DISTRIBUTE_PORT_RANGE", "distribute.port_range", (b, v) -> b.portRange(parseInt(v))),
    SEEDS("DISTRIBUTE_SEEDS", "distribute.seeds", (b, v) -> b.seeds(splitList(v))),
    STACK("DISTRIBUTE_STACK", "distribute.stack", Builder::stack),
    CLUSTER_NAME("DISTRIBUTE_CLUSTER_NAME", "distribute.cluster_name", Builder::clusterName),
    CONNECT_TIMEOUT("DISTRIBUTE_CONNECT_TIMEOUT", "distribute.connect_timeout",
            (b, v) -> b.connectTimeout(parseDuration(v))),
    PING_TIMEOUT("DISTRIBUTE_PING_TIMEOUT", "distribute.ping_timeout", (b, v) -> b.pingTimeout(parseDuration(v))),
    FAILURE_DETECTION_TIMEOUT("DISTRIBUTE_FAILURE_DETECTION_TIMEOUT", "distribute.failure_detection_timeout",
            (b, v) -> b.failureDetectionTimeout(parseDuration(v))),
    JOIN_TIMEOUT("DISTRIBUTE_JOIN_TIMEOUT", "distribute.join_timeout", (b, v) -> b.joinTimeout(parseDuration(v))),
    JMX("DISTRIBUTE_JMX", "distribute.jmx", (b, v) -> b.jmx(parseBoolean(v))),
    BIND_ADDRESS("DISTRIBUTE_BIND_ADDRESS", "distribute.bind_address", Builder::bindAddress),
    EXTERNAL_ADDRESS("DISTRIBUTE_EXTERNAL_ADDRESS", "distribute.external_address", Builder::externalAddress),
    EXTERNAL_PORT("DISTRIBUTE_EXTERNAL_PORT", "distribute.external_port", (b, v) -> b.externalPort(parseInt(v))),
    TLS_KEYSTORE("DISTRIBUTE_TLS_KEYSTORE", "distribute.tls_keystore", Builder::tlsKeystore),
    TLS_KEYSTORE_PASSWORD("DISTRIBUTE_TLS_KEYSTORE_PASSWORD", "distribute.tls_keystore_password",
            Builder::tlsKeystorePassword),
    TLS_TRUSTSTORE("DISTRIBUTE_TLS_TRUSTSTORE", "distribute.tls_truststore", Builder::tlsTruststore),
    TLS_TRUSTSTORE_PASSWORD("DISTRIBUTE_TLS_TRUSTSTORE_PASSWORD", "distribute.tls_truststore_password",
            Builder::tlsTruststorePassword),
    HTTP_PORT("DISTRIBUTE_HTTP_PORT", "distribute.http_port", (b, v) -> b.httpPort(parseInt(v))),
    HTTP_ADDRESS("DISTRIBUTE_HTTP_ADDRESS", "distribute.http_address", Builder::httpAddress),
    HTTP_READY_MEMBERS("DISTRIBUTE_HTTP_READY_MEMBERS", "distribute.http_ready_members",
            (b, v) -> b.httpReadyMembers(parseInt(v))),
    HTTP_READY_SEED("DISTRIBUTE_HTTP_READY_SEED", "distribute.http_ready_seed",
            (b, v) -> b.httpReadySeed(parseBoolean(v))),
    SHUTDOWN_HOOK("DISTRIBUTE_SHUTDOWN_HOOK", "distribute.shutdown_hook", (b, v) -> b.shutdownHook(parseBoolean(v)));

    final String variable;
    final String property;
    private final BiConsumer<Builder, String> applier;

    Setting(String variable, String property, BiConsumer<Builder, String> applier) {
        this.variable = variable;
        this.property = property;
        this.applier = applier;
    }

    void apply(Builder b, String value) {
        applier.accept(b, value);
    }
}
