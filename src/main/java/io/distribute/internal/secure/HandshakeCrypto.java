package io.distribute.internal.secure;

import org.bouncycastle.jcajce.util.DefaultJcaJceHelper;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.crypto.TlsAgreement;
import org.bouncycastle.tls.crypto.TlsECConfig;
import org.bouncycastle.tls.crypto.TlsECDomain;
import org.bouncycastle.tls.crypto.TlsSecret;
import org.bouncycastle.tls.crypto.impl.TlsAEADCipherImpl;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The TLS layer's primitives: the JCE's (AES-GCM and SHA-256 with the JDK's intrinsics), except the handshake's X25519
 * key exchange, which comes from BouncyCastle's RFC 7748 code. On Java 17 SunEC's X25519 was 82 % of a warm PSK
 * handshake's CPU, at ~290 µs per key pair and agreement against BouncyCastle's ~100 µs on this machine. Records are
 * sealed by {@link RecordCipher}. Thread-safe.
 */
final class HandshakeCrypto extends JcaTlsCrypto {

    HandshakeCrypto(SecureRandom random) {
        super(new DefaultJcaJceHelper(), random, new SecureRandom());
    }

    @Override
    protected TlsAEADCipherImpl createAEADCipher(String cipherName, String algorithm, int keySize, boolean isEncrypting)
            throws GeneralSecurityException {
        if ("AES/GCM/NoPadding".equals(cipherName)) {
            return new RecordCipher(cipherName, algorithm, keySize, isEncrypting);
        }
        return super.createAEADCipher(cipherName, algorithm, keySize, isEncrypting);
    }

    @Override
    public TlsECDomain createECDomain(TlsECConfig config) {
        if (config.getNamedGroup() == NamedGroup.x25519) {
            return Agreement::new;
        }
        return super.createECDomain(config);
    }

    /** One ephemeral X25519 exchange; the private key is wiped once the secret is computed. */
    private final class Agreement implements TlsAgreement {
        private final byte[] privateKey = new byte[X25519.SCALAR_SIZE];
        private final byte[] peerPublicKey = new byte[X25519.POINT_SIZE];

        @Override
        public byte[] generateEphemeral() {
            X25519.generatePrivateKey(getSecureRandom(), privateKey);
            byte[] publicKey = new byte[X25519.POINT_SIZE];
            X25519.generatePublicKey(privateKey, 0, publicKey, 0);
            return publicKey;
        }

        @Override
        public void receivePeerValue(byte[] peerValue) throws IOException {
            if (peerValue == null || peerValue.length != X25519.POINT_SIZE) {
                throw new TlsFatalAlert(AlertDescription.illegal_parameter);
            }
            System.arraycopy(peerValue, 0, peerPublicKey, 0, X25519.POINT_SIZE);
        }

        @Override
        public TlsSecret calculateSecret() throws IOException {
            byte[] secret = new byte[X25519.POINT_SIZE];
            try {
                // false: the peer's point is of small order and the shared secret all zeros (RFC 7748 §6.1)
                if (!X25519.calculateAgreement(privateKey, 0, peerPublicKey, 0, secret, 0)) {
                    throw new TlsFatalAlert(AlertDescription.handshake_failure);
                }
                return createSecret(secret);
            } finally {
                Arrays.fill(secret, (byte) 0);
                Arrays.fill(privateKey, (byte) 0);
                Arrays.fill(peerPublicKey, (byte) 0);
            }
        }
    }
}
