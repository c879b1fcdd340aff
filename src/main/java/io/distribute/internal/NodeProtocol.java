package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.Event;
import org.jgroups.Message;
import org.jgroups.PhysicalAddress;
import org.jgroups.View;
import org.jgroups.ViewId;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.MERGE3;
import org.jgroups.stack.Protocol;
import org.jgroups.util.MessageBatch;
import org.jgroups.util.Responses;
import org.jgroups.util.Tuple;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * distribute's own protocol, placed right below AUTH (which is right below GMS). Every byte it reads came from a
 * cookie holder: the secure connection layer below JGroups authenticates each connection and datagram.
 *
 * <ul>
 *   <li><b>Cookie proof.</b> Puts a {@link CookieToken} on every join/merge message AUTH marks, and checks received
 *   ones for AUTH.</li>
 *   <li><b>GMS traffic.</b> Adds to and learns from GMS' own messages (see {@link GmsTraffic}).</li>
 *   <li><b>Ping.</b> PING/PONG round trip to a member over the channel (our own messages: {@link NodeMessages}).</li>
 *   <li><b>Merge trigger.</b> Asks a coordinator to merge two views now instead of waiting for MERGE3's timer.</li>
 *   <li><b>Departures.</b> Records leave requests and lost connections and sends them on the view message, so a
 *   removal is reported with its reason.</li>
 *   <li><b>Suspicions.</b> Checks and raises suspicions of members ({@link Suspicions}), and asks members whether they
 *   still count us when our view may be stale ({@link StaleViewCheck}).</li>
 * </ul>
 */
public class NodeProtocol extends Protocol {

    static final short PROTOCOL_ID = 1750;
    static final short HEADER_MAGIC = 1751;
    static final short TOKEN_MAGIC = 1752;

    static {
        ClassConfigurator.addProtocol(PROTOCOL_ID, NodeProtocol.class);
        ClassConfigurator.addIfAbsent(HEADER_MAGIC, NodeHeader.class);
        ClassConfigurator.addIfAbsent(TOKEN_MAGIC, CookieToken.class);
    }

    private JoinGuard joins;
    private final MergeTrigger merges = new MergeTrigger(this);
    private volatile SeedDiscovery seedDiscovery = new SeedDiscovery(0, null);
    private final Departures departures = new Departures(System::nanoTime);
    private final Suspicions suspicions = new Suspicions(this, departures);
    private final StaleViewCheck staleView = new StaleViewCheck(this, suspicions::verify);
    private final MergeGate mergeGate = new MergeGate(this::getAddress, departures);
    private final CrashEvidence crashes = new CrashEvidence(this, departures, suspicions::crashConfirmed);
    private final GmsTraffic gmsTraffic = new GmsTraffic(this, departures, merges, suspicions.relay());
    private final Pinger pinger = new Pinger((member, req) -> this.messages.ping(member, req));
    private final NodeMessages messages = new NodeMessages(this, pinger, merges, crashes);
    private volatile View view;
    private Future<?> sweeper;
    private volatile MergeCadence cadence;

    /**
     * How many other nodes this node's seeds name (discovery ends once that many answered) and, for a follower of the
     * {@link SeedOrder}, the name of the seed that starts the cluster (discovery also ends once it answered).
     */
    void expectSeeds(int others, String leader) {
        seedDiscovery = new SeedDiscovery(others, leader);
    }

    /**
     * Has the next initial discovery request answered with {@code answers} instead of asking (null: it asks as
     * usual); see {@link SeedDiscovery#keepForNext}.
     */
    void answerNextDiscoveryWith(Responses answers) {
        seedDiscovery.keepForNext(answers);
    }

    /** Sets the cluster key; called by the adapter before the channel connects. */
    void setSecret(CookieSecret secret) {
        this.joins = new JoinGuard(new CookieProof(secret), this::getAddress, () -> view);
    }

    /** Watches the next member's process (transports without connections); set before the channel connects. */
    void watchCrashes(io.distribute.internal.secure.SecureLayer layer, int timeoutMillis) {
        crashes.watchWith(layer, timeoutMillis);
    }

    /** The secure layer, through which a hint of a crash is checked; set before the channel connects. */
    void useLayer(io.distribute.internal.secure.SecureLayer layer) {
        crashes.useLayer(layer);
    }

    /**
     * The view the application has applied, which a PONG reports: connect's "both sides list each other" means the
     * peer's nodes() already lists us, not merely that its stack passed the view down (JGroups does that first).
     */
    void reportAppliedView(java.util.function.Supplier<View> applied) {
        messages.reportAppliedView(applied);
    }

    /** Called (on a JGroups thread; must be quick) with a reason whenever a join or merge fails the cookie check. */
    void setSecurityListener(Consumer<String> listener) {
        joins.onRefusal(listener);
    }

