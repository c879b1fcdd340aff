package io.distribute.internal.secure;

import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.SignatureScheme;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Vector;

/**
 * The two ends of distribute's TLS 1.3 handshake. By default an external pre-shared key derived from the cookie, in
 * {@code psk_dhe_ke} mode (RFC 8446 §4.2.9: the PSK authenticates both ends, an X25519 exchange gives each
 * connection its own keys with forward secrecy); in certificate mode mutual certificate authentication (see
 * {@link Certificates}). AES-128-GCM records either way.
 *
 * <p>What a connection is for travels in the PSK identity (certificate mode: in ALPN), never anything about the
 * cookie: {@code distribute/1/j} for a JGroups connection, {@code distribute/1/p/<name>} for a probe asking for the
 * node named {@code <name>}, {@code distribute/1/w/<name>} for a watch of that node (a connection held open whose
 * abrupt close means the node's process is gone; see {@link SecureLayer#watch}). A node that is not {@code <name>}
 * fails the handshake with {@code missing_extension} (PSK mode: it selects no PSK, and the client offered no
 * signature algorithms) or {@code no_application_protocol} (certificate mode): "not me". A node of that name with
 * another cookie fails the PSK binder with {@code decrypt_error}: "wrong cookie".
 *
 * <p>The two ends are {@link TlsClientPeer} and {@link TlsServerPeer}; this class holds what they share.
 */
final class TlsPeers {

    static final String JGROUPS_IDENTITY = "distribute/1/j";
    static final String PROBE_PREFIX = "distribute/1/p/";
    static final String WATCH_PREFIX = "distribute/1/w/";
    /** ClientHello with one PSK and one key share is ~300 bytes: nothing before authentication needs more. */
    static final int MAX_HANDSHAKE_MESSAGE = 4096;
    /** Certificate mode: a certificate chain takes a few KiB. */
    static final int MAX_CERTIFICATE_MESSAGE = 16384;

    /** What an authenticated connection is for. */
    enum Purpose { JGROUPS, PROBE, WATCH }

    static final int[] SUITES = {CipherSuite.TLS_AES_128_GCM_SHA256};
    /** JCE-backed primitives (AES-GCM with the JDK's intrinsics), X25519 from BouncyCastle. Thread-safe. */
    static final JcaTlsCrypto CRYPTO = new HandshakeCrypto(new SecureRandom());

    private TlsPeers() {
    }

    static byte[] identity(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static Vector<SignatureAndHashAlgorithm> certificateSchemes() {
        Vector<SignatureAndHashAlgorithm> v = new Vector<>();
        v.add(SignatureScheme.getSignatureAndHashAlgorithm(SignatureScheme.ecdsa_secp256r1_sha256));
        v.add(SignatureScheme.getSignatureAndHashAlgorithm(SignatureScheme.rsa_pss_rsae_sha256));
        v.add(SignatureScheme.getSignatureAndHashAlgorithm(SignatureScheme.rsa_pkcs1_sha256));
        return v;
    }

    /** The exporter value both ends of a finished handshake share (certificate mode binds the cookie to it). */
    static byte[] exporter(TlsContext context) {
        return context.exportKeyingMaterial(Trust.exporterLabel(), null, 32);
    }
}
