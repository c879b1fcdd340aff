package io.distribute.internal.secure;

import org.bouncycastle.jcajce.util.DefaultJcaJceHelper;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.crypto.impl.TlsAEADCipherImpl;
import org.bouncycastle.tls.crypto.impl.jcajce.JceAEADCipherImpl;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A record sealed by {@link RecordCipher} is the one BouncyCastle's own JCE wrapper seals (same key, nonce and
 * associated data), each opens the other's, and a record changed in transit is refused with {@code bad_record_mac}.
 */
class RecordCipherTest {

    private static final String GCM = "AES/GCM/NoPadding";
    private static final int TAG = 16;
    private final SecureRandom random = new SecureRandom();
    private final byte[] key = bytes(16);

    @Test
    void sealsAndOpensAsBouncyCastlesJceWrapperDoes() throws Exception {
        for (int length : new int[] {0, 1, 100, 1024, 16385}) {
            byte[] plain = bytes(length);
            byte[] aad = bytes(5);
            for (int record = 0; record < 3; record++) { // a fresh nonce per record, the same cipher objects
                byte[] nonce = bytes(12);
                byte[] ours = seal(ours(true), nonce, aad, plain);
                byte[] theirs = seal(bouncyCastle(true), nonce, aad, plain);
                assertArrayEquals(theirs, ours, "sealed record of " + length + " bytes");
                assertArrayEquals(plain, open(ours(false), nonce, aad, theirs));
                assertArrayEquals(plain, open(bouncyCastle(false), nonce, aad, ours));
            }
        }
    }

    @Test
    void aChangedRecordOrItsHeaderIsABadRecordMac() throws Exception {
        byte[] nonce = bytes(12);
        byte[] aad = bytes(5);
        byte[] sealed = seal(ours(true), nonce, aad, bytes(100));
        byte[] flipped = sealed.clone();
        flipped[40] ^= 1;
        TlsFatalAlert body = assertThrows(TlsFatalAlert.class, () -> open(ours(false), nonce, aad, flipped));
        assertEquals(AlertDescription.bad_record_mac, body.getAlertDescription());
        byte[] otherHeader = aad.clone();
        otherHeader[4] ^= 1;
        TlsFatalAlert header = assertThrows(TlsFatalAlert.class, () -> open(ours(false), nonce, otherHeader, sealed));
        assertEquals(AlertDescription.bad_record_mac, header.getAlertDescription());
        byte[] otherNonce = nonce.clone();
        otherNonce[11] ^= 1; // the record replayed under another sequence number
        assertThrows(TlsFatalAlert.class, () -> open(ours(false), otherNonce, aad, sealed));
    }

    /** Output sizes are worked out, not asked of the JCE: they must be the JCE's answers, both ways. */
    @Test
    void outputSizesAreTheJcesOwn() throws Exception {
        for (boolean encrypting : new boolean[] {true, false}) {
            TlsAEADCipherImpl c = ours(encrypting);
            javax.crypto.Cipher jce = javax.crypto.Cipher.getInstance(GCM);
            for (int length : new int[] {0, 1, 15, 16, 17, 100, 16384, 16401}) {
                byte[] nonce = bytes(12);
                c.init(nonce, TAG);
                jce.init(encrypting ? javax.crypto.Cipher.ENCRYPT_MODE : javax.crypto.Cipher.DECRYPT_MODE,
                        new javax.crypto.spec.SecretKeySpec(key, "AES"),
                        new javax.crypto.spec.GCMParameterSpec(TAG * 8, nonce));
                assertEquals(jce.getOutputSize(length), c.getOutputSize(length),
                        (encrypting ? "sealing " : "opening ") + length + " bytes");
            }
        }
    }

    @Test
    void theNodesTlsCryptoSealsRecordsWithIt() throws Exception {
        assertEquals(RecordCipher.class, new HandshakeCrypto(random).createAEADCipher(GCM, "AES", 16, true).getClass());
    }

    @Test
    void aKeyOfAnotherSizeIsRefused() throws Exception {
        RecordCipher c = new RecordCipher(GCM, "AES", 16, true);
        assertThrows(IllegalStateException.class, () -> c.setKey(new byte[32], 0, 32));
    }

    private TlsAEADCipherImpl ours(boolean encrypting) throws Exception {
        TlsAEADCipherImpl c = new RecordCipher(GCM, "AES", 16, encrypting);
        c.setKey(key, 0, key.length);
        return c;
    }

    private TlsAEADCipherImpl bouncyCastle(boolean encrypting) throws Exception {
        TlsAEADCipherImpl c = new JceAEADCipherImpl(new HandshakeCrypto(random), new DefaultJcaJceHelper(), GCM, "AES",
                16, encrypting);
        c.setKey(key, 0, key.length);
        return c;
    }

    private static byte[] seal(TlsAEADCipherImpl c, byte[] nonce, byte[] aad, byte[] plain) throws Exception {
        c.init(nonce, TAG);
        byte[] out = new byte[c.getOutputSize(plain.length)];
        assertEquals(plain.length + TAG, out.length);
        assertEquals(out.length, c.doFinal(aad, plain, 0, plain.length, out, 0));
        return out;
    }

    /** Opens in place, as BouncyCastle's record layer does. */
    private static byte[] open(TlsAEADCipherImpl c, byte[] nonce, byte[] aad, byte[] sealed) throws Exception {
        byte[] buf = sealed.clone();
        c.init(nonce, TAG);
        int n = c.doFinal(aad, buf, 0, buf.length, buf, 0);
        return Arrays.copyOf(buf, n);
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
