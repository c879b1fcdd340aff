package io.distribute.internal.secure;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The accepted connections whose TLS handshake has not finished, in two stages, each bounded. <b>Unproven</b>: nothing
 * received yet shows the cookie; capped per source address and in total. <b>Proven</b>: the peer's ClientHello carried
 * a valid PSK binder (certificate mode: a verified client certificate), so it was made with the key; the rest of the
 * handshake (the key exchange, the expensive part) no longer counts against the unproven caps, which exist to keep
 * strangers from crowding out cookie holders. Without this split, 31 nodes of a cluster starting at once on one host
 * (one source address) kept the per-source cap full with legitimate handshakes and evicted each other.
 *
 * <p>At a cap the newcomer is not the one refused: the oldest unproven connection of its own source makes room
 * (per-source cap), or else the oldest of the source holding the most (total cap). A flood, from one address or many,
 * thus evicts itself, and a cookie holder, whose ClientHello arrives within a few ms of its connect, gets through. Only
 * a replayed ClientHello (captured from a cookie holder) gets a stranger into the proven stage; that stage has a cap
 * of its own, and evicts its oldest, whom a real cookie holder would have left within milliseconds.
 *
 * <p>Not thread-safe on its own: {@link SecureServerSocket} calls it under its lock.
 */
final class PendingHandshakes<S> {

    static final int MAX_UNPROVEN_PER_SOURCE = 8;
    static final int MAX_UNPROVEN = 64;
    static final int MAX_PROVEN = 128;

    private final Map<InetAddress, ArrayDeque<S>> unprovenBySource = new HashMap<>();
    private final Map<S, InetAddress> sourceOf = new HashMap<>();
    private final ArrayDeque<S> proven = new ArrayDeque<>();
    private int unproven;

    /** Takes a new connection in as unproven; returns the connection evicted to make room, or null. */
    S admit(S s, InetAddress source) {
        S evicted = null;
        ArrayDeque<S> mine = unprovenBySource.get(source);
        if (mine != null && mine.size() >= MAX_UNPROVEN_PER_SOURCE) {
            evicted = takeOldest(source, mine);
        } else if (unproven >= MAX_UNPROVEN) {
            InetAddress biggest = null;
            int most = 0;
            for (Map.Entry<InetAddress, ArrayDeque<S>> e : unprovenBySource.entrySet()) {
                if (e.getValue().size() > most) {
                    most = e.getValue().size();
                    biggest = e.getKey();
                }
            }
            evicted = takeOldest(biggest, unprovenBySource.get(biggest));
        }
        unprovenBySource.computeIfAbsent(source, a -> new ArrayDeque<>()).addLast(s);
        sourceOf.put(s, source);
        unproven++;
        return evicted;
    }

    /**
     * Moves {@code s} to the proven stage; returns the connection evicted to make room there, or null (also if
     * {@code s} was evicted already).
     */
    S prove(S s) {
        InetAddress source = sourceOf.get(s);
        ArrayDeque<S> q = source == null ? null : unprovenBySource.get(source);
        if (q == null || !q.remove(s)) {
            return null;
        }
        unproven--;
        if (q.isEmpty()) {
            unprovenBySource.remove(source);
        }
        proven.addLast(s);
        if (proven.size() > MAX_PROVEN) {
            S evicted = proven.pollFirst();
            sourceOf.remove(evicted);
            return evicted;
        }
        return null;
    }

    /** Forgets {@code s}; false if it was not here (evicted, or released before). */
    boolean release(S s) {
        InetAddress source = sourceOf.remove(s);
        if (source == null) {
            return false;
        }
        if (proven.remove(s)) {
            return true;
        }
        ArrayDeque<S> q = unprovenBySource.get(source);
        if (q != null && q.remove(s)) {
            unproven--;
            if (q.isEmpty()) {
                unprovenBySource.remove(source);
            }
        }
        return true;
    }

    /** Connections in either stage. */
    int size() {
        return unproven + proven.size();
    }

    /** Connections not yet proven. */
    int unproven() {
        return unproven;
    }

    private S takeOldest(InetAddress source, ArrayDeque<S> q) {
        S oldest = q.pollFirst();
        unproven--;
        sourceOf.remove(oldest);
        if (q.isEmpty()) {
            unprovenBySource.remove(source);
        }
        return oldest;
    }
}
