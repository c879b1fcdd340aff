package io.distribute.internal;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * AES-256-GCM with a key derived from the cookie (HKDF over the cluster key, see {@link CookieSecret}). A sealed
 * frame is {@code nonce(12) || ciphertext || tag(16)}; a frame sealed under another key, or changed in any bit,
 * does not open.
 *
 * <p>Nonces must never repeat under one key. Each instance draws a random 64-bit prefix and counts the other
 * 32 bits; it draws a new prefix before the counter wraps. Nodes share the key, so two prefixes colliding is the
 * risk: about n²/2⁶⁵ for n node starts.
 */
final class Aead {

    static final int NONCE_BYTES = 12;
    static final int TAG_BITS = 128;
    static final int OVERHEAD = NONCE_BYTES + TAG_BITS / 8;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM unavailable", e);
        }
    });

    private final SecretKeySpec key;
    private final byte[] aad;
    private volatile long prefix = RANDOM.nextLong();
    private final AtomicLong counter = new AtomicLong();

    Aead(CookieSecret secret, String clusterName) {
        this.key = new SecretKeySpec(secret.expand("distribute/aead/v1"), "AES");
        this.aad = ("distribute/" + clusterName).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Encrypts and authenticates {@code plain[off, off+len)}. */
    byte[] seal(byte[] plain, int off, int len) {
        byte[] out = new byte[NONCE_BYTES + len + TAG_BITS / 8];
        long n = counter.getAndIncrement();
        if ((n & 0xFFFF_FFFFL) == 0xFFFF_FFFFL) {
            prefix = RANDOM.nextLong();
        }
        ByteBuffer.wrap(out, 0, NONCE_BYTES).putLong(prefix).putInt((int) n);
        try {
            Cipher c = CIPHERS.get();
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, out, 0, NONCE_BYTES));
            c.updateAAD(aad);
            c.doFinal(plain, off, len, out, NONCE_BYTES);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("sealing failed", e);
        }
    }

    /** Decrypts a sealed frame; null if it was sealed under another key, changed, or is too short. */
    byte[] open(byte[] sealed, int off, int len) {
        if (sealed == null || len < OVERHEAD) {
            return null;
        }
        try {
            Cipher c = CIPHERS.get();
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, off, NONCE_BYTES));
            c.updateAAD(aad);
            return c.doFinal(sealed, off + NONCE_BYTES, len - NONCE_BYTES);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "Aead[AES-256-GCM, key redacted]";
    }
}
