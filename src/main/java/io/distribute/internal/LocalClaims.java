package io.distribute.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the nodes of this JVM hold: a node name runs at most once per JVM, and a host:port is claimed before a node
 * tries to bind it, so that nodes started at the same moment never race for one port.
 */
final class LocalClaims {

    private static final Set<String> NAMES = ConcurrentHashMap.newKeySet();
    private static final Set<String> PORTS = ConcurrentHashMap.newKeySet();

    private LocalClaims() {
    }

    /** False if a node of this name already runs in this JVM. */
    static boolean claimName(String nodeName) {
        return NAMES.add(nodeName);
    }

    static void releaseName(String nodeName) {
        NAMES.remove(nodeName);
    }

    /** False if another node of this JVM holds or is trying {@code hostPort}. */
    static boolean claimPort(String hostPort) {
        return PORTS.add(hostPort);
    }

    static void releasePort(String hostPort) {
        PORTS.remove(hostPort);
    }
}
