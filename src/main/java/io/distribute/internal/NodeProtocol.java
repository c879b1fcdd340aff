package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.EmptyMessage;
import org.jgroups.Event;
import org.jgroups.Message;
import org.jgroups.PhysicalAddress;
import org.jgroups.View;
import org.jgroups.ViewId;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.AUTH;
import org.jgroups.protocols.AuthHeader;
import org.jgroups.protocols.TCP;
import org.jgroups.blocks.cs.BaseServer;
import org.jgroups.blocks.cs.Connection;
import org.jgroups.blocks.cs.ConnectionListener;
import io.distribute.cluster.DownReason;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.stack.Protocol;
import org.jgroups.util.ByteArrayDataInputStream;
import org.jgroups.util.ByteArrayDataOutputStream;
import org.jgroups.util.ExtendedUUID;
import org.jgroups.util.MessageBatch;
import org.jgroups.util.Tuple;
import org.jgroups.util.UUID;
import org.jgroups.util.Util;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * distribute's own protocol, placed right below AUTH (which is right below GMS).
 *
 * <ul>
 *   <li><b>Handshake.</b> {@code HELLO(nonce_s)} / {@code ACK(nonce_s, nonce_d, HMAC(ack, nonce_s, nonce_d, d, s))}:
 *   the responder proves it holds the cookie key, and issues the prober a fresh nonce for its next proofs. A node
 *   that must send a proof to a peer it holds no nonce from (e.g. a join response) says HELLO to it first.</li>
 *   <li><b>Gate.</b> Every join/merge message AUTH marks (JOIN_REQ, JOIN_RSP, MERGE_REQ, MERGE_RSP,
 *   INSTALL_MERGE_VIEW) gets a {@link CookieToken} with {@code HMAC(gms, kind, sender, receiver, nonce)}, where the
 *   nonce is one the receiver issued to the sender; if there is none yet, the message waits for a handshake. The
 *   receiver accepts each (nonce, kind) once: a recorded join replayed later is rejected.</li>
 *   <li><b>Probe.</b> The same HELLO sent to a physical address finds a node (its name, view, and whether it holds
 *   our cookie) without joining it: used by connect and by ping of a non-member.</li>
 *   <li><b>Ping.</b> PING/PONG round trip to a member over the channel.</li>
 *   <li><b>Merge trigger.</b> Asks a coordinator to merge two views now instead of waiting for MERGE3's timer.</li>
 * </ul>
 */
public class NodeProtocol extends Protocol {

    static final short PROTOCOL_ID = 1750;
    static final short HEADER_MAGIC = 1751;
    static final short TOKEN_MAGIC = 1752;
    /** The ExtendedUUID key carrying the node name, so that every view carries every member's name. */
    static final String NAME_KEY = "distribute.name";

    static final byte KIND_MERGE_TRIGGER = 100;

    private static final long THEIR_NONCE_TTL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long ISSUED_NONCE_TTL_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long HANDSHAKE_TIMEOUT_MS = 3000;
    private static final int MAX_ISSUED_PER_PEER = 8;
    private static final int MAX_QUEUED_PER_PEER = 64;
    private static final int MAX_SESSIONS = 4096;
    private static final int MAX_MAPPINGS = 1024;

    static {
        ClassConfigurator.addProtocol(PROTOCOL_ID, NodeProtocol.class);
        ClassConfigurator.addIfAbsent(HEADER_MAGIC, NodeHeader.class);
        ClassConfigurator.addIfAbsent(TOKEN_MAGIC, CookieToken.class);
    }

    private static final Logger LOG = LoggerFactory.getLogger(NodeProtocol.class);
    private static final short GMS_ID = ClassConfigurator.getProtocolId(GMS.class);
    private static final short AUTH_ID = ClassConfigurator.getProtocolId(AUTH.class);

    private CookieSecret secret;
    private final byte[] selfSecret = CookieSecret.newNonce();
    private final Map<Address, Session> sessions = new ConcurrentHashMap<>();
    private final Map<Long, Hello> hellos = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<Long>> pings = new ConcurrentHashMap<>();
    private final AtomicLong requestIds = new AtomicLong(System.nanoTime());
    private volatile View view;
    private volatile Consumer<String> securityListener = s -> { };
    private Future<?> sweeper;

    private Aead aead;

    /** Sets the cluster key; called by the adapter before the channel connects. */
    void setSecret(CookieSecret secret, Aead aead) {
        this.secret = secret;
        this.aead = aead;
    }

    /** Called (on a JGroups thread; must be quick) with a reason whenever a peer fails the cookie check. */
    void setSecurityListener(Consumer<String> listener) {
        this.securityListener = listener;
    }

    @Override
    public void start() throws Exception {
        super.start();
        if (secret == null) {
            throw new IllegalStateException("NodeProtocol has no cookie secret");
        }
        sweeper = getTransport().getTimer().scheduleWithFixedDelay(this::sweep, 10, 10, TimeUnit.SECONDS, false);
        listenToConnections();
    }

    @Override
    public void stop() {
        if (sweeper != null) {
            sweeper.cancel(false);
        }
        sessions.clear();
        hellos.clear();
        pings.values().forEach(f -> f.complete(null));
        pings.clear();
        super.stop();
    }

