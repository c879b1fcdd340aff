package io.distribute.security;

import io.distribute.internal.CookieSecret;
import org.bouncycastle.tls.AbstractTlsClient;
import org.bouncycastle.tls.BasicTlsPSKExternal;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsPSKExternal;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Vector;

/**
 * An attacker's TLS 1.3 client built on BouncyCastle's public API only: it offers one external PSK of its own
 * choosing under any identity, exactly as distribute's client does, and records every byte the server sends. Also
 * the offline side: what a dictionary attack can test against a recorded transcript, with the PSK derived exactly
 * as the library derives it.
 */
final class AttackerTls {

    static final byte ALERT = 21;
    static final byte HANDSHAKE = 22;
    private static final TlsCrypto CRYPTO = new JcaTlsCryptoProvider().create(new SecureRandom());

    private AttackerTls() {
    }

    /** The TLS PSK the library derives from {@code cookie} for {@code clusterName}. */
    static byte[] psk(String cookie, String clusterName) {
        return CookieSecret.derive(cookie, clusterName).expand("distribute/tls-psk/v1");
    }

    /** What one handshake attempt got: all bytes the server sent, whether it finished, the probe answer if any. */
    record Attempt(byte[] received, boolean finished, byte[] answer, String failure) {
        List<Record> records() {
            return AttackerTls.records(received);
        }
    }

    /** A TLS record as it was on the wire. */
    record Record(int type, byte[] fragment) {}

