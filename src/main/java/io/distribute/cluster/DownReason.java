package io.distribute.cluster;

/** Why a node went down, as seen by the stack that removed it. */
public enum DownReason {
    /** The node left gracefully ({@code stop()} / {@code close()}): its leave request reached the coordinator. */
    LEFT,
    /** The node's connection was lost abruptly: the process died (kill -9, crash) and its kernel closed its sockets. */
    CRASHED,
    /** The node stopped answering heartbeats for the failure-detection timeout: frozen, overloaded or cut off. */
    UNRESPONSIVE,
    /** {@code monitor} was asked about a node that is not connected. */
    NOT_CONNECTED,
    /** This node stopped, so it no longer watches any other. */
    LOCAL_STOP
}
