package io.distribute.internal.secure;

import org.bouncycastle.tls.AbstractTlsClient;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.BasicTlsPSKExternal;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.ProtocolName;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsPSKExternal;
import org.bouncycastle.tls.TlsServerCertificate;

import java.io.IOException;
import java.util.Vector;

import static io.distribute.internal.secure.TlsPeers.CRYPTO;
import static io.distribute.internal.secure.TlsPeers.MAX_CERTIFICATE_MESSAGE;
import static io.distribute.internal.secure.TlsPeers.MAX_HANDSHAKE_MESSAGE;
import static io.distribute.internal.secure.TlsPeers.SUITES;
import static io.distribute.internal.secure.TlsPeers.certificateSchemes;
import static io.distribute.internal.secure.TlsPeers.identity;

/**
 * The connecting end of distribute's TLS 1.3 handshake (see {@link TlsPeers}): offers exactly one PSK (or, in
 * certificate mode, one ALPN name) for {@code identity}.
 */
final class TlsClientPeer extends AbstractTlsClient {
    private final Trust trust;
    private final byte[] identity;

    TlsClientPeer(Trust trust, String identity) {
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
