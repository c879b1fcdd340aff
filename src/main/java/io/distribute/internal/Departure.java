package io.distribute.internal;

/**
 * How a member left the view, as the protocol observed it, with the evidence each kind stands for. The adapter maps
 * it to the public {@code DownReason}; the protocol layer knows nothing of the public API.
 */
enum Departure {
    /** Its leave request reached us: it stopped on purpose. */
    LEFT((byte) 1),
    /** Definitive evidence the process is gone: its address refused a new connection, or a new incarnation answers. */
    CRASHED((byte) 2),
    /** No heartbeat for the failure-detection timeout: frozen, overloaded or cut off; nothing more is known. */
    UNRESPONSIVE((byte) 3);

    /** The code on the wire: explicit, so reordering the enum never changes what travels. */
    final byte code;

    Departure(byte code) {
        this.code = code;
    }

    /** The departure of a wire code, or null for a code this version does not know. */
    static Departure of(byte code) {
        for (Departure d : values()) {
            if (d.code == code) {
                return d;
            }
        }
        return null;
    }
}
