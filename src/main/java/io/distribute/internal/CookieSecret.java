package io.distribute.internal;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * The cluster key derived from the cookie, and the HMAC proofs made with it.
 *
 * <p>Threat model: anyone can reach a node's ports and record or replay its traffic. The cookie therefore never
 * leaves this object: it is turned at once into a key ({@code HMAC-SHA256(salt = "distribute/cookie/v1/" +
 * cluster name, cookie)}, the extract step of HKDF) and the cookie string itself is not kept. Nodes prove they hold
 * the key by MACs over fresh random nonces chosen by the verifier and over both parties' identities, so a recorded
 * proof is useless for another peer, another nonce or a later join (see {@link NodeProtocol}). Neither the key nor
 * the cookie appears in {@link #toString()}, logs or exceptions.
 */
public final class CookieSecret {

    /** Nonce size: 128 bits. */
    public static final int NONCE_BYTES = 16;
    /** MAC size: HMAC-SHA256. */
    public static final int MAC_BYTES = 32;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String HMAC = "HmacSHA256";

    private final SecretKeySpec key;

    private CookieSecret(byte[] keyBytes) {
        this.key = new SecretKeySpec(keyBytes, HMAC);
    }

    /** Derives the cluster key from {@code cookie} for {@code clusterName}. */
    public static CookieSecret derive(String cookie, String clusterName) {
        byte[] salt = ("distribute/cookie/v1/" + clusterName).getBytes(StandardCharsets.UTF_8);
        return new CookieSecret(hmac(new SecretKeySpec(salt, HMAC), cookie.getBytes(StandardCharsets.UTF_8)));
    }

    /** A fresh random nonce. */
    public static byte[] newNonce() {
        byte[] n = new byte[NONCE_BYTES];
        RANDOM.nextBytes(n);
        return n;
    }

    /** HMAC over the parts, each length-prefixed so that no two different part lists give the same input. */
    public byte[] mac(byte[]... parts) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key);
            for (byte[] p : parts) {
                int n = p.length;
                mac.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
                mac.update(p);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** A 256-bit key for {@code purpose}: HKDF-Expand (one block) of the cluster key. */
    public byte[] expand(String purpose) {
        return mac(purpose.getBytes(StandardCharsets.UTF_8), new byte[] {1});
    }

    /** Constant-time check that {@code mac} is the MAC of {@code parts}. */
    public boolean verify(byte[] mac, byte[]... parts) {
        return mac != null && MessageDigest.isEqual(mac, mac(parts));
    }

    private static byte[] hmac(SecretKeySpec k, byte[] data) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(k);
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    @Override
    public String toString() {
        return "CookieSecret[redacted]";
    }
}
