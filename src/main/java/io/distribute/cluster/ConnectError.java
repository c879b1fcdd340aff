package io.distribute.cluster;

/**
 * Why {@code connect} failed. {@link ConnectIgnored} is usually not a failure: the node is already connected or is
 * this node itself.
 *
 * <pre>{@code
 * Result<Void, ConnectError> r = Cluster.connect("b@127.0.0.1");
 * if (r.isOk() || r instanceof Result.Err<Void, ConnectError> e && e.error() instanceof ConnectError.ConnectIgnored) {
 *     // connected
 * }
 * }</pre>
 */
public sealed interface ConnectError {

    /** A human-readable description of the error, suitable for a log line. */
    String describe();

    /** The peer was found but the clusters did not merge within the connect timeout. */
    record ConnectTimeout() implements ConnectError {
        @Override
        public String describe() {
            return "connect timed out";
        }
    }

    /** Nothing answered at the host and port range, or no node of that name is there. */
    record NodeNotFound() implements ConnectError {
        @Override
        public String describe() {
            return "node not found";
        }
    }

    /**
     * The network or the peer refused: bad node name, host unresolvable or unreachable, this node not started, the
     * peer rejected our cookie, or a node of our name is already in the peer's cluster.
     */
    record ConnectNetworkError(String reason) implements ConnectError {
        @Override
        public String describe() {
            return "connect failed: " + reason;
        }
    }

    /** The target is this node, or is already connected: nothing was done. */
    record ConnectIgnored() implements ConnectError {
        @Override
        public String describe() {
            return "connect ignored (self or already connected)";
        }
    }
}
