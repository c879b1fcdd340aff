package io.distribute.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The rule each {@link ClusterConfig} setting's value must follow, and the rules between settings that
 * {@link ClusterConfig.Builder#build()} checks. A value that breaks a rule is refused with an
 * {@link IllegalArgumentException} whose message names the setting; a value that follows it is returned as the
 * setting keeps it (a stack name trimmed, a seed list copied).
 */
final class SettingChecks {

    private SettingChecks() {
    }

    static int port(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1-65535, was " + port);
        }
        return port;
    }

    static int portRange(int portRange) {
        if (portRange < 1 || portRange > 1000) {
            throw new IllegalArgumentException("portRange must be 1-1000, was " + portRange);
        }
        return portRange;
    }

    static List<String> seeds(List<String> seeds) {
        if (seeds == null || seeds.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("seeds must be a list of node names without nulls");
        }
        return List.copyOf(seeds);
    }

    static String stack(String fileOrResource) {
        if (fileOrResource == null || fileOrResource.isBlank()) {
            throw new IllegalArgumentException("stack must name a bundled stack (tcp, udp, dns) or a file");
        }
        return fileOrResource.trim();
    }

    static String clusterName(String clusterName) {
        if (clusterName == null || clusterName.isBlank() || clusterName.length() > 100
                || !clusterName.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("clusterName must be 1-100 printable ASCII characters");
        }
        return clusterName;
    }

    static Duration failureDetectionTimeout(Duration timeout) {
        positive("failureDetectionTimeout", timeout);
        if (timeout.toMillis() < 100) {
            throw new IllegalArgumentException("failureDetectionTimeout must be at least 100ms, was " + timeout);
        }
        return timeout;
    }

    static int externalPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("externalPort must be 0-65535, was " + port);
        }
        return port;
    }

    static int httpPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("httpPort must be 0-65535 (0 = no endpoint), was " + port);
        }
        return port;
    }

    static int httpReadyMembers(int members) {
        if (members < 0 || members > 1000) {
            throw new IllegalArgumentException("httpReadyMembers must be 0-1000, was " + members);
        }
        return members;
    }

    static String path(String setting, String v) {
        if (v != null && v.isBlank()) {
            throw new IllegalArgumentException(setting.trim() + " must be a file path, was blank");
        }
        return v;
    }

    /** A host or address, or null for none. */
    static String address(String setting, String v) {
        if (v != null && (v.isBlank() || v.chars().anyMatch(Character::isWhitespace))) {
            throw new IllegalArgumentException(setting + " must be a host or address without spaces, was '" + v + "'");
        }
        return v;
    }

    static Duration positive(String setting, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(setting + " must be a positive duration, was " + d);
        }
        if (d.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException(setting + " must be at most 1 hour, was " + d);
        }
        return d;
    }

    /** The rules between settings: certificate mode needs both stores, and the port range must end by 65535. */
    static void together(int port, int portRange, String tlsKeystore, String tlsTruststore) {
        if ((tlsKeystore == null) != (tlsTruststore == null)) {
            throw new IllegalArgumentException("certificate mode needs both tlsKeystore and tlsTruststore");
        }
        if ((long) port + portRange - 1 > 65535) {
            throw new IllegalArgumentException("port + portRange - 1 exceeds 65535 (port " + port
                    + ", portRange " + portRange + ")");
        }
    }
}