    @Override
    public void start() throws Exception {
        super.start();
        if (joins == null) {
            throw new IllegalStateException("NodeProtocol has no cookie secret");
        }
        sweeper = getTransport().getTimer().scheduleWithFixedDelay(departures::sweep, 10, 10, TimeUnit.SECONDS, false);
        crashes.listenTo(getTransport());
        MERGE3 merge = getProtocolStack().findProtocol(MERGE3.class);
        cadence = MergeCadence.of(merge, getTransport().getTimer());
        staleView.listenTo(merge);
    }

    @Override
    public void stop() {
        if (sweeper != null) {
            sweeper.cancel(false);
        }
        crashes.stop();
        MergeCadence c = cadence;
        if (c != null) {
            c.stop();
        }
        suspicions.stop();
        pinger.stop();
        super.stop();
    }

    // ---------------------------------------------------------------------------------------------- departures

    /** Why {@code member} left the view, as observed here or by the coordinator that removed it. */
    Departure reasonFor(Address member) {
        return departures.reasonFor(member);
    }

    private Address self() {
        return getAddress();
    }

    // ------------------------------------------------------------------------------------------- event plumbing

    @Override
    public Object down(Event evt) {
        if (evt.getType() == Event.VIEW_CHANGE) {
            View v = evt.getArg();
            view = v;
            suspicions.viewChanged(v);
            crashes.viewChanged(v);
            pinger.retainOnly(v::containsMember);
            staleView.viewChanged(v);
            MergeCadence c = cadence;
            if (c != null) {
                c.viewChanged(v.size()); // before MERGE3, below, restarts its rounds for this view
            }
        } else if (evt.getType() == Event.FIND_INITIAL_MBRS) {
            Object kept = seedDiscovery.takeKept();
            if (kept != null) {
                return kept;
            }
            Object answers = down_prot.down(evt);
            Object timeout = evt.getArg();
            seedDiscovery.watch(answers, timeout instanceof Long t ? t : 0, getTransport().getTimer());
            return answers;
        }
        return down_prot.down(evt);
    }

    @Override
    public Object up(Event evt) {
        switch (evt.getType()) {
            case Event.SUSPECT -> suspicions.suspected(evt.getArg());
            case Event.UNSUSPECT -> suspicions.alive(evt.getArg());
            case Event.MERGE -> {
                Map<Address, View> views = mergeGate.admit(evt.getArg());
                return views == null ? null : up_prot.up(new Event(Event.MERGE, views));
            }
            default -> { }
        }
        return up_prot.up(evt);
    }

    @Override
    public Object down(Message msg) {
        gmsTraffic.outgoing(msg, view, joins);
        return down_prot.down(msg);
    }

    @Override
    public Object up(Message msg) {
        NodeHeader hdr = msg.getHeader(id);
        if (GmsTraffic.passesUp(hdr)) {
            gmsTraffic.incoming(hdr, msg, view);
            return up_prot.up(msg);
        }
        messages.handle(hdr, msg);
        return null;
    }

    @Override
    public void up(MessageBatch batch) {
        for (Iterator<Message> it = batch.iterator(); it.hasNext(); ) {
            Message msg = it.next();
            NodeHeader hdr = msg.getHeader(id);
            if (GmsTraffic.passesUp(hdr)) {
                gmsTraffic.incoming(hdr, msg, view);
            } else {
                it.remove();
                messages.handle(hdr, msg);
            }
        }
        if (!batch.isEmpty()) {
            up_prot.up(batch);
        }
    }

    // ------------------------------------------------------------------------------------------------------ ping

    /** The view id {@code member} reported in its last answer to a ping, or null. */
    public ViewId lastViewOf(Address member) {
        return pinger.lastViewOf(member);
    }

    /** A round trip to a member in nanoseconds, or -1 if it did not answer within the timeout (see {@link Pinger}). */
    public long ping(Address member, long timeoutNanos) throws InterruptedException {
        return pinger.roundTrip(member, timeoutNanos);
    }

    // ------------------------------------------------------------------------------------------------------ merge

    /** Asks both coordinators (ours and the one of {@code theirs}) to merge now (see {@link MergeTrigger}). */
    public void triggerMerge(View theirs, Map<Address, PhysicalAddress> theirMappings) {
        merges.trigger(view, theirs, theirMappings);
    }

    View view() {
        return view;
    }

    /** The node's crash evidence (for tests: its counters, and hints given by hand). */
    CrashEvidence crashEvidence() {
        return crashes;
    }

    /** How often MERGE3 runs now (null without MERGE3; for tests). */
    MergeCadence mergeCadence() {
        return cadence;
    }

    /**
     * {@code theirs}, the view of a cluster we are merging with, lists members of our view but not us: ask each of
     * them whether it still counts us (see {@link StaleViewCheck}).
     */
    void checkStale(View theirs) {
        staleView.check(theirs);
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

    // ------------------------------------------------------------------------------------------------ the token

    /** The token this node would put on a message of GMS kind {@code kind} to {@code receiver} (for tests). */
    CookieToken tokenFor(byte kind, Address receiver) {
        return joins.token(kind, receiver);
    }

    /** Checks a token received with a join/merge message (called by {@link CookieToken#authenticate}). */
    boolean verify(CookieToken token, Message msg) {
        return joins.admit(token, msg);
    }
}
