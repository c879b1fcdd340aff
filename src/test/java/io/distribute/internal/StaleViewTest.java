package io.distribute.internal;

import io.distribute.cluster.ClusterNode;
import io.distribute.testing.TestCluster;
import org.jgroups.Address;
import org.jgroups.EmptyMessage;
import org.jgroups.Event;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.View;
import org.jgroups.ViewId;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.stack.Protocol;
import org.jgroups.util.ByteArrayDataInputStream;
import org.jgroups.util.ByteArrayDataOutputStream;
import org.jgroups.util.UUID;
import org.jgroups.util.Util;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A member left behind in a view its coordinator has moved on from, as after a merge that took an older view of its
 * subgroup: nobody told it, nothing is lost on the wire and every process is alive, so only the stale member can
 * notice, by suspecting members that no longer send to it. Seen with 16 nodes started at once (2 of 7 runs never
 * formed one view) and in the three-node demo: JGroups' stock "are you dead?" answer ("alive") kept the stale member
 * in its view for good. {@link VerifySuspect} does not answer a node outside its view.
 */
class StaleViewTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aMemberLeftInAStaleViewRejoins() {
        try (TestCluster c = TestCluster.of("stale", 3)) {
            ClusterNode stale = c.get(2);
            List<JChannel> moving = List.of(Channels.of(c.get(0)), Channels.of(c.get(1)));
            View old = moving.get(0).getView();
            Address left = Channels.of(stale).getAddress();
            // the next view, made by the member that did not make the stale member's view, installed by the two
            // others only
            List<Address> members = new ArrayList<>(old.getMembers());
            members.remove(left);
            members.remove(old.getCreator());
            members.add(old.getCreator());
            View next = new View(new ViewId(members.get(0), old.getViewId().getId() + 1), members);
            for (JChannel ch : moving) {
                GMS gms = ch.getProtocolStack().findProtocol(GMS.class);
                gms.installView(next);
            }
            assertEquals(2, stale.nodes().size(), "still in the old view: " + stale.nodes());

            // failure detection 2 s (TestCluster), then a merge
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(c::agree);
            assertEquals(moving.get(0).getView().getViewId(), Channels.of(stale).getView().getViewId(), c.dump());
        }
    }

    /** What a node answers "are you dead?": a member of its view, yes; a node outside its view, nothing. */
    @Test
    void onlyMembersOfTheViewAreToldWeAreAlive() throws Exception {
        Address self = UUID.randomUUID();
        Address member = UUID.randomUUID();
        Address outsider = UUID.randomUUID();
        List<Message> sent = new CopyOnWriteArrayList<>();
        VerifySuspect verify = new VerifySuspect();
        verify.setAddress(self);
        verify.setDownProtocol(new Protocol() {
            @Override
            public Object down(Message msg) {
                sent.add(msg);
                return null;
            }

            @Override
            public Object down(Event evt) {
                return null;
            }
        });
        verify.up(areYouDead(outsider, verify));
        assertEquals(1, sent.size(), "no view yet: everyone is answered");
        verify.down(new Event(Event.VIEW_CHANGE, View.create(self, 1, self, member)));
        verify.up(areYouDead(member, verify));
        assertEquals(2, sent.size(), "a member is answered");
        assertEquals(member, sent.get(1).getDest());
        verify.up(areYouDead(outsider, verify));
        assertEquals(2, sent.size(), "a node outside our view is not answered");
    }

    /** An ARE_YOU_DEAD from {@code from}, built from its wire form (the header's constructors are not public). */
    private static Message areYouDead(Address from, VerifySuspect verify) throws Exception {
        ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(64);
        out.writeShort(1); // ARE_YOU_DEAD
        Util.writeAddress(from, out);
        VERIFY_SUSPECT2.VerifyHeader hdr = new VERIFY_SUSPECT2.VerifyHeader();
        hdr.readFrom(new ByteArrayDataInputStream(out.buffer(), 0, out.position()));
        return new EmptyMessage(null).setSrc(from).putHeader(verify.getId(), hdr);
    }
}
