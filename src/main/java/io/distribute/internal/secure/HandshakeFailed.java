package io.distribute.internal.secure;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlertReceived;

import java.net.SocketAddress;
import java.net.SocketException;

/**
 * A handshake that failed on the connecting side ({@link TlsSocket#connect}), with what the peer's answer says about
 * it: a probe tells "wrong cookie" from "not that node" from anything else by its {@link Refusal}.
 */
final class HandshakeFailed extends SocketException {
    private static final long serialVersionUID = 1L;

    /** Why a handshake failed, as far as the other end told us. */
    enum Refusal {
        /** The node we asked for holds another cookie: its PSK binder check failed (RFC 8446 §4.2.11). */
        COOKIE_REJECTED,
        /** Something answered TLS but is not the node we asked for. */
        NOT_THIS_NODE,
        /** Anything else: not TLS, closed, too slow. */
        OTHER
    }

    final Refusal refusal;

    HandshakeFailed(Refusal refusal, String message, Throwable cause) {
        super(message);
        this.refusal = refusal;
        initCause(cause);
    }

    /** The failure a fatal alert from the server at {@code endpoint} means ({@link TlsPeers}: who sends which). */
    static HandshakeFailed refusedBy(TlsFatalAlertReceived alert, SocketAddress endpoint) {
        Refusal r = switch (alert.getAlertDescription()) {
            case AlertDescription.decrypt_error -> Refusal.COOKIE_REJECTED;
            case AlertDescription.missing_extension, AlertDescription.no_application_protocol -> Refusal.NOT_THIS_NODE;
            default -> Refusal.OTHER;
        };
        return new HandshakeFailed(r, "TLS handshake with " + endpoint + " refused: "
                + AlertDescription.getText(alert.getAlertDescription()), alert);
    }
}
