package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.Message;
import org.jgroups.View;
import org.jgroups.ViewId;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.pbcast.DeltaView;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.util.Digest;
import org.jgroups.util.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JGroups' GMS, except that a member which got the last view of a coordinator that then crashed, when no other member
 * got it, accepts the successor's view. The successor numbers its view from the view it had, so both views carry the
 * same number, and stock GMS drops a view whose number is not above its own: the member went on listing the dead
 * coordinator (and everyone it had just removed) until MERGE3's consistency check merged it back, 7.3 s later with
 * the default settings, longer on busy machines (seen once in the 32-node test: one of 24 survivors still listed 31
 * after 15 s). Taken only when the sender made the view, was in ours, and no longer lists our view's maker. Same wire
 * format (the stock protocol id); {@link Stacks} puts it in place of pbcast.GMS.
 */
public class CoordinatorTakeover extends GMS {

    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorTakeover.class);

    public CoordinatorTakeover() {
        id = ClassConfigurator.getProtocolId(GMS.class);
    }

    @Override
    protected Object handle(GmsHeader hdr, Message msg) {
        if (hdr.getType() == GmsHeader.VIEW) {
            lock.lock(); // the lock view installation takes: no other view comes in between the check and the change
            try {
                View ours = view;
                View theirs = supersedes(ours, msg);
                if (theirs != null) {
                    LOG.info("{}: {} took over from {}, whose last view (number {}) reached only us: installing {}'s "
                            + "view of the same number", NodeAddress.nameOf(local_addr), NodeAddress.nameOf(msg.getSrc()),
                            NodeAddress.nameOf(ours.getCreator()), ours.getViewId().getId(),
                            NodeAddress.nameOf(msg.getSrc()));
                    // GMS compares view numbers only: number ours one below theirs and GMS installs theirs as usual
                    // (and acknowledges it) below.
                    view = new View(new ViewId(ours.getCreator(), theirs.getViewId().getId() - 1), ours.getMembers());
                }
            } finally {
                lock.unlock();
            }
        }
        return super.handle(hdr, msg);
    }

    /**
     * The full view in {@code msg} if it takes over from ours: same number, made by its sender, who was a member of
     * ours, lists us, and no longer lists the maker of ours. Null otherwise (a delta view cannot be read against a
     * view the sender never had; GMS then asks it for the full one, which comes here).
     */
    private View supersedes(View ours, Message msg) {
        Address from = msg.getSrc();
        if (ours == null || from == null || !ours.containsMember(from)) {
            return null;
        }
        Tuple<View, Digest> read = readViewAndDigest(msg.getArray(), msg.getOffset(), msg.getLength());
        View theirs = read == null ? null : read.val1();
        if (theirs == null || theirs instanceof DeltaView) {
            return null;
        }
        ViewId id = theirs.getViewId();
        boolean sameNumber = id.getId() == ours.getViewId().getId() && !id.equals(ours.getViewId());
        boolean takeover = from.equals(id.getCreator()) && theirs.containsMember(local_addr)
                && !theirs.containsMember(ours.getCreator());
        return sameNumber && takeover ? theirs : null;
    }
}
