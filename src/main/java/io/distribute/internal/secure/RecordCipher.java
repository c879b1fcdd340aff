package io.distribute.internal.secure;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.crypto.impl.TlsAEADCipherImpl;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.security.GeneralSecurityException;

/**
 * AES-GCM for one direction of a TLS connection's records, on the JCE's cipher (the JDK's AES and GHASH intrinsics).
 * BouncyCastle's own JCE wrapper looks up a provider and builds {@code AlgorithmParameters} for every record; each
 * record here only re-initialises the cipher with its nonce, which is what a record needs. The nonces come from
 * BouncyCastle's record layer (RFC 8446 §5.3: the record sequence number XOR the connection's IV), never from here.
 * One direction of one connection: used by one thread at a time, as BouncyCastle does.
 */
final class RecordCipher implements TlsAEADCipherImpl {

    private final Cipher cipher;
    private final int mode;
    private final String algorithm;
    private final int keySize;
    private SecretKeySpec key;
    /** The tag length of the record being processed (set by {@link #init}, which BouncyCastle calls first). */
    private int macSize;

    RecordCipher(String cipherName, String algorithm, int keySize, boolean encrypting) throws GeneralSecurityException {
        this.cipher = Cipher.getInstance(cipherName);
        this.mode = encrypting ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE;
        this.algorithm = algorithm;
        this.keySize = keySize;
    }

    @Override
    public void setKey(byte[] key, int keyOff, int keyLen) {
        if (keyLen != keySize) {
            throw new IllegalStateException("key of " + keyLen + " bytes, expected " + keySize);
        }
        this.key = new SecretKeySpec(key, keyOff, keyLen, algorithm);
    }

    @Override
    public void init(byte[] nonce, int macSize) throws IOException {
        try {
            cipher.init(mode, key, new GCMParameterSpec(macSize * 8, nonce));
            this.macSize = macSize;
        } catch (GeneralSecurityException e) {
            throw new TlsFatalAlert(AlertDescription.internal_error, e);
        }
    }

    /**
     * GCM adds the tag when sealing and removes it when opening; a record is one doFinal, nothing is buffered. (The
     * JCE's own getOutputSize walks its state for the same answer: 6 % of a 64-node cluster's idle CPU samples.)
     */
    @Override
    public int getOutputSize(int inputLength) {
        return mode == Cipher.ENCRYPT_MODE ? inputLength + macSize : Math.max(0, inputLength - macSize);
    }

    @Override
    public int doFinal(byte[] additionalData, byte[] input, int inputOffset, int inputLength, byte[] output,
                       int outputOffset) throws IOException {
        try {
            if (additionalData != null && additionalData.length > 0) {
                cipher.updateAAD(additionalData);
            }
            return cipher.doFinal(input, inputOffset, inputLength, output, outputOffset);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new TlsFatalAlert(AlertDescription.bad_record_mac, e);
        } catch (GeneralSecurityException e) {
            throw new TlsFatalAlert(AlertDescription.internal_error, e);
        }
    }
}
