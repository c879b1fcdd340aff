package io.distribute.internal.secure;

import javax.crypto.spec.SecretKeySpec;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * Seals and opens the UDP datagrams of one node, below JGroups' parser, so that bytes from anyone without the cluster
 * key never reach JGroups.
 *
 * <p>A sealed datagram is {@code header || AES-256-GCM(payload) || tag(16)}, the header being magic (2), epoch
 * millis (8), epoch random (8) and sequence number (8). The epoch is drawn once per instance (per node start). The
 * AES key is {@code HMAC-SHA256(clusterKey, "distribute/udp/v1" || sender ip || port || epoch)}, so every sender
 * address and start has its own key; the nonce is {@code 0(4) || sequence(8)} and the sequence comes from one counter
 * per instance, so no (key, nonce) pair repeats. The header and the sender address are authenticated data: the
 * receiver takes the address from the datagram's source, so a datagram re-sent from elsewhere does not open.
 *
 * <p>The receiver keeps, per source address, the newest authenticated epoch and a {@link ReplayWindow}. Older epochs,
 * repeated and too old sequence numbers are dropped; a newer epoch (a restart) replaces the state. State is only made
 * or changed by datagrams that authenticate, and the table is bounded (least recently used sender evicted). Thread-safe.
 *
 * <p>Limits: a sender the table does not remember (never seen, or evicted) is accepted in whatever epoch it
 * authenticates, so a recorded datagram of an earlier start can be replayed once to a receiver that has not yet heard
 * the sender's current epoch. A sender whose clock went back across a restart, on the same address and port, is
 * refused as stale by receivers that remember its previous start.
 */
public final class DatagramSeal {

    /** Why a datagram was dropped. */
    public enum Drop {
        /** Too short or not a sealed datagram (wrong magic/version, impossible sequence number). */
        MALFORMED,
        /** Did not authenticate: another key, changed bytes, or sent from another address. */
        FORGED,
        /** Sequence number already accepted, or older than the replay window. */
        REPLAYED,
        /** Sealed in an epoch older than the newest one authenticated from that address. */
        STALE_EPOCH
    }

    /** Header bytes: magic (2), epoch millis (8), epoch random (8), sequence number (8). */
    public static final int HEADER_BYTES = 26;
    /** GCM tag bytes. */
    public static final int TAG_BYTES = 16;
    /** Bytes a sealed datagram has beyond its payload. */
    public static final int OVERHEAD = HEADER_BYTES + TAG_BYTES;
    /** Senders remembered by default. */
    public static final int DEFAULT_MAX_SENDERS = 4096;

    static final long MAX_SEQUENCE = 1L << 62;
    private static final byte MAGIC = (byte) 0xD5;
    private static final byte VERSION = 1;
    private static final int SEQ_OFFSET = 18;
    private static final VarHandle LONG = SealCrypto.LONG;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A sender's newest authenticated epoch, its derived key and its replay window; guarded by {@link #senders}. */
    private record Sender(long millis, long random, SecretKeySpec key, ReplayWindow window) { }

    /** What {@link #openDetailed} found: the plaintext, or why there is none. */
    record Opened(byte[] plain, Drop drop) { }

    private static final Opened[] DROPPED = new Opened[Drop.values().length];

    static {
        for (Drop d : Drop.values()) {
            DROPPED[d.ordinal()] = new Opened(null, d);
        }
    }

    private final SecretKeySpec clusterKey;
    private final long epochMillis;
    private final long epochRandom;
    private final AtomicLong sequence = new AtomicLong();
    private final Map<InetSocketAddress, SecretKeySpec> sendKeys = new ConcurrentHashMap<>();
    private final Map<InetSocketAddress, Sender> senders;
    private final AtomicLongArray drops = new AtomicLongArray(Drop.values().length);
    private final AtomicLong opened = new AtomicLong();

    /** A seal for {@code clusterKey} (32 bytes, copied) whose epoch is taken from the system clock. */
    public DatagramSeal(byte[] clusterKey) {
        this(clusterKey, System::currentTimeMillis);
    }

    /** A seal for {@code clusterKey} (32 bytes, copied) whose epoch millis are read from {@code wallClock}. */
    public DatagramSeal(byte[] clusterKey, LongSupplier wallClock) {
        this(clusterKey, wallClock, DEFAULT_MAX_SENDERS);
    }