    /**
     * Connects to {@code to}, offers {@code psk} under {@code identity}; if the handshake finishes, reads a probe
     * answer (int length, body). Either way it then reads on until EOF or 1 s of silence, keeping every byte.
     */
    static Attempt handshake(InetSocketAddress to, byte[] psk, String identity) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(to, 1000);
            s.setSoTimeout(2000);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream recorded = new FilterInputStream(s.getInputStream()) {
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    if (b >= 0) {
                        got.write(b);
                    }
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) {
                        got.write(b, off, n);
                    }
                    return n;
                }
            };
            TlsClientProtocol tls = new TlsClientProtocol(recorded, s.getOutputStream());
            boolean finished = false;
            byte[] answer = null;
            String failure = null;
            try {
                tls.connect(new Client(psk, identity));
                finished = true;
                DataInputStream in = new DataInputStream(tls.getInputStream());
                answer = new byte[in.readInt()];
                in.readFully(answer);
            } catch (IOException e) {
                failure = e.toString();
            }
            // Whatever else the server sends after the handshake attempt is recorded too.
            byte[] rest = Wire.drain(s, 1000);
            got.write(rest, 0, rest.length);
            return new Attempt(got.toByteArray(), finished, answer, failure);
        }
    }

    /** Splits bytes into TLS records (a truncated tail is returned as a record of type -1). */
    static List<Record> records(byte[] bytes) {
        List<Record> out = new ArrayList<>();
        int at = 0;
        while (at < bytes.length) {
            if (bytes.length - at < 5) {
                out.add(new Record(-1, Arrays.copyOfRange(bytes, at, bytes.length)));
                break;
            }
            int len = ((bytes[at + 3] & 0xff) << 8) | (bytes[at + 4] & 0xff);
            if (at + 5 + len > bytes.length) {
                out.add(new Record(-1, Arrays.copyOfRange(bytes, at, bytes.length)));
                break;
            }
            out.add(new Record(bytes[at], Arrays.copyOfRange(bytes, at + 5, at + 5 + len)));
            at += 5 + len;
        }
        return out;
    }

    /**
     * The words of {@code dictionary} whose PSK reproduces a PSK binder found in {@code transcript} (RFC 8446
     * §4.2.11.2: the binder is an HMAC keyed by the PSK over the ClientHello). A transcript without a ClientHello
     * offers nothing to test a guess against, and this returns nothing.
     */
    static List<String> dictionaryMatches(byte[] transcript, List<String> dictionary, String clusterName) {
        Optional<byte[][]> hello = clientHelloBinder(transcript);
        if (hello.isEmpty()) {
            return List.of();
        }
        byte[] truncated = hello.get()[0];
        byte[] binder = hello.get()[1];
        byte[] transcriptHash = sha256(truncated);
        List<String> out = new ArrayList<>();
        for (String word : dictionary) {
            byte[] earlySecret = hmac(new byte[32], psk(word, clusterName));
            byte[] binderKey = expandLabel(earlySecret, "ext binder", sha256(new byte[0]));
            byte[] finishedKey = expandLabel(binderKey, "finished", new byte[0]);
            if (MessageDigest.isEqual(binder, hmac(finishedKey, transcriptHash))) {
                out.add(word);
            }
        }
        return out;
    }

    /** Handshake messages in a transcript: what an offline guess could be checked against. */
    static int handshakeMessages(byte[] transcript) {
        return (int) records(transcript).stream().filter(r -> r.type() == HANDSHAKE).count();
    }

    /** The ClientHello truncated before its binders, and its first binder; empty if there is none. */
    private static Optional<byte[][]> clientHelloBinder(byte[] transcript) {
        ByteArrayOutputStream hs = new ByteArrayOutputStream();
        for (Record r : records(transcript)) {
            if (r.type() == HANDSHAKE) {
                hs.write(r.fragment(), 0, r.fragment().length);
            }
        }
        byte[] m = hs.toByteArray();
        if (m.length < 4 || m[0] != 1) {
            return Optional.empty();
        }
        int len = u24(m, 1);
        m = Arrays.copyOf(m, 4 + len);
        int at = 4 + 2 + 32;                       // header, legacy_version, random
        at += 1 + (m[at] & 0xff);                  // legacy_session_id
        at += 2 + u16(m, at);                      // cipher_suites
        at += 1 + (m[at] & 0xff);                  // legacy_compression_methods
        int end = at + 2 + u16(m, at);
        at += 2;
        while (at + 4 <= end) {
            int type = u16(m, at);
            int extLen = u16(m, at + 2);
            if (type == 41) {                      // pre_shared_key, always the last extension
                int binders = at + 4 + 2 + u16(m, at + 4);
                int first = binders + 2;
                byte[] binder = Arrays.copyOfRange(m, first + 1, first + 1 + (m[first] & 0xff));
                return Optional.of(new byte[][] {Arrays.copyOf(m, binders), binder});
            }
            at += 4 + extLen;
        }
        return Optional.empty();
    }

    private static int u16(byte[] b, int at) {
        return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
    }

    private static int u24(byte[] b, int at) {
        return ((b[at] & 0xff) << 16) | ((b[at + 1] & 0xff) << 8) | (b[at + 2] & 0xff);
    }

    /** HKDF-Expand-Label (RFC 8446 §7.1) for SHA-256, one 32-byte block. */
    private static byte[] expandLabel(byte[] secret, String label, byte[] context) {
        byte[] l = ("tls13 " + label).getBytes(StandardCharsets.US_ASCII);
        byte[] info = new byte[2 + 1 + l.length + 1 + context.length + 1];
        info[1] = 32;
        info[2] = (byte) l.length;
        System.arraycopy(l, 0, info, 3, l.length);
        info[3 + l.length] = (byte) context.length;
        System.arraycopy(context, 0, info, 4 + l.length, context.length);
        info[info.length - 1] = 1;                 // HKDF-Expand's block counter
        return hmac(secret, info);
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** distribute's client as an attacker would copy it: TLS 1.3, one external PSK, no certificates. */
    @SuppressWarnings("rawtypes") // BouncyCastle's API takes and returns raw Vectors
    private static final class Client extends AbstractTlsClient {
        private final byte[] psk;
        private final byte[] identity;

        Client(byte[] psk, String identity) {
            super(CRYPTO);
            this.psk = psk;
            this.identity = identity.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.TLSv13.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return new int[] {CipherSuite.TLS_AES_128_GCM_SHA256};
        }

        @Override
        protected Vector getSupportedGroups(Vector namedGroupRoles) {
            Vector<Integer> groups = new Vector<>();
            groups.add(NamedGroup.x25519);
            return groups;
        }

        @Override
        protected Vector getSupportedSignatureAlgorithms() {
            return null;
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
        public TlsAuthentication getAuthentication() {
            return new TlsAuthentication() {
                @Override
                public void notifyServerCertificate(TlsServerCertificate serverCertificate) throws TlsFatalAlert {
                    throw new TlsFatalAlert((short) 40);
                }

                @Override
                public TlsCredentials getClientCredentials(org.bouncycastle.tls.CertificateRequest request) {
                    return null;
                }
            };
        }
    }
}
