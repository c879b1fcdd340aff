package io.distribute.internal.secure;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateEntry;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.SignatureScheme;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * Certificate mode: this node's key and certificate chain (from a keystore) and the certificate authorities it
 * trusts (from a truststore), for sites that run a PKI. Both ends of every connection present a certificate that
 * must chain to the truststore; the cookie is still proved on top (see {@link TlsSocket}), so a certificate alone
 * never makes a cluster member.
 */
public final class Certificates {

    private final PrivateKey key;
    private final List<X509Certificate> chain;
    private final PKIXParameters trust;

    private Certificates(PrivateKey key, List<X509Certificate> chain, PKIXParameters trust) {
        this.key = key;
        this.chain = chain;
        this.trust = trust;
    }

    /**
     * Loads a keystore (PKCS12 or JKS) holding exactly one private key entry, and a truststore of trusted CAs.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static Certificates load(Path keystore, char[] keystorePassword, Path truststore, char[] truststorePassword) {
        KeyStore ks = read(keystore, keystorePassword, "keystore");
        KeyStore ts = read(truststore, truststorePassword, "truststore");
        try {
            PrivateKey key = null;
            List<X509Certificate> chain = new ArrayList<>();
            for (Enumeration<String> e = ks.aliases(); e.hasMoreElements(); ) {
                String alias = e.nextElement();
                if (ks.isKeyEntry(alias) && key == null) {
                    key = (PrivateKey) ks.getKey(alias, keystorePassword);
                    for (java.security.cert.Certificate c : ks.getCertificateChain(alias)) {
                        chain.add((X509Certificate) c);
                    }
                }
            }
            if (key == null || chain.isEmpty()) {
                throw new IllegalArgumentException("keystore " + keystore + " holds no private key with a certificate");
            }
            if (!(key instanceof ECPrivateKey || key instanceof RSAPrivateKey)) {
                throw new IllegalArgumentException("keystore " + keystore + ": the key must be EC (P-256) or RSA, not "
                        + key.getAlgorithm());
            }
            PKIXParameters params = new PKIXParameters(ts);
            params.setRevocationEnabled(false);
            return new Certificates(key, Collections.unmodifiableList(chain), params);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use " + keystore + " / " + truststore + ": " + e.getMessage(), e);
        }
    }

    private static KeyStore read(Path file, char[] password, String what) {
        if (file == null || !Files.isReadable(file)) {
            throw new IllegalArgumentException(what + " " + file + " cannot be read");
        }
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore ks = KeyStore.getInstance(file.toString().endsWith(".jks") ? "JKS" : "PKCS12");
            ks.load(in, password);
            return ks;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(what + " " + file + " cannot be loaded: " + e.getMessage(), e);
        }
    }

    /** The signature scheme this node's key signs handshakes with (TLS 1.3). */
    private int scheme() {
        return key instanceof ECPrivateKey ? SignatureScheme.ecdsa_secp256r1_sha256 : SignatureScheme.rsa_pss_rsae_sha256;
    }

    /** This node's credentials for a handshake. */
    TlsCredentialedSigner credentials(TlsContext context, JcaTlsCrypto crypto) throws IOException {
        TlsCertificate[] certs = new TlsCertificate[chain.size()];
        CertificateEntry[] entries = new CertificateEntry[chain.size()];
        for (int i = 0; i < certs.length; i++) {
            try {
                certs[i] = crypto.createCertificate(chain.get(i).getEncoded());
            } catch (GeneralSecurityException e) {
                throw new IOException(e);
            }
            entries[i] = new CertificateEntry(certs[i], null);
        }
        Certificate certificate = new Certificate(new byte[0], entries);
        SignatureAndHashAlgorithm alg = SignatureScheme.getSignatureAndHashAlgorithm(scheme());
        return new JcaDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), crypto, key, certificate, alg);
    }

    /** Checks that the peer's chain leads to a CA of the truststore; a failure aborts the handshake. */
    void verify(Certificate peer) throws TlsFatalAlert {
        if (peer == null || peer.isEmpty()) {
            throw new TlsFatalAlert(AlertDescription.certificate_required, "no certificate");
        }
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            List<X509Certificate> path = new ArrayList<>();
            for (int i = 0; i < peer.getLength(); i++) {
                path.add((X509Certificate) cf.generateCertificate(
                        new ByteArrayInputStream(peer.getCertificateAt(i).getEncoded())));
            }
            path.get(0).checkValidity();
            CertPathValidator.getInstance("PKIX").validate(cf.generateCertPath(path), trust);
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            throw new TlsFatalAlert(AlertDescription.bad_certificate, "certificate not trusted: " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "Certificates[" + chain.get(0).getSubjectX500Principal().getName() + ", key redacted]";
    }
}
