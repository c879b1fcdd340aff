package io.distribute.internal.secure;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How the connections one node accepted fared in their handshake. Those that authenticated are counted. Those dropped
 * before they authenticated are counted (part of JMX {@code DroppedFrames}, through
 * {@link SecureLayer#refusedConnections()}) and logged by how much they say about their source: a failure to
 * authenticate at WARN, a cookie holder too slow to finish at INFO, each at most once a minute per source (see
 * {@link PeerLogLimit}), a peer that only hung up or asked for another node at DEBUG.
 */
final class HandshakeOutcomes {

    /** Logged under SecureLayer's name, as before this was a class of its own. */
    private static final Logger LOG = LoggerFactory.getLogger(SecureLayer.class);

    private final Trust trust;
    private final String owner;
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong authenticated = new AtomicLong();
    private final PeerLogLimit<InetAddress> refusalLog = PeerLogLimit.perMinute();
    private final PeerLogLimit<InetAddress> slowLog = PeerLogLimit.perMinute();

    /** @param owner the node's name, for log lines */
    HandshakeOutcomes(Trust trust, String owner) {
        this.trust = trust;
        this.owner = owner;
    }

    /** Counts a handshake that completed as the accepting side. */
    void authenticated() {
        authenticated.incrementAndGet();
    }

    /** Counts a connection dropped before it authenticated; logs once a minute per source at most. */
    void refused(InetAddress source, String why) {
        refused.incrementAndGet();
        if (trust.destroyed()) {
            // this node is closing: handshakes still under way are cut short here, nobody failed to authenticate
            LOG.debug("{}: closed; dropped a handshake from {} ({})", owner, source.getHostAddress(), why);
            return;
        }
        long unlogged = refusalLog.admit(source);
        if (unlogged >= 0) {
            LOG.warn("{}: dropped a connection from {} that did not authenticate ({}{}); further ones from there "
                    + "are counted, not logged, for a minute", owner, source.getHostAddress(), why,
                    PeerLogLimit.since(unlogged));
        }
    }

    /**
     * Counts a connection whose ClientHello showed our key (certificate mode: a trusted certificate) but whose
     * handshake did not finish in time: a cookie holder on a busy peer or machine (many nodes forming at once on few
     * cores do this), or a replayed ClientHello. Not a failure to authenticate, so INFO, at most once a minute per
     * source.
     */
    void slowHandshake(InetAddress source, String why) {
        refused.incrementAndGet();
        if (trust.destroyed()) {
            LOG.debug("{}: closed; dropped a handshake from {} ({})", owner, source.getHostAddress(), why);
            return;
        }
        long unlogged = slowLog.admit(source);
        if (unlogged >= 0) {
            LOG.info("{}: a handshake from {} showed our cookie{} but did not finish in time ({}{}): a busy peer or "
                    + "machine, or a replayed ClientHello; further ones from there are counted, not logged, for a "
                    + "minute", owner, source.getHostAddress(), trust.certificateMode() ? " (a trusted certificate)"
                    : "", why, PeerLogLimit.since(unlogged));
        }
    }

    /**
     * Counts a connection that ended before it authenticated without sign of a wrong cookie (its peer hung up, or
     * asked for another node by name); logged at DEBUG only (see its caller).
     */
    void droppedHarmless(InetAddress source, String why) {
        refused.incrementAndGet();
        LOG.debug("{}: a connection from {} ended before it authenticated ({})", owner, source.getHostAddress(), why);
    }

    /** Connections dropped before they authenticated. */
    long refusedConnections() {
        return refused.get();
    }

    /** Handshakes that completed as the accepting side. */
    long authenticatedConnections() {
        return authenticated.get();
    }
}
