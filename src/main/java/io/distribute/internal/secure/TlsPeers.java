package io.distribute.internal.secure;

import org.bouncycastle.tls.AbstractTlsClient;
import org.bouncycastle.tls.AbstractTlsServer;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.BasicTlsPSKExternal;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.ProtocolName;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.PskIdentity;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.SignatureScheme;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsPSKExternal;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
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

    private static final int[] SUITES = {CipherSuite.TLS_AES_128_GCM_SHA256};
    /** JCE-backed primitives (AES-GCM with the JDK's intrinsics), X25519 from BouncyCastle. Thread-safe. */
    static final JcaTlsCrypto CRYPTO = new HandshakeCrypto(new SecureRandom());

    private TlsPeers() {
    }

    static byte[] identity(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Vector<SignatureAndHashAlgorithm> certificateSchemes() {
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

    /** The connecting end: offers exactly one PSK (or, in certificate mode, one ALPN name) for {@code identity}. */
    static final class Client extends AbstractTlsClient {
        private final Trust trust;
        private final byte[] identity;

        Client(Trust trust, String identity) {
            super(CRYPTO);
            this.trust = trust;
            this.identity = identity(identity);
        }

        private byte[] exporter;

        /** The connection's exporter value (BouncyCastle exports only while the handshake completes). */
        byte[] exporter() {
            return exporter;
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            if (trust.certificateMode()) {
                exporter = TlsPeers.exporter(context);
            }
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.TLSv13.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return SUITES;
        }

        @Override
        protected Vector getSupportedGroups(Vector namedGroupRoles) {
            Vector<Integer> groups = new Vector<>();
            groups.add(NamedGroup.x25519);
            if (trust.certificateMode()) {
                groups.add(NamedGroup.secp256r1);
            }
            return groups;
        }

        @Override
        protected Vector getSupportedSignatureAlgorithms() {
            // PSK only: a server that does not select our PSK must fail, not offer a certificate.
            return trust.certificateMode() ? certificateSchemes() : null;
        }

        @Override
        protected Vector getSupportedSignatureAlgorithmsCert() {
            return null;
        }

        @Override
        protected Vector getProtocolNames() {
            if (!trust.certificateMode()) {
                return null;
            }
            Vector<ProtocolName> names = new Vector<>();
            names.add(ProtocolName.asRawBytes(identity));
            return names;
        }

        @Override
        public Vector getExternalPSKs() {
            if (trust.certificateMode()) {
                return null;
            }
            Vector<TlsPSKExternal> psks = new Vector<>();
            psks.add(new BasicTlsPSKExternal(identity, CRYPTO.createSecret(trust.liveKey())));
            return psks;
        }

        @Override
        public int getMaxHandshakeMessageSize() {
            return trust.certificateMode() ? MAX_CERTIFICATE_MESSAGE : MAX_HANDSHAKE_MESSAGE;
        }

        @Override
        public boolean requiresCloseNotify() {
            return false; // JGroups frames its own stream; a missing close_notify is an ordinary close
        }

        @Override
        public TlsAuthentication getAuthentication() {
            return new TlsAuthentication() {
                @Override
                public void notifyServerCertificate(TlsServerCertificate serverCertificate) throws IOException {
                    if (!trust.certificateMode()) {
                        throw new TlsFatalAlert(AlertDescription.handshake_failure, "a certificate instead of our PSK");
                    }
                    trust.certificates.verify(serverCertificate.getCertificate());
                }

                @Override
                public TlsCredentials getClientCredentials(CertificateRequest request) throws IOException {
                    return trust.certificateMode() ? trust.certificates.credentials(context, CRYPTO) : null;
                }
            };
        }
    }

    /** The accepting end: selects the PSK for a JGroups connection (if allowed) or a probe or watch of its name. */
    static final class Server extends AbstractTlsServer {
        private final Trust trust;
        private final byte[] probeIdentity;
        private final byte[] watchIdentity;
        private final boolean acceptJGroups;
        private final Runnable proven;
        private volatile Purpose purpose;

        Server(Trust trust, String namePart, boolean acceptJGroups, Runnable proven) {
            super(CRYPTO);
            this.proven = proven;
            this.trust = trust;
            this.probeIdentity = identity(PROBE_PREFIX + namePart);
            this.watchIdentity = identity(WATCH_PREFIX + namePart);
            this.acceptJGroups = acceptJGroups;
        }

        /** After the handshake: what the client asked for. */
        Purpose purpose() {
            return purpose;
        }

        /**
         * Whether the client asked for another node by name (a probe or watch of a name that is not ours): what a
         * search over a shared port range does, no sign of a wrong cookie.
         */
        boolean askedForAnotherNode() {
            return askedForAnotherNode;
        }

        private volatile boolean askedForAnotherNode;

        private byte[] exporter;

        byte[] exporter() {
            return exporter;
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            if (trust.certificateMode()) {
                exporter = TlsPeers.exporter(context);
            }
        }

        private Purpose purposeOf(byte[] id) {
            return acceptJGroups && Arrays.equals(id, identity(JGROUPS_IDENTITY)) ? Purpose.JGROUPS
                    : Arrays.equals(id, probeIdentity) ? Purpose.PROBE
                    : Arrays.equals(id, watchIdentity) ? Purpose.WATCH : null;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.TLSv13.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return SUITES;
        }

        @Override
        public int[] getSupportedGroups() {
            return trust.certificateMode() ? new int[] {NamedGroup.x25519, NamedGroup.secp256r1}
                    : new int[] {NamedGroup.x25519};
        }

        @Override
        public TlsPSKExternal getExternalPSK(Vector identities) {
            if (trust.certificateMode()) {
                return null;
            }
            for (Object o : identities) {
                byte[] id = ((PskIdentity) o).getIdentity();
                Purpose p = purposeOf(id);
                if (p != null) {
                    purpose = p;
                    return new BasicTlsPSKExternal(id, CRYPTO.createSecret(trust.liveKey()));
                }
                String asked = new String(id, StandardCharsets.UTF_8);
                if (asked.startsWith(PROBE_PREFIX) || asked.startsWith(WATCH_PREFIX)) {
                    askedForAnotherNode = true;
                }
            }
            return null;
        }

        /**
         * BouncyCastle calls this right after it checked the binder of the PSK we selected (a bad one fails the
         * handshake first): in PSK mode, the client has now shown it holds the key.
         */
        @Override
        public void processClientExtensions(java.util.Hashtable clientExtensions) throws IOException {
            super.processClientExtensions(clientExtensions);
            if (!trust.certificateMode() && purpose != null) {
                proven.run();
            }
        }

        @Override
        protected Vector getProtocolNames() {
            if (!trust.certificateMode()) {
                return null;
            }
            Vector<ProtocolName> names = new Vector<>();
            if (acceptJGroups) {
                names.add(ProtocolName.asRawBytes(identity(JGROUPS_IDENTITY)));
            }
            names.add(ProtocolName.asRawBytes(probeIdentity));
            names.add(ProtocolName.asRawBytes(watchIdentity));
            return names;
        }

        @Override
        protected ProtocolName selectProtocolName(Vector clientProtocolNames, Vector serverProtocolNames) {
            ProtocolName chosen = super.selectProtocolName(clientProtocolNames, serverProtocolNames);
            if (chosen != null) {
                purpose = purposeOf(chosen.getBytes());
            }
            return chosen;
        }

        @Override
        public TlsCredentials getCredentials() throws IOException {
            if (!trust.certificateMode()) {
                throw new TlsFatalAlert(AlertDescription.handshake_failure, "no PSK selected");
            }
            if (purpose == null) {
                throw new TlsFatalAlert(AlertDescription.no_application_protocol, "not this node");
            }
            return trust.certificates.credentials(context, CRYPTO);
        }

        @Override
        public CertificateRequest getCertificateRequest() throws IOException {
            return trust.certificateMode() ? new CertificateRequest(new byte[0], certificateSchemes(), null, null) : null;
        }

        @Override
        public void notifyClientCertificate(Certificate clientCertificate) throws IOException {
            if (!trust.certificateMode()) {
                throw new TlsFatalAlert(AlertDescription.unexpected_message, "a certificate instead of our PSK");
            }
            trust.certificates.verify(clientCertificate);
            proven.run(); // certificate mode: a client certificate of the site's PKI (the cookie is checked after)
        }

        @Override
        public int getMaxHandshakeMessageSize() {
            return trust.certificateMode() ? MAX_CERTIFICATE_MESSAGE : MAX_HANDSHAKE_MESSAGE;
        }

        @Override
        public boolean requiresCloseNotify() {
            return false;
        }
    }
}
