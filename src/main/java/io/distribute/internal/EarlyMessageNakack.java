package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.Event;
import org.jgroups.Message;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.NakAckHeader2;
import org.jgroups.util.MessageBatch;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * JGroups' NAKACK2, except that a multicast from a member it has no table for yet is kept for a moment instead of
 * dropped, and delivered once the view's digest lists that member. Same wire format (the stock protocol id); {@link
 * Stacks} puts it in place of pbcast.NAKACK2.
 * <p>
 * In a merge every subgroup's coordinator multicasts the merged view, and on TCP its copy reaches the members of the
 * other subgroups too, before they have installed the view themselves: stock NAKACK2 drops it (sender unknown), and
 * the digest they install next says that message is due. Every later multicast of that sender then waits behind the
 * gap until a retransmission, two retransmission intervals later: two 3-node clusters merged by {@code connect}
 * listed all six after 27 ms at the median but 291-299 ms at the 90th percentile (30 merges, 200 ms interval).
 * Retransmitting more often would cost every idle node CPU; holding the few early messages costs nothing.
 * <p>
 * Only cookie holders' bytes reach this layer; still, at most {@link #MAX_HELD} messages are kept, each at most
 * {@link #HOLD_NANOS}.
 */
public class EarlyMessageNakack extends NAKACK2 {

    static final int MAX_HELD = 256;
    static final long HOLD_NANOS = TimeUnit.SECONDS.toNanos(2);

    private record Held(Message msg, NakAckHeader2 hdr, long at) {}

    private final LinkedList<Held> held = new LinkedList<>(); // guarded by itself, oldest first

    public EarlyMessageNakack() {
        id = ClassConfigurator.getProtocolId(NAKACK2.class);
    }

    @Override
    protected void handleMessage(Message msg, NakAckHeader2 hdr) {
        if (!xmit_table.containsKey(msg.getSrc()) && hold(msg, hdr)) {
            return;
        }
        super.handleMessage(msg, hdr);
    }

    @Override
    protected void handleMessageBatch(MessageBatch mb) {
        if (!xmit_table.containsKey(mb.sender())) {
            for (Message m : mb) {
                NakAckHeader2 hdr = m == null ? null : m.getHeader(id);
                if (hdr != null && hdr.getType() == NakAckHeader2.MSG) {
                    hold(m.getSrc() == null ? m.setSrc(mb.sender()) : m, hdr);
                }
            }
        }
        super.handleMessageBatch(mb); // drops the batch's messages from an unknown sender, as before
    }

    @Override
    public Object down(Event evt) {
        Object result = super.down(evt);
        if (evt.getType() == Event.VIEW_CHANGE && hasHeld()) {
            // The digest came just before the view; deliver on another thread once GMS has passed the view up (it
            // holds its lock while the view goes down and up, and the upper layers must see the view first).
            getTransport().getTimer().execute(this::deliverHeld, false);
        }
        return result;
    }

    private boolean hasHeld() {
        synchronized (held) {
            return !held.isEmpty();
        }
    }

    /** Keeps an early message; false if it cannot be kept (it is then dropped as stock NAKACK2 drops it). */
    private boolean hold(Message msg, NakAckHeader2 hdr) {
        if (msg.getSrc() == null || msg.getSrc().equals(local_addr)) {
            return false;
        }
        long now = System.nanoTime();
        synchronized (held) {
            expire(now);
            if (held.size() >= MAX_HELD) {
                return false;
            }
            held.add(new Held(msg, hdr, now));
            return true;
        }
    }

    /** Hands the kept messages of senders that now have a table to NAKACK2, in sequence order. */
    private void deliverHeld() {
        List<Held> ready = new ArrayList<>();
        synchronized (held) {
            if (held.isEmpty()) {
                return;
            }
            expire(System.nanoTime());
            for (Iterator<Held> it = held.iterator(); it.hasNext(); ) {
                Held h = it.next();
                if (xmit_table.containsKey(h.msg.getSrc())) {
                    ready.add(h);
                    it.remove();
                }
            }
        }
        ready.sort(Comparator.comparingLong(h -> h.hdr.getSeqno()));
        for (Held h : ready) {
            super.handleMessage(h.msg, h.hdr); // a seqno the digest says was delivered already is ignored there
        }
    }

    private void expire(long now) {
        while (!held.isEmpty() && now - held.getFirst().at > HOLD_NANOS) {
            held.removeFirst();
        }
    }

    /** Messages kept now (for tests). */
    int heldCount() {
        synchronized (held) {
            return held.size();
        }
    }

    /** Whether a sender is one this protocol has a table for (for tests). */
    boolean knows(Address sender) {
        return xmit_table.containsKey(sender);
    }
}
