package io.distribute.internal;

import io.distribute.cluster.DownReason;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.EmptyMessage;
import org.jgroups.Event;
import org.jgroups.Message;
import org.jgroups.PhysicalAddress;
import org.jgroups.View;
import org.jgroups.ViewId;
import org.jgroups.blocks.cs.BaseServer;
import org.jgroups.blocks.cs.Connection;
import org.jgroups.blocks.cs.ConnectionListener;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.AUTH;
import org.jgroups.protocols.AuthHeader;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.stack.Protocol;
import org.jgroups.util.ExtendedUUID;
import org.jgroups.util.MessageBatch;
import org.jgroups.util.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * distribute's own protocol, placed right below AUTH (which is right below GMS). Every byte it reads came from a
 * cookie holder: the secure connection layer below JGroups authenticates each connection and datagram.
 *
 * <ul>
 *   <li><b>Cookie proof.</b> Puts a {@link CookieToken} on every join/merge message AUTH marks, and checks received
 *   ones for AUTH.</li>
 *   <li><b>Ping.</b> PING/PONG round trip to a member over the channel.</li>
 *   <li><b>Merge trigger.</b> Asks a coordinator to merge two views now instead of waiting for MERGE3's timer.</li>
 *   <li><b>Departures.</b> Records leave requests and lost connections and sends them on the view message, so a
 *   removal is reported with its reason.</li>
 *   <li><b>Probe answers.</b> What this node tells a prober (see {@link ProbeAnswers}).</li>
 * </ul>
 */
public class NodeProtocol extends Protocol {

    static final short PROTOCOL_ID = 1750;
    static final short HEADER_MAGIC = 1751;
    static final short TOKEN_MAGIC = 1752;
    /** The ExtendedUUID key carrying the node name, so that every view carries every member's name. */
    static final String NAME_KEY = "distribute.name";

    static {
        ClassConfigurator.addProtocol(PROTOCOL_ID, NodeProtocol.class);
        ClassConfigurator.addIfAbsent(HEADER_MAGIC, NodeHeader.class);
        ClassConfigurator.addIfAbsent(TOKEN_MAGIC, CookieToken.class);
    }

    private static final Logger LOG = LoggerFactory.getLogger(NodeProtocol.class);
    private static final short GMS_ID = ClassConfigurator.getProtocolId(GMS.class);
    private static final short AUTH_ID = ClassConfigurator.getProtocolId(AUTH.class);

    private CookieProof proof;
    private final MergeTrigger merges = new MergeTrigger(this);
    private final SuspicionRelay suspicions = new SuspicionRelay(() -> getTransport().getTimer(), () -> this.view,
            a -> up_prot.up(new Event(Event.SUSPECT, List.of(a))));
    private final Departures departures = new Departures(System::nanoTime);
    private final Map<Long, CompletableFuture<Long>> pings = new ConcurrentHashMap<>();
    private final AtomicLong requestIds = new AtomicLong(System.nanoTime());
    private volatile View view;
    private volatile Consumer<String> securityListener = s -> { };
    private volatile CrashWatch crashWatch;
    private Future<?> sweeper;

    /** Sets the cluster key; called by the adapter before the channel connects. */
    void setSecret(CookieSecret secret) {
        this.proof = new CookieProof(secret);
    }

    /** Watches the next member's process (transports without connections); set before the channel connects. */
    void watchCrashes(io.distribute.internal.secure.SecureLayer layer, int timeoutMillis) {
        this.crashWatch = new CrashWatch(layer, this::physicalAddressOf, this::crashSeen, timeoutMillis);
    }

    /**
     * The watch connection to {@code member} closed without its goodbye: its process is gone. Tell everyone (the
     * coordinator labels the removal) and have VERIFY_SUSPECT2 confirm it here.
     */
    private void crashSeen(Address member) {
        departures.record(member, DownReason.CRASHED);
        NodeHeader hdr = new NodeHeader(NodeHeader.CRASHED, 0)
                .reasons(new Address[] {member}, new byte[] {Departures.code(DownReason.CRASHED)});
        send(new BytesMessage(null), hdr);
        suspectBelow(member);
    }

