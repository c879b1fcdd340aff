package io.distribute.internal;

import io.distribute.cluster.ConnectError;

/**
 * Why a connect attempt failed: the public {@link ConnectError} plus a typed kind, so that whether a retry can help
 * is decided by the kind and never by reading the error's message.
 */
public record ConnectFailure(Kind kind, ConnectError error) {

    /** What went wrong, and whether trying again later can change it. */
    public enum Kind {
        /** The target is this node or already a member: nothing to do. */
        IGNORED(false),
        INVALID_NAME(false),
        NOT_STARTED(false),
        INTERRUPTED(false),
        /** The node of that name answered, but with another cookie. */
        COOKIE_REJECTED(false),
        /** A node of one of our names is in the other cluster: merging would list a name twice. */
        DUPLICATE_NAME(false),
        /** DNS may not know the host yet (a container starting): worth another try. */
        UNRESOLVABLE(true),
        UNREACHABLE(true),
        NOT_FOUND(true),
        TIMEOUT(true);

        private final boolean retryable;

        Kind(boolean retryable) {
            this.retryable = retryable;
        }
    }

    /** Whether retrying may help: timeouts, not-found and network trouble, not refusals. */
    public boolean retryable() {
        return kind.retryable;
    }

    static ConnectFailure refused(Kind kind, String reason) {
        return new ConnectFailure(kind, new ConnectError.ConnectNetworkError(reason));
    }

    static ConnectFailure ignored() {
        return new ConnectFailure(Kind.IGNORED, new ConnectError.ConnectIgnored());
    }

    static ConnectFailure notFound() {
        return new ConnectFailure(Kind.NOT_FOUND, new ConnectError.NodeNotFound());
    }

    static ConnectFailure timeout() {
        return new ConnectFailure(Kind.TIMEOUT, new ConnectError.ConnectTimeout());
    }
}
