package io.distribute.internal;

import io.distribute.cluster.ClusterNode;
import org.jgroups.JChannel;

/** The JGroups channel under a node, for benchmarks that send messages (the public API has no messaging yet). */
public final class Channels {

    private Channels() {
    }

    public static JChannel of(ClusterNode node) {
        try {
            java.lang.reflect.Field f = ClusterNode.class.getDeclaredField("node");
            f.setAccessible(true);
            return ((JGroupsNode) f.get(node)).channel();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
