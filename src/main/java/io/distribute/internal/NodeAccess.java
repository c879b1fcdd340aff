package io.distribute.internal;

import io.distribute.cluster.ClusterNode;

import java.util.function.Function;

/**
 * How code of this library outside {@code io.distribute.cluster} (the health endpoint) reaches the internal node
 * behind a public {@link ClusterNode}, without a public accessor on it that would put an internal type into the API
 * (the JDK's {@code SharedSecrets} pattern). {@link ClusterNode} registers the accessor when its class initializes,
 * which is before any instance exists.
 */
public final class NodeAccess {

    private static volatile Function<ClusterNode, JGroupsNode> nodeOf;

    private NodeAccess() {
    }

    /** Called once, by {@link ClusterNode}'s static initializer. */
    public static void register(Function<ClusterNode, JGroupsNode> accessor) {
        synchronized (NodeAccess.class) {
            if (nodeOf != null) {
                throw new IllegalStateException("the ClusterNode accessor is registered already");
            }
            nodeOf = accessor;
        }
    }

    /** The current view of {@code node}. */
    public static ViewSnapshot view(ClusterNode node) {
        return ViewSnapshot.of(nodeOf.apply(node));
    }
}