    /** Raises a suspicion where FD protocols do, so VERIFY_SUSPECT2 checks it before GMS acts. */
    private void suspectBelow(Address member) {
        View v = view;
        if (v == null || !v.containsMember(member) || member.equals(self())) {
            return;
        }
        Protocol verify = getProtocolStack().findProtocol(org.jgroups.protocols.VERIFY_SUSPECT2.class);
        Event e = new Event(Event.SUSPECT, List.of(member));
        if (verify != null) {
            verify.up(e);
        } else {
            up_prot.up(e);
        }
    }

    /** Called (on a JGroups thread; must be quick) with a reason whenever a join or merge fails the cookie check. */
    void setSecurityListener(Consumer<String> listener) {
        this.securityListener = listener;
    }

    @Override
    public void start() throws Exception {
        super.start();
        if (proof == null) {
            throw new IllegalStateException("NodeProtocol has no cookie secret");
        }
        sweeper = getTransport().getTimer().scheduleWithFixedDelay(departures::sweep, 10, 10, TimeUnit.SECONDS, false);
        listenToConnections();
    }

    @Override
    public void stop() {
        if (sweeper != null) {
            sweeper.cancel(false);
        }
        CrashWatch w = crashWatch;
        if (w != null) {
            w.stop();
        }
        pings.values().forEach(f -> f.complete(null));
        pings.clear();
        super.stop();
    }

    // ---------------------------------------------------------------------------------------------- departures

