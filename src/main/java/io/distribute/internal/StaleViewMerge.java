package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.Message;
import org.jgroups.View;
import org.jgroups.ViewId;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.MERGE3;
import org.jgroups.util.ByteArrayDataInputStream;
import org.jgroups.util.ByteArrayDataOutputStream;
import org.jgroups.util.Util;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * JGroups' MERGE3 that also notices when this node may be left in a stale view: a member of our view announces (in
 * MERGE3's INFO) a newer view than ours. Either we are only behind (its view lists us, ours comes) or its cluster
 * moved on without us, when a merge took an older view of our side. The second is stuck for good in stock JGroups:
 * the members' INFOs count as heartbeats, so we never suspect them, and MERGE3 at their coordinator asks our view's
 * maker for "our" view, which answers with its new one (seen with 8 nodes started together beside a 24-node
 * cluster: one listed all 31 for 20 s while the 31 did not list it). The listener asks such a member whether it is
 * alive (VERIFY_SUSPECT2): one that counts us answers, one that does not stays silent ({@link VerifySuspect}) and is
 * dropped, after which MERGE3 merges us back. Same wire format (the stock protocol id); {@link Stacks} puts it in
 * place of MERGE3.
 */
public class StaleViewMerge extends MERGE3 {

    /** MERGE3's wire code for INFO (the ordinal of its header type, which is not visible here). */
    private static final byte INFO = 0;

    private volatile Consumer<Address> newerViewListener = a -> { };

    public StaleViewMerge() {
        id = ClassConfigurator.getProtocolId(MERGE3.class);
    }

    /** Called with a member of our view that announced a newer view than ours (on a JGroups thread; quick). */
    void onNewerView(Consumer<Address> listener) {
        newerViewListener = listener;
    }

    @Override
    protected Object handle(MergeHeader hdr, Message msg) {
        Object result = super.handle(hdr, msg);
        View ours = view;
        Address from = msg.getSrc();
        if (ours != null && from != null && !from.equals(local_addr) && ours.containsMember(from)) {
            ViewId theirs = announcedView(hdr);
            if (theirs != null && theirs.getId() > ours.getViewId().getId()) {
                newerViewListener.accept(from);
            }
        }
        return result;
    }

    /** The view id of an INFO, read from the header's wire form (its fields are not visible here); null otherwise. */
    private static ViewId announcedView(MergeHeader hdr) {
        ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(128);
        try {
            hdr.writeTo(out);
            ByteArrayDataInputStream in = new ByteArrayDataInputStream(out.buffer(), 0, out.position());
            return in.readByte() == INFO ? Util.readViewId(in) : null;
        } catch (IOException | ClassNotFoundException e) {
            return null;
        }
    }
}
