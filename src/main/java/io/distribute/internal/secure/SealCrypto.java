package io.distribute.internal.secure;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/**
 * The primitives under {@link DatagramSeal}, kept apart from its bookkeeping: the per-sender key derivation, the
 * nonce, the associated data and AES-256-GCM itself (one Cipher per thread).
 */
final class SealCrypto {

    /** Big-endian longs read from and written to byte arrays, without allocating. */
    static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private static final int TAG_BITS = DatagramSeal.TAG_BYTES * 8;
    private static final byte[] LABEL = "distribute/udp/v1".getBytes(StandardCharsets.US_ASCII);
    private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM unavailable", e);
        }
    });

    private SealCrypto() {
    }

    /** The AES key of one sender epoch: HMAC-SHA256(clusterKey, label || address || epoch millis || epoch random). */
    static SecretKeySpec deriveKey(SecretKeySpec clusterKey, byte[] addr, long millis, long random) {
        byte[] epoch = new byte[16];
        LONG.set(epoch, 0, millis);
        LONG.set(epoch, 8, random);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(clusterKey);
            mac.update(LABEL);
            mac.update(addr);
            return new SecretKeySpec(mac.doFinal(epoch), "AES");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /**
     * Encrypts {@code buf[off, off+len)} into {@code out} after its header (which, with the sender address, is the
     * associated data) and appends the tag.
     */
    static void encrypt(SecretKeySpec key, long seq, byte[] addr, byte[] out, byte[] buf, int off, int len) {
        try {
            Cipher c = CIPHERS.get();
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce(seq)));
            c.updateAAD(out, 0, DatagramSeal.HEADER_BYTES);
            c.updateAAD(addr);
            c.doFinal(buf, off, len, out, DatagramSeal.HEADER_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("sealing failed", e);
        }
    }

    /** The payload of the sealed datagram {@code buf[off, off+len)}, or null if it does not authenticate. */
    static byte[] decrypt(SecretKeySpec key, long seq, byte[] addr, byte[] buf, int off, int len) {
        try {
            Cipher c = CIPHERS.get();
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce(seq)));
            c.updateAAD(buf, off, DatagramSeal.HEADER_BYTES);
            c.updateAAD(addr);
            return c.doFinal(buf, off + DatagramSeal.HEADER_BYTES, len - DatagramSeal.HEADER_BYTES);
        } catch (AEADBadTagException e) {
            return null;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("opening failed", e);
        }
    }

    /** IP bytes (4 or 16, which the fixed-size rest of each input makes unambiguous) then the port (2). */
    static byte[] addressBytes(InetSocketAddress a) {
        InetAddress ip = a.getAddress();
        if (ip == null) {
            throw new IllegalArgumentException("unresolved address");
        }
        byte[] raw = ip.getAddress();
        byte[] out = new byte[raw.length + 2];
        System.arraycopy(raw, 0, out, 0, raw.length);
        out[raw.length] = (byte) (a.getPort() >>> 8);
        out[raw.length + 1] = (byte) a.getPort();
        return out;
    }

    /** The GCM nonce: four zero bytes, then the sequence number. */
    private static byte[] nonce(long seq) {
        byte[] n = new byte[12];
        LONG.set(n, 4, seq);
        return n;
    }
}