    /** Why {@code member} left the view, as observed here or by the coordinator that removed it. */
    public DownReason reasonFor(Address member) {
        return departures.reasonFor(member);
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
                departures.record(m, DownReason.CRASHED);
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
            if (f.get(tcp) instanceof BaseServer server) {
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

    private Address self() {
        return getAddress();
    }

    private static String displayName(Address a) {
        String n = nameOf(a);
        return n != null ? n : String.valueOf(a);
    }

    // ------------------------------------------------------------------------------------------- event plumbing

    @Override
    public Object down(Event evt) {
        if (evt.getType() == Event.VIEW_CHANGE) {
            View v = evt.getArg();
            view = v;
            suspicions.viewChanged(v);
            CrashWatch w = crashWatch;
            if (w != null) {
                w.viewChanged(v, self());
            }
            lastPongViews.keySet().removeIf(a -> !v.containsMember(a));
        }
        return down_prot.down(evt);
    }

    @Override
    public Object up(Event evt) {
        switch (evt.getType()) {
            case Event.SUSPECT -> {
                Collection<Address> suspected = evt.getArg();
                suspected.forEach(suspicions::suspected);
            }
            case Event.UNSUSPECT -> {
                Address alive = evt.getArg();
                suspicions.alive(alive);
                // The member answered VERIFY_SUSPECT2: a connection of its that closed did not mean it died (JGroups
                // closes one of two connections opened at the same time). Forget that observation.
                departures.alive(alive);
            }
            case Event.MERGE -> {
                Map<Address, View> views = withoutDeparted(evt.getArg());
                if (views.size() < 2) {
                    return null;
                }
                return up_prot.up(new Event(Event.MERGE, views));
            }
            default -> { }
        }
        return up_prot.up(evt);
    }

    /**
     * MERGE3 may still hold the view a node sent just before it left, which would merge it back for a moment: leave
     * out views whose coordinator has left. A restarted node has a new address.
     */
    private Map<Address, View> withoutDeparted(Map<Address, View> views) {
        Map<Address, View> kept = new HashMap<>();
        views.forEach((k, v) -> {
            if (!departures.left(k) && (v == null || !departures.left(v.getCoord()))) {
                kept.put(k, v);
            }
        });
        return kept;
    }

    @Override
    public Object down(Message msg) {
        GMS.GmsHeader gms = msg.getHeader(GMS_ID);
        if (gms != null && gms.getType() == GMS.GmsHeader.VIEW) {
            NodeHeader reasons = departures.header(NodeHeader.MAX_REASONS);
            if (reasons != null) {
                msg.putHeader(id, reasons);
            }
            return down_prot.down(msg);
        }
        AuthHeader auth = msg.getHeader(AUTH_ID);
        if (gms != null && auth != null && auth.getToken() instanceof CookieToken) {
            auth.setToken(proof.token(gms.getType(), self(), msg.getDest()));
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

    /** Learns from GMS traffic passing up: leave requests, removal reasons riding on views, duplicate views. */
    private void observe(NodeHeader hdr, Message msg) {
        if (hdr != null) {
            departures.learn(hdr);
        }
        GMS.GmsHeader gms = msg.getHeader(GMS_ID);
        if (gms == null) {
            return;
        }
        if (gms.getType() == GMS.GmsHeader.LEAVE_REQ) {
            Address leaver = gms.getMember() != null ? gms.getMember() : msg.getSrc();
            departures.record(leaver, DownReason.LEFT);
            // GMS drops a leave request that arrives while a merge holds its queue; the leaver is gone by then
            // and would stay listed until heartbeats time out. Raise it as a suspect until it is out of the view.
            suspicions.suspected(leaver);
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

    private void handle(NodeHeader hdr, Message msg) {
        try {
            switch (hdr.type) {
                case NodeHeader.PING -> send(new BytesMessage(msg.getSrc()), new NodeHeader(NodeHeader.PONG, hdr.requestId)
                        .viewId(view == null ? null : view.getViewId()));
                case NodeHeader.PONG -> {
                    lastPongViews.put(msg.getSrc(), hdr.viewId == null ? NO_VIEW : hdr.viewId);
                    CompletableFuture<Long> f = pings.remove(hdr.requestId);
                    if (f != null) {
                        f.complete(System.nanoTime());
                    }
                }
                case NodeHeader.MERGE -> merges.received(msg);
                case NodeHeader.CRASHED -> {
                    departures.learn(hdr);
                    if (hdr.members.length == 1) {
                        suspectBelow(hdr.members[0]);
                    }
                }
                case NodeHeader.MAPPINGS -> merges.mappingsReceived(msg, view);
                default -> LOG.debug("{}: dropping message of unknown type {} from {}", self(), hdr.type, msg.getSrc());
            }
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            // Malformed input (a bug or another version): drop it, never let it escape into JGroups' threads.
            LOG.debug("{}: dropping malformed {} from {}: {}", self(), hdr, msg.getSrc(), e.toString());
        }
    }

    /** Sends one of our own messages: out of band, unreliable (pings are retried by their callers). */
    private void send(Message msg, NodeHeader hdr) {
        msg.putHeader(id, hdr).setFlag(Message.Flag.OOB, Message.Flag.NO_RELIABILITY, Message.Flag.NO_FC,
                Message.Flag.DONT_BUNDLE);
        down_prot.down(msg);
    }

    // ------------------------------------------------------------------------------------------------------ ping

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
        send(new BytesMessage(member), new NodeHeader(NodeHeader.PING, req));
        return f;
    }

    // ------------------------------------------------------------------------------------------------------ merge

    /** Asks both coordinators (ours and the one of {@code theirs}) to merge now (see {@link MergeTrigger}). */
    public void triggerMerge(View theirs, Map<Address, PhysicalAddress> theirMappings) {
        merges.trigger(view, theirs, theirMappings);
    }

    View view() {
        return view;
    }

    void sendDown(Message msg) {
        down_prot.down(msg);
    }

    void passUp(Event evt) {
        up_prot.up(evt);
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

    /** This node's answer to a probe from a cookie holder: who it is, where it and its members listen. */
    byte[] probeAnswer() {
        View v = view;
        Map<Address, PhysicalAddress> known = new LinkedHashMap<>();
        if (v != null) {
            for (Address m : v.getMembers()) {
                PhysicalAddress p = physicalAddressOf(m);
                if (p != null) {
                    known.put(m, p);
                }
            }
        }
        return ProbeAnswers.write(self(), physicalAddressOf(self()), v, known);
    }

    // ------------------------------------------------------------------------------------------------ the token

    /** The token this node would put on a message of GMS kind {@code kind} to {@code receiver} (for tests). */
    CookieToken tokenFor(byte kind, Address receiver) {
        return proof.token(kind, self(), receiver);
    }

    /** Checks a token received with a join/merge message (called by {@link CookieToken#authenticate}). */
    boolean verify(CookieToken token, Message msg) {
        GMS.GmsHeader gms = msg.getHeader(GMS_ID);
        Address from = msg.getSrc();
        boolean ok = proof.verify(token, msg);
        if (!ok) {
            String reason = "rejected " + (gms == null ? "a message" : GMS.GmsHeader.type2String(gms.getType()))
                    + " from " + displayName(from) + ": missing or wrong cookie proof";
            LOG.warn("{}: {}", self(), reason);
            securityListener.accept(reason);
        }
        return ok;
    }
}
