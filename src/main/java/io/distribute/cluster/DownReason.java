package io.distribute.cluster;

/**
 * Why a node went down, and the evidence behind it. Every member reports a removal with the same reason: the
 * coordinator that removes a node sends its reason with the new view.
 */
public enum DownReason {
    /** The node left gracefully ({@code stop()} / {@code close()}): its leave request reached the coordinator. */
    LEFT,
    /**
     * The process is gone, on definitive evidence: a connection of its closed and then its address refused a new
     * connection (nothing listens there any more: kill -9, crash), or another incarnation of its name answers there.
     * A closed or reset connection alone is never taken for a crash.
     */
    CRASHED,
    /**
     * No heartbeat from the node for the whole failure-detection timeout: frozen, overloaded or cut off; nothing
     * more is known. Shorter pauses, lost packets and busy cores do not remove a node.
     */
    UNRESPONSIVE,
    /** {@code monitor} was asked about a node that is not connected. */
    NOT_CONNECTED,
    /** This node stopped, so it no longer watches any other. */
    LOCAL_STOP
}
