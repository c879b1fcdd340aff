package io.distribute.internal.secure;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.crypto.TlsAgreement;
import org.bouncycastle.tls.crypto.TlsECConfig;
import org.bouncycastle.tls.crypto.TlsSecret;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The handshake's X25519 (BouncyCastle's RFC 7748 code inside the JCE-backed crypto) agrees with the JCE's own. */
class HandshakeCryptoTest {

    private static final TlsECConfig X25519 = new TlsECConfig(NamedGroup.x25519);

    @Test
    void agreesWithTheJdksX25519InBothDirections() throws Exception {
        var ours = new HandshakeCrypto(new SecureRandom()).createECDomain(X25519).createECDH();
        var jdk = new JcaTlsCryptoProvider().create(new SecureRandom()).createECDomain(X25519).createECDH();
        byte[] ourPublic = ours.generateEphemeral();
        byte[] jdkPublic = jdk.generateEphemeral();
        assertEquals(32, ourPublic.length);
        assertFalse(java.util.Arrays.equals(ourPublic, jdkPublic));
        ours.receivePeerValue(jdkPublic);
        jdk.receivePeerValue(ourPublic);
        assertArrayEquals(secret(jdk.calculateSecret()), secret(ours.calculateSecret()));
    }

    @Test
    void aSmallOrderPointOrAWrongLengthIsAHandshakeFailure() throws Exception {
        TlsAgreement a = new HandshakeCrypto(new SecureRandom()).createECDomain(X25519).createECDH();
        a.generateEphemeral();
        TlsFatalAlert length = assertThrows(TlsFatalAlert.class, () -> a.receivePeerValue(new byte[31]));
        assertEquals(AlertDescription.illegal_parameter, length.getAlertDescription());
        a.receivePeerValue(new byte[32]); // the point 0: every shared secret with it is all zeros
        TlsFatalAlert zero = assertThrows(TlsFatalAlert.class, a::calculateSecret);
        assertEquals(AlertDescription.handshake_failure, zero.getAlertDescription());
    }

    @Test
    void otherGroupsStayWithTheJce() {
        var domain = new HandshakeCrypto(new SecureRandom()).createECDomain(new TlsECConfig(NamedGroup.secp256r1));
        assertEquals("JceTlsECDomain", domain.getClass().getSimpleName());
    }

    private static byte[] secret(TlsSecret s) {
        return s.extract();
    }
}
