package io.distribute.internal.secure;

import org.bouncycastle.tls.AbstractTlsClient;
import org.bouncycastle.tls.AbstractTlsServer;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.BasicTlsPSKExternal;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.PskIdentity;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsPSKExternal;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Vector;

/**
 * The two ends of distribute's TLS 1.3 handshake: an external pre-shared key derived from the cookie, in
 * {@code psk_dhe_ke} mode (RFC 8446 §4.2.9: the PSK authenticates both ends, an X25519 exchange gives each
 * connection its own keys with forward secrecy), AES-128-GCM records. No certificates are ever sent or accepted.
 *
 * <p>The PSK identity says what the connection is for, never anything about the cookie: {@code distribute/1/j} for a
 * JGroups connection, {@code distribute/1/p/<name>} for a probe asking for the node named {@code <name>},
 * {@code distribute/1/w/<name>} for a watch of that node (a connection held open whose abrupt close means the node's
 * process is gone; see {@link SecureLayer#watch}). A node
 * that is not {@code <name>} selects no PSK; since the client offers no signature algorithms, the server then fails
 * with {@code missing_extension} ("not me"). A node of that name with another cookie fails the PSK binder with
 * {@code decrypt_error} ("wrong cookie").
 */
final class TlsPeers {

    static final String JGROUPS_IDENTITY = "distribute/1/j";
    static final String PROBE_PREFIX = "distribute/1/p/";
    static final String WATCH_PREFIX = "distribute/1/w/";

    /** What an authenticated connection is for. */
    enum Purpose { JGROUPS, PROBE, WATCH }
    /** ClientHello with one PSK and one key share is ~300 bytes: nothing before authentication needs more. */
    static final int MAX_HANDSHAKE_MESSAGE = 4096;

    private static final int[] SUITES = {CipherSuite.TLS_AES_128_GCM_SHA256};
    /** JCE-backed primitives (AES-GCM with the JDK's intrinsics, X25519 from SunEC). Thread-safe. */
    static final TlsCrypto CRYPTO = new JcaTlsCryptoProvider().create(new SecureRandom());

    private TlsPeers() {
    }

    static byte[] identity(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The connecting end: offers exactly one PSK under {@code identity}. */
    static final class Client extends AbstractTlsClient {
        private final byte[] psk;
        private final byte[] identity;

        Client(byte[] psk, String identity) {
            super(CRYPTO);
            this.psk = psk;
            this.identity = identity(identity);
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
            return groups;
        }

        @Override
        protected Vector getSupportedSignatureAlgorithms() {
            return null; // PSK only: a server that does not select our PSK must fail, not offer a certificate
        }

        @Override
        protected Vector getSupportedSignatureAlgorithmsCert() {
            return null;
        }

        @Override
        public Vector getExternalPSKs() {
            Vector<TlsPSKExternal> psks = new Vector<>();
            psks.add(new BasicTlsPSKExternal(identity, CRYPTO.createSecret(psk)));
            return psks;
        }

        @Override
        public int getMaxHandshakeMessageSize() {
            return MAX_HANDSHAKE_MESSAGE;
        }

        @Override
        public boolean requiresCloseNotify() {
            return false; // JGroups frames its own stream; a missing close_notify is an ordinary close
        }

        @Override
        public TlsAuthentication getAuthentication() {
            return new TlsAuthentication() {
                @Override
                public void notifyServerCertificate(TlsServerCertificate serverCertificate) throws TlsFatalAlert {
                    throw new TlsFatalAlert(AlertDescription.handshake_failure, "a certificate instead of our PSK");
                }

                @Override
                public TlsCredentials getClientCredentials(org.bouncycastle.tls.CertificateRequest request) {
                    return null;
                }
            };
        }
    }

    /** The accepting end: selects the PSK for a JGroups connection (if allowed) or a probe for its own name. */
    static final class Server extends AbstractTlsServer {
        private final byte[] psk;
        private final byte[] probeIdentity;
        private final byte[] watchIdentity;
        private final boolean acceptJGroups;
        private volatile Purpose purpose;

        Server(byte[] psk, String namePart, boolean acceptJGroups) {
            super(CRYPTO);
            this.psk = psk;
            this.probeIdentity = identity(PROBE_PREFIX + namePart);
            this.watchIdentity = identity(WATCH_PREFIX + namePart);
            this.acceptJGroups = acceptJGroups;
        }

        /** After the handshake: what the client asked for. */
        Purpose purpose() {
            return purpose;
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
            return new int[] {NamedGroup.x25519};
        }

        @Override
        public TlsPSKExternal getExternalPSK(Vector identities) {
            byte[] j = identity(JGROUPS_IDENTITY);
            for (Object o : identities) {
                byte[] id = ((PskIdentity) o).getIdentity();
                Purpose p = acceptJGroups && Arrays.equals(id, j) ? Purpose.JGROUPS
                        : Arrays.equals(id, probeIdentity) ? Purpose.PROBE
                        : Arrays.equals(id, watchIdentity) ? Purpose.WATCH : null;
                if (p != null) {
                    purpose = p;
                    return new BasicTlsPSKExternal(id, CRYPTO.createSecret(psk));
                }
            }
            return null;
        }

        @Override
        public TlsCredentials getCredentials() throws TlsFatalAlert {
            throw new TlsFatalAlert(AlertDescription.handshake_failure, "no PSK selected");
        }

        @Override
        public int getMaxHandshakeMessageSize() {
            return MAX_HANDSHAKE_MESSAGE;
        }

        @Override
        public boolean requiresCloseNotify() {
            return false;
        }
    }
}
