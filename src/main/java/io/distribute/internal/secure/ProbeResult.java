package io.distribute.internal.secure;

/**
 * What a probe of one port found (see {@link SecureLayer#probe}): the named node's description, or why there was
 * none.
 */
public sealed interface ProbeResult {
    /** The named node answered with its description. */
    record Answer(byte[] body) implements ProbeResult {}

    /** A node of that name is there and failed our cookie (its PSK binder check). */
    record CookieRejected() implements ProbeResult {}

    /** A TLS peer that is not the named node (another node of ours, or of another cluster). */
    record OtherNode() implements ProbeResult {}

    /** Nothing listens there. */
    record Refused() implements ProbeResult {}

    /** Something listens but gave no usable answer: not TLS, closed, or too slow. */
    record NoAnswer(String why) implements ProbeResult {}

    /** No TCP connection could be opened in time: the host drops packets (blackholed, firewalled) or is down. */
    record NoConnection(String why) implements ProbeResult {}
}
