package io.distribute.cluster;

/**
 * Why {@code startNode} failed. Every variant that carries a {@code reason} says what failed and where, never the
 * cookie.
 *
 * <pre>{@code
 * Result<Void, StartError> r = Cluster.startNode("orders@127.0.0.1", cookie);
 * if (r instanceof Result.Err<Void, StartError> err) {
 *     if (err.error() instanceof StartError.AlreadyStarted) { ... }
 *     else if (err.error() instanceof StartError.InvalidNodeName bad) { log(bad.reason()); }
 * }
 * }</pre>
 */
public sealed interface StartError {

    /** A human-readable description of the error, suitable for a log line. */
    String describe();

    /** The node name is malformed: no {@code @}, an empty part, a bad character or bad host syntax. */
    record InvalidNodeName(String reason) implements StartError {
        @Override
        public String describe() {
            return "invalid node name: " + reason;
        }
    }

    /** This node (the JVM's default node, or a node of the same name in this JVM) is already started. */
    record AlreadyStarted() implements StartError {
        @Override
        public String describe() {
            return "node already started";
        }
    }

    /** The cookie is longer than 255 characters. */
    record CookieTooLong() implements StartError {
        @Override
        public String describe() {
            return "cookie too long (max 255 characters)";
        }
    }

    /** A network problem: the host does not resolve, is not an address of this machine, or every port is busy. */
    record NetworkError(String reason) implements StartError {
        @Override
        public String describe() {
            return "network error: " + reason;
        }
    }

    /** The operating system refused, e.g. permission denied binding a port below 1024. */
    record SystemError(String reason) implements StartError {
        @Override
        public String describe() {
            return "system error: " + reason;
        }
    }

    /** Any other failure: an unreadable or invalid stack file, an empty cookie, a stack without membership. */
    record StartFailed(String reason) implements StartError {
        @Override
        public String describe() {
            return "start failed: " + reason;
        }
    }
}
