package io.distribute.internal.secure;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The JVM's one-time TLS warm-up. The first handshake in a JVM loads a few hundred classes and initialises the JCE;
 * on a busy machine that alone can take longer than the 1 s a peer allows for a handshake. Do it once per JVM in the
 * background, off the start path.
 */
final class TlsWarmUp {

    /** Logged under SecureLayer's name, as before this was a class of its own. */
    private static final Logger LOG = LoggerFactory.getLogger(SecureLayer.class);
    private static final java.util.concurrent.atomic.AtomicBoolean WARM = new java.util.concurrent.atomic.AtomicBoolean();

    private TlsWarmUp() {
    }

    /** Starts the warm-up on a daemon thread the first time it is called in this JVM; does nothing after. */
    static void once() {
        if (!WARM.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                java.security.KeyPairGenerator.getInstance("X25519").generateKeyPair();
                javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
                javax.crypto.Mac.getInstance("HmacSHA256");
                for (String c : List.of("org.bouncycastle.tls.TlsClientProtocol", "org.bouncycastle.tls.TlsServerProtocol",
                        "org.bouncycastle.tls.TlsUtils", "org.bouncycastle.tls.TlsExtensionsUtils")) {
                    Class.forName(c, true, SecureLayer.class.getClassLoader());
                }
                TlsPeers.CRYPTO.createSecret(new byte[32]);
            } catch (ReflectiveOperationException | java.security.GeneralSecurityException | RuntimeException e) {
                LOG.debug("TLS warm-up: {}", e.toString());
            }
        }, "distribute-tls-warmup");
        t.setDaemon(true);
        t.start();
    }
}