    DatagramSeal(byte[] clusterKey, LongSupplier wallClock, int maxSenders) {
        if (clusterKey == null || clusterKey.length != 32) {
            throw new IllegalArgumentException("the cluster key must be 32 bytes");
        }
        if (maxSenders < 1) {
            throw new IllegalArgumentException("maxSenders must be positive");
        }
        this.clusterKey = new SecretKeySpec(clusterKey, "HmacSHA256");
        this.epochMillis = wallClock.getAsLong();
        this.epochRandom = RANDOM.nextLong();
        // Insertion order, refreshed by remove+put after each authenticated datagram: unauthenticated look-ups
        // must not even change which sender is evicted next.
        this.senders = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<InetSocketAddress, Sender> eldest) {
                return size() > maxSenders;
            }
        };
    }

    /**
     * Seals {@code buf[off, off+len)} as sent from {@code sender} (the address receivers will see as the source).
     *
     * @throws IllegalStateException once 2^62 datagrams were sealed by this instance (a restart draws a new epoch)
     */
    public byte[] seal(InetSocketAddress sender, byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        byte[] addr = SealCrypto.addressBytes(sender);
        long seq = sequence.getAndIncrement();
        if (seq >= MAX_SEQUENCE || seq < 0) {
            throw new IllegalStateException("datagram sequence numbers exhausted; restart the node");
        }
        SecretKeySpec key = sendKeys.get(sender);
        if (key == null) {
            if (sendKeys.size() >= 64) {
                sendKeys.clear(); // a node has a handful of sockets; this only bounds misuse
            }
            key = SealCrypto.deriveKey(clusterKey, addr, epochMillis, epochRandom);
            sendKeys.put(sender, key);
        }
        byte[] out = new byte[HEADER_BYTES + len + TAG_BYTES];
        out[0] = MAGIC;
        out[1] = VERSION;
        LONG.set(out, 2, epochMillis);
        LONG.set(out, 10, epochRandom);
        LONG.set(out, SEQ_OFFSET, seq);
        SealCrypto.encrypt(key, seq, addr, out, buf, off, len);
        return out;
    }

    /**
     * Opens a datagram received from {@code from}: its payload, or null if it is malformed, does not authenticate
     * (other key, changed, other source address), is a replay or too old, or belongs to an older epoch of its sender.
     * Each null is counted in {@link #dropped(Drop)}.
     */
    public byte[] open(InetSocketAddress from, byte[] buf, int off, int len) {
        return openDetailed(from, buf, off, len).plain();
    }

    Opened openDetailed(InetSocketAddress from, byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (len < OVERHEAD || buf[off] != MAGIC || buf[off + 1] != VERSION || from == null || from.isUnresolved()) {
            return drop(Drop.MALFORMED);
        }
        long millis = (long) LONG.get(buf, off + 2);
        long random = (long) LONG.get(buf, off + 10);
        long seq = (long) LONG.get(buf, off + SEQ_OFFSET);
        if (seq < 0 || seq >= MAX_SEQUENCE) {
            return drop(Drop.MALFORMED);
        }
        SecretKeySpec key = null;
        synchronized (senders) { // cheap checks first; nothing is recorded before the datagram authenticates
            Sender s = senders.get(from);
            if (s != null) {
                int c = compareEpochs(millis, random, s.millis(), s.random());
                if (c < 0) {
                    return drop(Drop.STALE_EPOCH);
                }
                if (c == 0) {
                    if (!s.window().fresh(seq)) {
                        return drop(Drop.REPLAYED);
                    }
                    key = s.key();
                }
            }
        }
        byte[] addr = SealCrypto.addressBytes(from);
        if (key == null) {
            key = SealCrypto.deriveKey(clusterKey, addr, millis, random);
        }
        byte[] plain = SealCrypto.decrypt(key, seq, addr, buf, off, len);
        if (plain == null) {
            return drop(Drop.FORGED);
        }
        synchronized (senders) { // authenticated: now record it (re-checked, another thread may have come first)
            Sender s = senders.get(from);
            int c = s == null ? 1 : compareEpochs(millis, random, s.millis(), s.random());
            if (c < 0) {
                return drop(Drop.STALE_EPOCH);
            }
            if (c > 0) {
                s = new Sender(millis, random, key, new ReplayWindow());
            }
            if (!s.window().accept(seq)) {
                return drop(Drop.REPLAYED);
            }
            senders.remove(from);
            senders.put(from, s); // most recently used last; evicts the eldest past the bound
        }
        opened.incrementAndGet();
        return new Opened(plain, null);
    }

    /** Datagrams dropped for any reason. */
    public long dropped() {
        long n = 0;
        for (int i = 0; i < drops.length(); i++) {
            n += drops.get(i);
        }
        return n;
    }

    /** Datagrams dropped for {@code reason}. */
    public long dropped(Drop reason) {
        return drops.get(reason.ordinal());
    }

    /** Datagrams opened. */
    public long opened() {
        return opened.get();
    }

    /** Sender addresses whose epoch and replay window are remembered. */
    public int senders() {
        synchronized (senders) {
            return senders.size();
        }
    }

    /** Sets the next sequence number, so that tests reach the limit. */
    void nextSequenceForTest(long next) {
        sequence.set(next);
    }

    /** The sequence number in a sealed datagram's header. */
    static long sequenceOf(byte[] sealed) {
        return (long) LONG.get(sealed, SEQ_OFFSET);
    }

    @Override
    public String toString() {
        return "DatagramSeal[AES-256-GCM, epoch=" + epochMillis + ", senders=" + senders() + ", opened=" + opened()
                + ", dropped=" + dropped() + ", key redacted]";
    }

    private Opened drop(Drop reason) {
        drops.incrementAndGet(reason.ordinal());
        return DROPPED[reason.ordinal()];
    }

    /** Epochs compare by start millis, then by the random part. */
    private static int compareEpochs(long millisA, long randomA, long millisB, long randomB) {
        int c = Long.compare(millisA, millisB);
        return c != 0 ? c : Long.compareUnsigned(randomA, randomB);
    }
}