    // -------------------------------------------------------------------------------------------- down reasons

    private static final DownReason[] REASONS = DownReason.values();
    private static final long REASON_TTL_NANOS = TimeUnit.SECONDS.toNanos(60);

    private record Observed(DownReason reason, long at) {}

    /** What this node saw of members that may be removed soon: leave requests, connections lost. */
    private final Map<Address, Observed> observed = new ConcurrentHashMap<>();

    private void record(Address member, DownReason reason) {
        if (member == null) {
            return;
        }
        // A leave request is the strongest evidence: a graceful leave also closes connections.
        observed.merge(member, new Observed(reason, System.nanoTime()),
                (old, now) -> old.reason == DownReason.LEFT && now.reason != DownReason.LEFT ? old : now);
    }

    /** Why {@code member} left the view, as observed here or by the coordinator that removed it. */
    public DownReason reasonFor(Address member) {
        Observed o = observed.get(member);
        if (o == null) {
            return DownReason.UNRESPONSIVE;
        }
        long age = System.nanoTime() - o.at;
        // A lost connection explains a removal that follows it closely; an old one says nothing about a later freeze.
        long ttl = o.reason == DownReason.CRASHED ? CRASH_TTL_NANOS : REASON_TTL_NANOS;
        return age < ttl ? o.reason : DownReason.UNRESPONSIVE;
    }

    private static final long CRASH_TTL_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** The coordinator tells every member why it removed whom, on the view message itself (no ordering race). */
    private void attachReasons(Message msg) {
        long now = System.nanoTime();
        List<Address> members = new ArrayList<>();
        List<Byte> codes = new ArrayList<>();
        for (Map.Entry<Address, Observed> e : observed.entrySet()) {
            long ttl = e.getValue().reason == DownReason.CRASHED ? CRASH_TTL_NANOS : REASON_TTL_NANOS;
            if (now - e.getValue().at < ttl && members.size() < NodeHeader.MAX_REASONS) {
                members.add(e.getKey());
                codes.add((byte) e.getValue().reason.ordinal());
            }
        }
        if (members.isEmpty()) {
            return;
        }
        byte[] b = new byte[codes.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = codes.get(i);
        }
        msg.putHeader(id, new NodeHeader(NodeHeader.REASONS, 0).reasons(members.toArray(new Address[0]), b));
    }

    /** The transport lost a connection: a dead process's kernel closes its sockets without a graceful close. */
    private void connectionClosed(Connection conn) {
        if (conn.isClosedGracefully() || !(conn.peerAddress() instanceof PhysicalAddress peer)) {
            return;
        }
        View v = view;
        if (v == null) {
            return;
        }
        for (Address m : v.getMembersRaw()) {
            if (peer.equals(physicalAddressOf(m))) {
                record(m, DownReason.CRASHED);
            }
        }
    }

