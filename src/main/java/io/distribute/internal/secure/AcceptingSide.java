package io.distribute.internal.secure;

import java.util.function.Supplier;

/**
 * What one node's listening sockets ({@link SecureServerSocket}) share: the trust a connection must prove, the name
 * whose probes and watches they answer, the answer a probe gets, and where they count handshakes
 * ({@link HandshakeOutcomes}) and keep accepted watch connections ({@link Watchers}).
 */
final class AcceptingSide {

    private final Trust trust;
    private final String namePart;
    private volatile Supplier<byte[]> probeAnswer = () -> new byte[0];
    private final HandshakeOutcomes handshakes;
    private final Watchers watchers = new Watchers();

    /**
     * @param namePart the part of this node's name before '@': probes and watches for it are answered
     * @param owner    the node's name, for log lines
     */
    AcceptingSide(Trust trust, String namePart, String owner) {
        this.trust = trust;
        this.namePart = namePart;
        this.handshakes = new HandshakeOutcomes(trust, owner);
    }

    /** What this node tells a prober that holds our cookie. */
    void probeAnswer(Supplier<byte[]> answer) {
        this.probeAnswer = answer;
    }

    byte[] probeAnswer() {
        byte[] a = probeAnswer.get();
        return a == null ? new byte[0] : a;
    }

    Trust trust() {
        return trust;
    }

    String namePart() {
        return namePart;
    }

    /** Where the handshakes of accepted connections are counted, and failed ones logged. */
    HandshakeOutcomes handshakes() {
        return handshakes;
    }

    /** The watch connections this node accepted. */
    Watchers watchers() {
        return watchers;
    }
}
