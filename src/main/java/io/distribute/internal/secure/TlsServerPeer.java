package io.distribute.internal.secure;

import io.distribute.internal.secure.TlsPeers.Purpose;
import org.bouncycastle.tls.AbstractTlsServer;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.BasicTlsPSKExternal;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.ProtocolName;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.PskIdentity;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsPSKExternal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Vector;

import static io.distribute.internal.secure.TlsPeers.CRYPTO;
import static io.distribute.internal.secure.TlsPeers.JGROUPS_IDENTITY;
import static io.distribute.internal.secure.TlsPeers.MAX_CERTIFICATE_MESSAGE;
import static io.distribute.internal.secure.TlsPeers.MAX_HANDSHAKE_MESSAGE;
import static io.distribute.internal.secure.TlsPeers.PROBE_PREFIX;
import static io.distribute.internal.secure.TlsPeers.SUITES;
import static io.distribute.internal.secure.TlsPeers.WATCH_PREFIX;
import static io.distribute.internal.secure.TlsPeers.certificateSchemes;
import static io.distribute.internal.secure.TlsPeers.identity;

/**
 * The accepting end of distribute's TLS 1.3 handshake (see {@link TlsPeers}): selects the PSK for a JGroups
 * connection (if allowed) or a probe or watch of its name.
 */
final class TlsServerPeer extends AbstractTlsServer {
    private final Trust trust;
    private final byte[] probeIdentity;
    private final byte[] watchIdentity;
    private final boolean acceptJGroups;
    private final Runnable proven;
    private volatile Purpose purpose;

    TlsServerPeer(Trust trust, String namePart, boolean acceptJGroups, Runnable proven) {
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
