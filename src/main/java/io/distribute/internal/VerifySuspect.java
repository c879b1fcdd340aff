package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.EmptyMessage;
import org.jgroups.Event;
import org.jgroups.Message;
import org.jgroups.View;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.util.Bits;
import org.jgroups.util.ByteArrayDataInputStream;
import org.jgroups.util.ByteArrayDataOutputStream;
import org.jgroups.util.MessageBatch;
import org.jgroups.util.Util;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * JGroups' VERIFY_SUSPECT2, checking its suspects when one is due instead of polling. The stock protocol wakes a pool
 * thread every {@code timeout} for the node's whole life, suspects or not: with distribute's 25 ms that was 40 wake-ups
 * a second per idle node. Here a suspicion schedules its own check, 1.5 x timeout later (the stock poll's average).
 * Same wire format (the stock protocol id); {@link Stacks} puts it in place of VERIFY_SUSPECT2.
 *
 * <p>One answer differs: a node asked "are you dead?" by a node that is not in its view, from an older view than its
 * own, stays silent. The asker lists it as a member but it does not list the asker, so for the asker it is gone:
 * typically the asker's coordinator moved on in a merge that left the asker out, and the stock answer ("alive") kept
 * the asker in that stale view for good, never merged (seen with 16 nodes started at once, and in the three-node
 * demo). Silent, the asker's suspicion stands, it drops the members that moved on, and MERGE3 merges it back as a
 * cluster of its own. The question carries the asker's view id for this: an asker with a newer view is answered as
 * usual, since then it is this node that has not yet installed the view that lists the asker (a slow member; being
 * silent would have it removed although alive).
 */
public class VerifySuspect extends VERIFY_SUSPECT2 {

    /** A check that finds a suspect not quite due (clock granularity) looks again this soon. */
    private static final long RECHECK_MILLIS = 2;
    /** VERIFY_SUSPECT2's wire code for "are you dead?" (its constant is package-private). */
    private static final short ARE_YOU_DEAD = 1;

    private volatile boolean stopped;
    /** This node's view; null before the first one. */
    private volatile View view;

    public VerifySuspect() {
        id = ClassConfigurator.getProtocolId(VERIFY_SUSPECT2.class);
    }

    @Override
    public synchronized void start() {
        running = true; // and no periodic task: see addSuspects
        stopped = false;
    }

    @Override
    public synchronized void stop() {
        stopped = true;
        patient.clear();
        super.stop();
    }

    @Override
    public Object down(Event evt) {
        if (evt.getType() == Event.VIEW_CHANGE) {
            view = evt.getArg();
        }
        return super.down(evt);
    }

    @Override
    public Object up(Message msg) {
        if (unanswered(msg)) {
            return null;
        }
        return super.up(msg);
    }

    @Override
    public void up(MessageBatch batch) {
        batch.removeIf(this::unanswered, true);
        if (!batch.isEmpty()) {
            super.up(batch);
        }
    }

    /** An "are you dead?" from a node that is not in our view, with an older view: see the class comment. */
    private boolean unanswered(Message msg) {
        View v = view;
        VerifyHeader hdr = msg.getHeader(id);
        if (hdr == null || v == null || msg.getSrc() == null || v.containsMember(msg.getSrc()) || !asksIfDead(hdr)) {
            return false;
        }
        NodeHeader asker = msg.getHeader(NodeProtocol.PROTOCOL_ID);
        if (asker != null && asker.type == NodeHeader.ASKER_VIEW && asker.viewId != null
                && asker.viewId.getId() > v.getViewId().getId()) {
            log.debug("%s: %s, not in our view %s but in its newer %s, asked whether we are dead: we answer",
                    local_addr, msg.getSrc(), v.getViewId(), asker.viewId);
            return false;
        }
        log.debug("%s: %s, not in our view %s, asked whether we are dead: no answer, so that it drops us",
                local_addr, msg.getSrc(), v.getViewId());
        return true;
    }

    /** As the stock protocol, with our view id on the question (see the class comment). */
    @Override
    protected void verifySuspect(Collection<Address> mbrs) {
        if (mbrs == null || mbrs.isEmpty()) {
            return;
        }
        addSuspects(mbrs);
        mbrs.forEach(this::ask);
    }

    private void ask(Address mbr) {
        View v = view;
        for (int i = 0; i < num_msgs; i++) {
            Message msg = new EmptyMessage(mbr).setFlag(Message.TransientFlag.DONT_BLOCK).putHeader(id, areYouDead());
            if (v != null) {
                msg.putHeader(NodeProtocol.PROTOCOL_ID, new NodeHeader(NodeHeader.ASKER_VIEW, 0).viewId(v.getViewId()));
            }
            down_prot.down(msg);
        }
    }

    /** Members asked by {@link #askPatiently} whose answer is still awaited. */
    private final Set<Address> patient = ConcurrentHashMap.newKeySet();

    /**
     * Asks {@code mbr} whether it is alive and gives it {@code windowMillis} to answer before it is verified as a
     * suspect (asked again, with the usual short timeout). For questions that are not failure detection, such as
     * "does it still count us?": the short timeout is for a member whose heartbeats already stopped, and a busy member
     * that needs a new TLS connection to answer can take far longer (16 nodes started at once on 2 cores: live members
     * removed after 37 ms without an answer).
     */
    void askPatiently(Address mbr, long windowMillis) {
        if (stopped || timer == null || !patient.add(mbr)) {
            return;
        }
        ask(mbr);
        timer.schedule(() -> {
            if (patient.remove(mbr) && !stopped) {
                verifySuspect(List.of(mbr));
            }
        }, windowMillis, TimeUnit.MILLISECONDS, true);
    }

    @Override
    public void unsuspect(Address mbr) {
        if (mbr != null && patient.remove(mbr)) {
            log.trace("%s: %s answered in time", local_addr, mbr);
        }
        super.unsuspect(mbr);
    }

    /** The stock "are you dead?" header from us, built from its wire form (its constructors are package-private). */
    private VerifyHeader areYouDead() {
        ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(64);
        VerifyHeader hdr = new VerifyHeader();
        try {
            out.writeShort(ARE_YOU_DEAD);
            Util.writeAddress(local_addr, out);
            hdr.readFrom(new ByteArrayDataInputStream(out.buffer(), 0, out.position()));
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException("cannot build VERIFY_SUSPECT2's header", e);
        }
        return hdr;
    }

    /** The header's kind is not visible outside JGroups' package: read it from the wire form (a short first). */
    private static boolean asksIfDead(VerifyHeader hdr) {
        ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(64);
        try {
            hdr.writeTo(out);
        } catch (IOException e) {
            return false;
        }
        return Bits.readShort(out.buffer(), 0) == ARE_YOU_DEAD;
    }

    @Override
    protected synchronized void addSuspects(Collection<Address> list) {
        super.addSuspects(list);
        if (list != null && !list.isEmpty()) {
            // The stock poll found a suspect between timeout and twice that after it was added (1.5 x on average):
            // checking at 1.5 x keeps a member that answers a little late (a lossy link) as safe as it was.
            checkIn(timeout + timeout / 2);
        }
    }

    @Override
    public void run() {
        if (stopped) {
            return;
        }
        super.run();
        boolean more;
        synchronized (this) {
            more = !suspects.isEmpty();
        }
        if (more) {
            checkIn(RECHECK_MILLIS);
        }
    }

    private void checkIn(long millis) {
        if (!stopped && timer != null) {
            timer.schedule(this, millis, TimeUnit.MILLISECONDS, true); // true: on the pool, as the stock task ran
        }
    }
}
