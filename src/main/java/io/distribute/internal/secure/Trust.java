package io.distribute.internal.secure;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/**
 * What a handshake proves: the cookie's pre-shared key (the default), or, in certificate mode, a certificate from the
 * site's PKI followed by a proof of the cookie bound to that very connection (an HMAC over a TLS exporter value, RFC
 * 8446 §7.5), so that neither a certificate without the cookie nor the cookie without a certificate gets in.
 */
final class Trust {

    private static final String EXPORTER = "EXPORTER-distribute-cookie";

    final byte[] psk;
    private final SecretKeySpec binding;
    final Certificates certificates;
    private volatile boolean destroyed;

    Trust(byte[] psk, byte[] bindingKey, Certificates certificates) {
        this.psk = psk.clone();
        this.binding = new SecretKeySpec(bindingKey.clone(), "HmacSHA256");
        this.certificates = certificates;
    }

    boolean certificateMode() {
        return certificates != null;
    }

    /** The exporter label both ends derive the connection's binding value with. */
    static String exporterLabel() {
        return EXPORTER;
    }

    /** HMAC under the cookie's binding key of {@code role} and the connection's exporter value. */
    byte[] bind(String role, byte[] exporter) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(binding);
            mac.update(role.getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(exporter);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    static boolean same(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    void destroy() {
        destroyed = true;
        java.util.Arrays.fill(psk, (byte) 0);
    }

    /**
     * True once the node closed. A thread of the closed node that still dials out (a crash check, JGroups reconnecting
     * while it shuts down) must not handshake with the zeroed key: the peer would log a failed binder, a wrong cookie.
     */
    boolean destroyed() {
        return destroyed;
    }

    /**
     * A copy of the key for one handshake; fails once the node has closed, so that a handshake racing the close never
     * uses the zeroed key (the other end would see a bad binder: "wrong cookie", which a connect must never report
     * for a node that is merely shutting down).
     */
    byte[] liveKey() {
        byte[] copy = psk.clone();
        if (destroyed) {
            java.util.Arrays.fill(copy, (byte) 0);
            throw new IllegalStateException("this node is closed");
        }
        return copy;
    }

    @Override
    public String toString() {
        return "Trust[" + (certificates == null ? "PSK" : "certificates") + ", keys redacted]";
    }
}
