package io.distribute.internal;

/**
 * The JMX view of a node, registered as {@code io.distribute:type=ClusterNode,name="<node name>"} when
 * {@code ClusterConfig.jmx()} is on. It shows membership and counters only: never the cookie or keys.
 */
public interface NodeMXBean {

    /** This node's name. */
    String getSelfNode();

    /** The connected nodes. */
    String[] getNodes();

    /** The JGroups view id, e.g. {@code a@127.0.0.1|4}. */
    String getViewId();

    /** The node that coordinates the current view. */
    String getCoordinator();

    /** Connections and datagrams dropped below JGroups because they did not prove this cluster's cookie. */
    long getDroppedFrames();

    /** Join, merge or handshake attempts refused for a bad or replayed cookie proof. */
    long getSecurityRejections();

    /** Pings {@code node}; true if it answered within the ping timeout. */
    boolean ping(String node);
}