    private void listenToConnections() {
        if (!(getTransport() instanceof TCP tcp)) {
            return;
        }
        try {
            // TCP keeps its server in a protected field with no getter; the listener API itself is public.
            java.lang.reflect.Field f = TCP.class.getDeclaredField("srv");
            f.setAccessible(true);
            Object srv = f.get(tcp);
            if (srv instanceof BaseServer server) {
                server.addConnectionListener(new ConnectionListener() {
                    @Override
                    public void connectionClosed(Connection conn) {
                        NodeProtocol.this.connectionClosed(conn);
                    }

                    @Override
                    public void connectionEstablished(Connection conn) {
                    }
                });
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("{}: cannot watch TCP connections ({}); crashes will be reported as unresponsive", self(), e.toString());
        }
    }

    // ----------------------------------------------------------------------------------------------- identities

    /** The node name carried in an address, or null if it carries none (not a distribute node). */
    public static String nameOf(Address a) {
        if (a instanceof ExtendedUUID e) {
            byte[] n = e.get(NAME_KEY);
            return n == null ? null : new String(n, StandardCharsets.UTF_8);
        }
        return null;
    }

    /** An address for a node called {@code name}: a random UUID that carries the name. */
    public static ExtendedUUID newAddress(String name) {
        ExtendedUUID a = ExtendedUUID.randomUUID(name);
        a.put(NAME_KEY, name.getBytes(StandardCharsets.UTF_8));
        return a;
    }

    private static byte[] id(Address a) {
        if (a instanceof UUID u) {
            String n = nameOf(a);
            byte[] name = n == null ? new byte[0] : n.getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(16 + name.length).putLong(u.getMostSignificantBits())
                    .putLong(u.getLeastSignificantBits()).put(name).array();
        }
        return String.valueOf(a).getBytes(StandardCharsets.UTF_8);
    }

    private static final byte[] LABEL_ACK = "ack".getBytes(StandardCharsets.UTF_8);
    private static final byte[] LABEL_GMS = "gms".getBytes(StandardCharsets.UTF_8);

    private Address self() {
        return getAddress();
    }

    // ------------------------------------------------------------------------------------------- event plumbing

    @Override
    public Object down(Event evt) {
        if (evt.getType() == Event.VIEW_CHANGE) {
            view = evt.getArg();
            View v = view;
            suspects.keySet().removeIf(a -> !v.containsMember(a));
            lastPongViews.keySet().removeIf(a -> !v.containsMember(a));
        }
        return down_prot.down(evt);
    }

    /** Confirmed suspects (VERIFY_SUSPECT2 passed them up) that are still in the view, and how often re-raised. */
    private final Map<Address, Integer> suspects = new ConcurrentHashMap<>();
    private static final long SUSPECT_RETRY_MS = 250;
    private static final int SUSPECT_RETRIES = 40;

    @Override
    public Object up(Event evt) {
        switch (evt.getType()) {
            case Event.SUSPECT -> {
                Collection<Address> suspected = evt.getArg();
                for (Address a : suspected) {
                    if (suspects.putIfAbsent(a, 0) == null) {
                        getTransport().getTimer().schedule(() -> resuspect(a), SUSPECT_RETRY_MS, TimeUnit.MILLISECONDS, false);
                    }
                }
            }
            case Event.UNSUSPECT -> {
                Address alive = evt.getArg();
                suspects.remove(alive);
                // The member answered VERIFY_SUSPECT2: a connection of its that closed did not mean it died (JGroups
                // closes one of two connections opened at the same time). Forget that observation.
                observed.computeIfPresent(alive, (a, o) -> o.reason == DownReason.CRASHED ? null : o);
            }
            case Event.MERGE -> {
                Map<Address, View> views = withoutForeign(evt.getArg());
                if (views.size() < 2) {
                    return null; // nothing left to merge with: the others do not hold our cookie
                }
                return up_prot.up(new Event(Event.MERGE, views));
            }
            default -> { }
        }
        return up_prot.up(evt);
    }

    /** Nodes that answered a handshake without our cookie (bounded): never a partner in a merge. */
    private final Set<Address> foreign = ConcurrentHashMap.newKeySet();

    /**
     * Without encryption MERGE3 hears nodes of other cookies too; a merge led by or including one of them is
     * refused every time, and would keep our own subgroups apart. Leave out views whose coordinator failed the
     * cookie check or has left.
     */
    private Map<Address, View> withoutForeign(Map<Address, View> views) {
        Map<Address, View> kept = new HashMap<>();
        views.forEach((k, v) -> {
            if (!excluded(k) && (v == null || !excluded(v.getCoord()))) {
                kept.put(k, v);
            }
        });
        return kept;
    }

    /**
     * Not a merge partner: a node without our cookie, or one that left (MERGE3 may still hold the view it sent
     * just before leaving, which would merge it back for a moment). A restarted node has a new address.
     */
    private boolean excluded(Address a) {
        if (a == null) {
            return false;
        }
        Observed o = observed.get(a);
        return foreign.contains(a) || o != null && o.reason == DownReason.LEFT;
    }

    /**
     * GMS discards a suspicion that arrives while a merge holds its queue, and VERIFY_SUSPECT2 raises it only once:
     * a node killed just after a merge would then stay listed until heartbeats time out. Re-raise a confirmed
     * suspicion until the member is out of the view.
     */
    private void resuspect(Address a) {
        Integer n = suspects.get(a);
        View v = view;
        if (n == null || v == null || !v.containsMember(a) || n >= SUSPECT_RETRIES) {
            suspects.remove(a);
            return;
        }
        suspects.put(a, n + 1);
        up_prot.up(new Event(Event.SUSPECT, List.of(a)));
        getTransport().getTimer().schedule(() -> resuspect(a), SUSPECT_RETRY_MS, TimeUnit.MILLISECONDS, false);
    }

    @Override
    public Object down(Message msg) {
        GMS.GmsHeader view = msg.getHeader(GMS_ID);
        if (view != null && view.getType() == GMS.GmsHeader.VIEW) {
            attachReasons(msg);
            return down_prot.down(msg);
        }
        AuthHeader auth = msg.getHeader(AUTH_ID);
        if (auth != null && auth.getToken() instanceof CookieToken) {
            GMS.GmsHeader gms = msg.getHeader(GMS_ID);
            if (gms != null) {
                sendProven(msg, gms.getType(), token -> auth.setToken(token));
                return null;
            }
        }
        return down_prot.down(msg);
    }

    @Override
    public Object up(Message msg) {
        NodeHeader hdr = msg.getHeader(id);
        if (hdr == null || hdr.type == NodeHeader.REASONS) {
            observe(hdr, msg);
            return up_prot.up(msg);
        }
        handle(hdr, msg);
        return null;
    }

    /** Learns from GMS traffic passing up: leave requests, removal reasons riding on views, duplicate views. */
    private void observe(NodeHeader hdr, Message msg) {
        if (hdr != null) {
            for (int i = 0; i < hdr.members.length; i++) {
                int r = hdr.reasons[i];
                if (r >= 0 && r < REASONS.length) {
                    record(hdr.members[i], REASONS[r]);
                }
            }
        }
        GMS.GmsHeader gms = msg.getHeader(GMS_ID);
        if (gms == null) {
            return;
        }
        if (gms.getType() == GMS.GmsHeader.LEAVE_REQ) {
            Address leaver = gms.getMember() != null ? gms.getMember() : msg.getSrc();
            record(leaver, DownReason.LEFT);
            // GMS drops a leave request that arrives while a merge holds its queue; the leaver is gone by then
            // and would stay listed until heartbeats time out. Raise it as a suspect until it is out of the view.
            if (leaver != null && suspects.putIfAbsent(leaver, 0) == null) {
                getTransport().getTimer().schedule(() -> resuspect(leaver), SUSPECT_RETRY_MS, TimeUnit.MILLISECONDS, false);
            }
        } else if (gms.getType() == GMS.GmsHeader.VIEW) {
            ackDuplicateView(msg);
        }
    }

    /**
     * In a merge every subgroup coordinator multicasts the merged view; a node that installed one copy drops the
     * other without acknowledging it, and that copy's sender then waits GMS' whole view_ack_collection_timeout
     * (its own copy can be the one dropped). The view is installed, so acknowledge the duplicate on GMS' behalf.
     */
    private void ackDuplicateView(Message msg) {
        View current = view;
        if (current == null || msg.getSrc() == null) {
            return;
        }
        try {
            var viewAndDigest = GMS._readViewAndDigest(msg.getArray(), msg.getOffset(), msg.getLength());
            View received = viewAndDigest == null ? null : viewAndDigest.val1();
            if (received != null && received.getViewId().equals(current.getViewId())) {
                down_prot.down(new EmptyMessage(msg.getSrc()).setFlag(Message.Flag.OOB, Message.Flag.NO_FC)
                        .putHeader(GMS_ID, new GMS.GmsHeader(GMS.GmsHeader.VIEW_ACK)));
            }
        } catch (Exception e) {
            LOG.debug("{}: cannot read a view from {}: {}", self(), msg.getSrc(), e.toString());
        }
    }

    @Override
    public void up(MessageBatch batch) {
        for (Iterator<Message> it = batch.iterator(); it.hasNext(); ) {
            Message msg = it.next();
            NodeHeader hdr = msg.getHeader(id);
            if (hdr == null || hdr.type == NodeHeader.REASONS) {
                observe(hdr, msg);
            } else {
                it.remove();
                handle(hdr, msg);
            }
        }
        if (!batch.isEmpty()) {
            up_prot.up(batch);
        }
    }

    private void handle(NodeHeader hdr, Message msg) {
        try {
            switch (hdr.type) {
                case NodeHeader.HELLO -> handleHello(hdr, msg);
                case NodeHeader.ACK -> handleAck(hdr, msg);
                case NodeHeader.PING -> send(new BytesMessage(msg.getSrc()), new NodeHeader(NodeHeader.PONG, hdr.requestId)
                        .viewId(view == null ? null : view.getViewId()), true);
                case NodeHeader.PONG -> {
                    lastPongViews.put(msg.getSrc(), hdr.viewId == null ? NO_VIEW : hdr.viewId);
                    CompletableFuture<Long> f = pings.remove(hdr.requestId);
                    if (f != null) {
                        f.complete(System.nanoTime());
                    }
                }
                case NodeHeader.MERGE -> handleMergeTrigger(hdr, msg);
                case NodeHeader.MAPPINGS -> handleMappings(msg);
                default -> LOG.debug("{}: dropping message of unknown type {} from {}", self(), hdr.type, msg.getSrc());
            }
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            // Malformed input from the network: drop it, never let it escape into JGroups' threads.
            LOG.debug("{}: dropping malformed {} from {}: {}", self(), hdr, msg.getSrc(), e.toString());
        }
    }

    private void send(Message msg, NodeHeader hdr, boolean unreliable) {
        msg.putHeader(id, hdr).setFlag(Message.Flag.OOB);
        if (unreliable) {
            msg.setFlag(Message.Flag.NO_RELIABILITY, Message.Flag.NO_FC, Message.Flag.DONT_BUNDLE);
        }
        down_prot.down(msg);
    }

    // -------------------------------------------------------------------------------------------------- handshake

    /** An outstanding HELLO: our nonce and what to do with the verified answer. */
    private record Hello(byte[] nonce, Consumer<Ack> onAck) {}

    /** An answer to a HELLO. {@code authentic} is false when the responder does not hold our cookie. */
    public record Ack(Address from, String name, boolean authentic, View view, PhysicalAddress physical,
                      Map<Address, PhysicalAddress> mappings) {}

    private long sendHello(Address dest, Consumer<Ack> onAck) {
        long req = requestIds.incrementAndGet();
        byte[] nonce = CookieSecret.newNonce();
        hellos.put(req, new Hello(nonce, onAck));
        ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(64);
        try {
            Util.writeAddress(physicalAddressOf(self()), out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        send(new BytesMessage(dest, out.buffer(), 0, out.position()),
                new NodeHeader(NodeHeader.HELLO, req).nonces(nonce, null), true);
        return req;
    }

    private void handleHello(NodeHeader hdr, Message msg) throws IOException, ClassNotFoundException {
        Address from = msg.getSrc();
        if (hdr.nonceA == null || from == null || from.equals(self())) {
            return;
        }
        ByteArrayDataInputStream in = new ByteArrayDataInputStream(msg.getArray(), msg.getOffset(), msg.getLength());
        Address replyTo = Util.readAddress(in);
        if (!(replyTo instanceof PhysicalAddress physical)) {
            return;
        }
        addMapping(from, physical);
        byte[] mine = CookieSecret.newNonce();
        Session s = session(from);
        if (s == null) {
            return;
        }
        synchronized (s) {
            // Only the nonce we issue here is ever accepted from this peer. We do not adopt the prober's nonce:
            // a probe may be closed before our answer arrives, and the prober would then not know it.
            s.issue(mine);
        }
        byte[] mac = secret.mac(LABEL_ACK, hdr.nonceA, mine, id(self()), id(from));
        View v = view;
        ByteArrayDataOutputStream inner = new ByteArrayDataOutputStream(256);
        Util.writeView(v, inner);
        List<Address> members = v == null ? List.of() : v.getMembers();
        List<Tuple<Address, PhysicalAddress>> known = new ArrayList<>();
        for (Address m : members) {
            PhysicalAddress p = physicalAddressOf(m);
            if (p != null) {
                known.add(new Tuple<>(m, p));
            }
        }
        writeMappings(known, inner);
        // The ACK travels unsealed (a node with another cookie must learn that it has); the view and the
        // members' addresses inside it are sealed, so only a holder of the cookie can read them.
        byte[] sealedView = aead.seal(inner.buffer(), 0, inner.position());
        ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(sealedView.length + 32);
        Util.writeAddress(physicalAddressOf(self()), out);
        out.writeInt(sealedView.length);
        out.write(sealedView);
        send(new BytesMessage(physical, out.buffer(), 0, out.position()),
                new NodeHeader(NodeHeader.ACK, hdr.requestId).nonces(hdr.nonceA, mine).mac(mac), true);
    }

    private void handleAck(NodeHeader hdr, Message msg) throws IOException, ClassNotFoundException {
        Hello hello = hellos.get(hdr.requestId);
        Address from = msg.getSrc();
        if (hello == null || from == null || hdr.nonceB == null || !Arrays.equals(hello.nonce, hdr.nonceA)) {
            return;
        }
        ByteArrayDataInputStream in = new ByteArrayDataInputStream(msg.getArray(), msg.getOffset(), msg.getLength());
        Address phys = Util.readAddress(in);
        boolean authentic = secret.verify(hdr.mac, LABEL_ACK, hdr.nonceA, hdr.nonceB, id(from), id(self()));
        PhysicalAddress physical = phys instanceof PhysicalAddress p ? p : null;
        View v = null;
        Map<Address, PhysicalAddress> mappings = Map.of();
        if (authentic) {
            int n = in.readInt();
            if (n < 0 || n > in.limit() - in.position()) {
                throw new IOException("bad sealed view length " + n);
            }
            byte[] inner = aead.open(msg.getArray(), in.position(), n);
            if (inner == null) {
                throw new IOException("sealed view does not open");
            }
            ByteArrayDataInputStream vin = new ByteArrayDataInputStream(inner);
            v = Util.readView(vin);
            mappings = readMappings(vin);
            if (physical != null) {
                addMapping(from, physical);
            }
            Session s = session(from);
            if (s != null) {
                synchronized (s) {
                    s.theirs(hdr.nonceB);
                }
            }
        }
        hello.onAck.accept(new Ack(from, nameOf(from), authentic, v, physical, mappings));
    }

    // ------------------------------------------------------------------------------------------------------ gate

    /** Sends a message that must carry a cookie proof for its receiver, after a handshake if there is no nonce. */
    private void sendProven(Message msg, byte kind, Consumer<CookieToken> attach) {
        Address dest = msg.getDest();
        if (dest == null) {
            LOG.warn("{}: cannot prove the cookie on a multicast {} message; it will be rejected", self(), kind);
            down_prot.down(msg);
            return;
        }
        if (dest.equals(self())) {
            attach.accept(new CookieToken(null, selfSecret, true));
            down_prot.down(msg);
            return;
        }
        Session s = session(dest);
        if (s == null) {
            return;
        }
        boolean startHandshake;
        synchronized (s) {
            byte[] nonce = s.takeTheirs(kind);
            if (nonce != null) {
                attach.accept(new CookieToken(nonce, proof(kind, self(), dest, nonce), false));
                down_prot.down(msg);
                return;
            }
            if (s.queued.size() >= MAX_QUEUED_PER_PEER) {
                LOG.warn("{}: too many messages waiting for a handshake with {}; dropping one", self(), dest);
                return;
            }
            s.queued.add(new Pending(msg, kind, attach));
            startHandshake = !s.handshaking;
            s.handshaking = true;
        }
        if (startHandshake) {
            handshakeTick(dest, System.nanoTime());
        }
    }

    /**
     * Says HELLO to {@code dest}, and again every {@link #HELLO_RETRY_MS} until it answers or the handshake times
     * out. HELLOs are unreliable on purpose (a probe must not open a retransmission window with a stranger), and one
     * can be lost, e.g. on a TCP connection JGroups closes because both sides opened one at the same time.
     */
    private void handshakeTick(Address dest, long startedAt) {
        Session s = sessions.get(dest);
        if (s == null) {
            return;
        }
        int dropped = -1;
        List<Long> requests;
        synchronized (s) {
            if (!s.handshaking) {
                s.helloRequests.forEach(hellos::remove);
                s.helloRequests.clear();
                return;
            }
            if (System.nanoTime() - startedAt > TimeUnit.MILLISECONDS.toNanos(HANDSHAKE_TIMEOUT_MS)) {
                s.handshaking = false;
                dropped = s.queued.size();
                s.queued.clear();
            }
            requests = dropped >= 0 ? new ArrayList<>(s.helloRequests) : List.of();
            if (dropped >= 0) {
                s.helloRequests.clear();
            }
        }
        if (dropped >= 0) {
            requests.forEach(hellos::remove);
            LOG.debug("{}: no handshake answer from {} in {} ms; dropped {} message(s)", self(), dest,
                    HANDSHAKE_TIMEOUT_MS, dropped);
            return;
        }
        long req = sendHello(dest, ack -> handshakeDone(dest, ack));
        synchronized (s) {
            s.helloRequests.add(req);
        }
        getTransport().getTimer().schedule(() -> handshakeTick(dest, startedAt), HELLO_RETRY_MS,
                TimeUnit.MILLISECONDS, false);
    }

    private static final long HELLO_RETRY_MS = 200;

    private record Pending(Message msg, byte kind, Consumer<CookieToken> attach) {}

    private void handshakeDone(Address dest, Ack ack) {
        Session s = sessions.get(dest);
        if (s == null) {
            return;
        }
        List<Pending> ready = new ArrayList<>();
        synchronized (s) {
            if (!s.handshaking) {
                return; // a later answer to one of the repeated HELLOs: already done
            }
            s.handshaking = false;
            ready.addAll(s.queued);
            s.queued.clear();
            s.helloRequests.forEach(hellos::remove);
            s.helloRequests.clear();
        }
        if (!ack.authentic()) {
            if (foreign.size() < MAX_SESSIONS) {
                foreign.add(dest);
            }
            String reason = "node " + displayName(dest) + " does not share our cookie; not joining or merging with it";
            LOG.warn("{}: {}", self(), reason);
            securityListener.accept(reason);
            return;
        }
        for (Pending p : ready) {
            sendProven(p.msg(), p.kind(), p.attach());
        }
    }

    /**
     * A proof for {@code kind} to {@code dest} from a nonce {@code dest} issued us, or null if we hold none;
     * consumes it as sending would. For tests that replay a captured proof.
     */
    CookieToken proofFor(Address dest, byte kind) {
        Session s = sessions.get(dest);
        if (s == null) {
            return null;
        }
        synchronized (s) {
            byte[] nonce = s.takeTheirs(kind);
            return nonce == null ? null : new CookieToken(nonce, proof(kind, self(), dest, nonce), false);
        }
    }

    /** Checks a proof as a receiver does (for tests). */
    boolean accepts(CookieToken token, byte kind, Address from) {
        return verify(token, kind, from);
    }

    private byte[] proof(byte kind, Address sender, Address receiver, byte[] nonce) {
        return secret.mac(LABEL_GMS, new byte[] {kind}, id(sender), id(receiver), nonce);
    }

    /** Checks a token received with a join/merge message (called by {@link CookieToken#authenticate}). */
    boolean verify(CookieToken token, Message msg) {
        GMS.GmsHeader gms = msg.getHeader(GMS_ID);
        Address from = msg.getSrc();
        if (gms == null || from == null) {
            return false;
        }
        boolean ok = verify(token, gms.getType(), from);
        if (!ok) {
            String reason = "rejected " + GMS.GmsHeader.type2String(gms.getType()) + " from " + displayName(from)
                    + ": missing, forged or replayed cookie proof";
            LOG.warn("{}: {}", self(), reason);
            securityListener.accept(reason);
        }
        return ok;
    }

    private boolean verify(CookieToken token, byte kind, Address from) {
        if (token.self) {
            return from.equals(self()) && token.mac != null && Arrays.equals(token.mac, selfSecret);
        }
        if (token.nonce == null || token.mac == null) {
            return false;
        }
        Session s = sessions.get(from);
        if (s == null) {
            LOG.debug("{}: no handshake with {} for a kind {} proof", self(), from, kind);
            return false;
        }
        synchronized (s) {
            String why = s.consumeIssued(token.nonce, kind, n -> secret.verify(token.mac, LABEL_GMS, new byte[] {kind},
                    id(from), id(self()), n));
            if (why != null) {
                LOG.debug("{}: kind {} proof from {} refused: {}", self(), kind, from, why);
            }
            return why == null;
        }
    }

    // ----------------------------------------------------------------------------------------------------- probes

    /** Replies to HELLOs sent to physical addresses; poll {@link #replies()} and close when done. */
    public final class Probe implements AutoCloseable {
        private final BlockingQueue<Ack> replies = new LinkedBlockingQueue<>();
        private final List<Long> requests = new ArrayList<>();

        public BlockingQueue<Ack> replies() {
            return replies;
        }

        private final Map<PhysicalAddress, Long> lastSent = new HashMap<>();

        /** Says HELLO again to every target not in {@code answered} (a HELLO may be lost; they are unreliable). */
        public void resend(Collection<PhysicalAddress> answered) {
            for (PhysicalAddress t : new ArrayList<>(lastSent.keySet())) {
                if (!answered.contains(t)) {
                    long req = sendHello(t, replies::add);
                    requests.add(req);
                    lastSent.put(t, req);
                }
            }
        }

        @Override
        public void close() {
            requests.forEach(hellos::remove);
        }
    }

    /** Sends a HELLO to each address; answers arrive in the probe's queue. */
    public Probe probe(Collection<PhysicalAddress> targets) {
        Probe p = new Probe();
        PhysicalAddress mine = physicalAddressOf(self());
        for (PhysicalAddress t : targets) {
            if (!t.equals(mine)) {
                long req = sendHello(t, p.replies::add);
                p.requests.add(req);
                p.lastSent.put(t, req);
            }
        }
        return p;
    }

    private static final ViewId NO_VIEW = new ViewId();
    /** The view id each member reported in its last PONG (bounded by the members we ping). */
    private final Map<Address, ViewId> lastPongViews = new ConcurrentHashMap<>();

    /** The view id {@code member} reported in its last answer to a ping, or null. */
    public ViewId lastViewOf(Address member) {
        ViewId v = lastPongViews.get(member);
        return v == NO_VIEW ? null : v;
    }

    /** A round trip to a member: completes with System.nanoTime() at the answer, or null when stopped. */
    public CompletableFuture<Long> ping(Address member) {
        long req = requestIds.incrementAndGet();
        CompletableFuture<Long> f = new CompletableFuture<>();
        pings.put(req, f);
        f.whenComplete((v, e) -> pings.remove(req));
        send(new BytesMessage(member), new NodeHeader(NodeHeader.PING, req), true);
        return f;
    }

    // ------------------------------------------------------------------------------------------------------ merge

    /**
     * Asks both coordinators (ours and the one of {@code theirs}) to merge now. The merge leader JGroups picks
     * among them runs the merge; the other ignores the request.
     */
    public void triggerMerge(View theirs, Map<Address, PhysicalAddress> theirMappings) {
        View ours = view;
        if (ours == null || theirs == null) {
            return;
        }
        Map<Address, PhysicalAddress> all = new LinkedHashMap<>(theirMappings);
        for (Address m : ours.getMembers()) {
            PhysicalAddress p = physicalAddressOf(m);
            if (p != null) {
                all.put(m, p);
            }
        }
        all.forEach(this::addMapping);
        Set<Address> coords = new HashSet<>(List.of(ours.getCoord(), theirs.getCoord()));
        for (Address coord : coords) {
            byte[] payload = mergePayload(ours, theirs, all);
            if (coord.equals(self())) {
                startMerge(ours, theirs, all);
            } else {
                Message m = new BytesMessage(coord, payload, 0, payload.length).setFlag(Message.Flag.OOB);
                NodeHeader hdr = new NodeHeader(NodeHeader.MERGE, 0);
                m.putHeader(id, hdr);
                sendProven(m, KIND_MERGE_TRIGGER, token -> hdr.nonces(token.nonce, null).mac(token.mac));
            }
        }
    }

    private byte[] mergePayload(View a, View b, Map<Address, PhysicalAddress> mappings) {
        try {
            ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(512);
            Util.writeView(a, out);
            Util.writeView(b, out);
            List<Tuple<Address, PhysicalAddress>> list = new ArrayList<>();
            mappings.forEach((k, v) -> list.add(new Tuple<>(k, v)));
            writeMappings(list, out);
            return Arrays.copyOf(out.buffer(), out.position());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void handleMergeTrigger(NodeHeader hdr, Message msg) throws IOException, ClassNotFoundException {
        Address from = msg.getSrc();
        CookieToken token = new CookieToken(hdr.nonceA, hdr.mac, false);
        if (from == null || !verify(token, KIND_MERGE_TRIGGER, from)) {
            String reason = "rejected a merge request from " + displayName(from) + ": missing or replayed cookie proof";
            LOG.warn("{}: {}", self(), reason);
            securityListener.accept(reason);
            return;
        }
        ByteArrayDataInputStream in = new ByteArrayDataInputStream(msg.getArray(), msg.getOffset(), msg.getLength());
        View a = Util.readView(in);
        View b = Util.readView(in);
        Map<Address, PhysicalAddress> mappings = readMappings(in);
        startMerge(a, b, mappings);
    }

    private void startMerge(View a, View b, Map<Address, PhysicalAddress> mappings) {
        if (a == null || b == null) {
            return;
        }
        mappings.forEach(this::addMapping);
        View current = view;
        if (current != null && current.size() > 1 && current.getCoord().equals(self()) && !mappings.isEmpty()) {
            // Our members will need the other side's addresses once the merged view arrives; this reliable
            // multicast reaches them before the view does (same sender, FIFO).
            List<Tuple<Address, PhysicalAddress>> list = new ArrayList<>();
            mappings.forEach((k, v) -> list.add(new Tuple<>(k, v)));
            try {
                ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(256);
                writeMappings(list, out);
                Message m = new BytesMessage(null, out.buffer(), 0, out.position());
                m.putHeader(id, new NodeHeader(NodeHeader.MAPPINGS, 0));
                down_prot.down(m);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        Map<Address, View> views = new HashMap<>();
        views.put(a.getCoord(), a);
        views.put(b.getCoord(), b);
        up_prot.up(new Event(Event.MERGE, views));
    }

    private void handleMappings(Message msg) throws IOException, ClassNotFoundException {
        View v = view;
        if (v == null || !v.containsMember(msg.getSrc())) {
            return;
        }
        ByteArrayDataInputStream in = new ByteArrayDataInputStream(msg.getArray(), msg.getOffset(), msg.getLength());
        readMappings(in).forEach(this::addMapping);
    }

    // ------------------------------------------------------------------------------------------------ addresses

    public PhysicalAddress physicalAddressOf(Address a) {
        if (a == null) {
            return null;
        }
        Object p = down_prot.down(new Event(Event.GET_PHYSICAL_ADDRESS, a));
        return p instanceof PhysicalAddress pa ? pa : null;
    }

    /** Remembers where a node is, in the transport and in TCPPING's hosts (so MERGE3 finds it after a cut). */
    public void addMapping(Address logical, PhysicalAddress physical) {
        if (logical == null || physical == null || logical.equals(self())) {
            return;
        }
        // Passing down through TCPPING also adds the address to its dynamic hosts.
        down_prot.down(new Event(Event.ADD_PHYSICAL_ADDRESS, new Tuple<>(logical, physical)));
    }

    private static void writeMappings(List<Tuple<Address, PhysicalAddress>> list, ByteArrayDataOutputStream out)
            throws IOException {
        int n = Math.min(list.size(), MAX_MAPPINGS);
        out.writeShort(n);
        for (int i = 0; i < n; i++) {
            Util.writeAddress(list.get(i).val1(), out);
            Util.writeAddress(list.get(i).val2(), out);
        }
    }

    private static Map<Address, PhysicalAddress> readMappings(ByteArrayDataInputStream in) throws IOException, ClassNotFoundException {
        int n = in.readUnsignedShort();
        if (n > MAX_MAPPINGS) {
            throw new IOException("too many mappings: " + n);
        }
        Map<Address, PhysicalAddress> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            Address logical = Util.readAddress(in);
            Address physical = Util.readAddress(in);
            if (logical != null && physical instanceof PhysicalAddress p) {
                out.put(logical, p);
            }
        }
        return out;
    }

    private static String displayName(Address a) {
        String n = nameOf(a);
        return n != null ? n : String.valueOf(a);
    }

    // ---------------------------------------------------------------------------------------------------- sessions

    private Session session(Address peer) {
        Session s = sessions.get(peer);
        if (s != null) {
            return s;
        }
        if (sessions.size() >= MAX_SESSIONS) {
            sweep();
            if (sessions.size() >= MAX_SESSIONS) {
                LOG.warn("{}: {} handshake sessions open; refusing a new one with {}", self(), MAX_SESSIONS, peer);
                return null;
            }
        }
        return sessions.computeIfAbsent(peer, p -> new Session());
    }

    private void sweep() {
        long now = System.nanoTime();
        View v = view;
        observed.values().removeIf(o -> now - o.at > REASON_TTL_NANOS);
        sessions.entrySet().removeIf(e -> {
            Session s = e.getValue();
            synchronized (s) {
                return !s.handshaking && s.queued.isEmpty() && now - s.lastUsed > ISSUED_NONCE_TTL_NANOS
                        && (v == null || !v.containsMember(e.getKey()));
            }
        });
    }

    /** What we know of one peer's handshake state. Guarded by its own monitor. */
    private static final class Session {
        /** Nonces we issued to the peer: its proofs must use one, once per message kind. */
        final ArrayDeque<Issued> issued = new ArrayDeque<>();
        /** The newest nonce the peer issued to us, and the kinds we already used it for. */
        byte[] theirNonce;
        long theirNonceAt;
        final Set<Byte> theirUsedKinds = new HashSet<>();
        boolean handshaking;
        /** The HELLOs of the running handshake (one per retry). */
        final List<Long> helloRequests = new ArrayList<>();
        final List<Pending> queued = new ArrayList<>();
        long lastUsed = System.nanoTime();

        void issue(byte[] nonce) {
            lastUsed = System.nanoTime();
            if (issued.size() >= MAX_ISSUED_PER_PEER) {
                issued.removeFirst();
            }
            issued.addLast(new Issued(nonce, lastUsed, new HashSet<>()));
        }

        void theirs(byte[] nonce) {
            theirNonce = nonce;
            theirNonceAt = System.nanoTime();
            theirUsedKinds.clear();
        }

        byte[] takeTheirs(byte kind) {
            lastUsed = System.nanoTime();
            if (theirNonce == null || lastUsed - theirNonceAt > THEIR_NONCE_TTL_NANOS || !theirUsedKinds.add(kind)) {
                return null;
            }
            return theirNonce;
        }

        /** Null if the proof is valid and now used, else why it is refused. */
        String consumeIssued(byte[] nonce, byte kind, java.util.function.Predicate<byte[]> macMatches) {
            long now = System.nanoTime();
            lastUsed = now;
            for (Issued i : issued) {
                if (Arrays.equals(i.nonce, nonce)) {
                    if (now - i.at > ISSUED_NONCE_TTL_NANOS) {
                        return "nonce expired";
                    }
                    if (i.used.contains(kind)) {
                        return "nonce already used for this kind (replay)";
                    }
                    if (!macMatches.test(nonce)) {
                        return "wrong MAC (another cookie or forged)";
                    }
                    i.used.add(kind);
                    return null;
                }
            }
            return "nonce not issued to this peer (" + issued.size() + " issued)";
        }
    }

    private record Issued(byte[] nonce, long at, Set<Byte> used) {}
}
