package io.distribute.internal;

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
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A member left behind in a view its coordinator has moved on from, as after a merge that took an older view of its
 * subgroup: nobody told it, nothing is lost on the wire and every process is alive, so only the stale member can
 * notice, by suspecting members that no longer send to it. With 16 nodes started at once this left a member stuck
 * for good in 2 of 7 runs (and likely the three-node demo's rare failure to form): JGroups' stock "are you dead?"
 * answer ("alive") kept it in its view. {@link VerifySuspect} does not answer a node outside its view; the second
 * test checks exactly that. The first checks the outcome on a constructed stale view (where other paths, such as the
 * new coordinator's heal probes, may also bring the member back): one view again, the same at every node.
 */
class StaleViewTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aMemberLeftInAStaleViewRejoins() {
        try (TestCluster c = TestCluster.of("stale", 3)) {
            List<JChannel> all = c.nodes().stream().map(Channels::of).toList();
            View old = all.get(0).getView();
            Address creator = old.getCreator();
            List<Address> others = old.getMembers().stream().filter(m -> !m.equals(creator)).toList();
            // The stale member is the one that made the view; the next view, made by another member (as a merge led
            // by another coordinator does), is installed by the two others only: the stale member never hears of it.
            Address left = creator;
            View next = new View(new ViewId(others.get(0), old.getViewId().getId() + 1), others);
            for (JChannel ch : all) {
                if (!ch.getAddress().equals(left)) {
                    GMS gms = ch.getProtocolStack().findProtocol(GMS.class);
                    gms.installView(next);
                }
            }
            JChannel stale = all.stream().filter(ch -> ch.getAddress().equals(left)).findFirst().orElseThrow();
            assertEquals(old.getViewId(), stale.getView().getViewId(), "still in the old view");

            // failure detection 2 s (TestCluster), then a merge: one view again, the same at every node
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> c.agree()
                    && all.stream().map(ch -> ch.getView().getViewId()).distinct().count() == 1);
        }
    }

    /**
     * The three-node demo's rare failure: node2 joined node3; node3 then merged with node1 on a view that did not
     * have node2 yet, and nobody told node2. node2 kept connecting to node1, and every merge request it sent to its
     * coordinator node3 was acknowledged, which its failure detection counts as node3 being alive: it never suspected
     * node3 and every connect timed out. Now the connect sees node1's cluster list node3 without it, asks node3
     * (VERIFY_SUSPECT2), gets no answer, drops node3 and is merged in. (The demo's start, repeated: stuck in the 3rd
     * of 3 rounds before, 40 of 40 after. This constructed case also gets in without that check, by another path;
     * the test holds the outcome: the connect is Ok and all three end in one view.)
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aStaleMemberConnectingToTheClusterThatLeftItBehindGetsIn() {
        try (TestCluster c = TestCluster.quick()) {
            io.distribute.cluster.ClusterNode node1 = c.start("left1");
            io.distribute.cluster.ClusterNode node2 = c.start("left2");
            io.distribute.cluster.ClusterNode node3 = c.start("left3");
            node2.connect(node3.selfNode()).orElseThrow();
            JChannel c1 = Channels.of(node1);
            JChannel c2 = Channels.of(node2);
            JChannel c3 = Channels.of(node3);
            await().atMost(Duration.ofSeconds(5)).until(() -> c3.getView().size() == 2 && c2.getView().size() == 2);
            // node1 and node3 merge without node2: a view made by node1, installed by those two only.
            long id = Math.max(c1.getView().getViewId().getId(), c3.getView().getViewId().getId()) + 1;
            View merged = new View(new ViewId(c1.getAddress(), id), List.of(c1.getAddress(), c3.getAddress()));
            for (JChannel ch : List.of(c1, c3)) {
                GMS gms = ch.getProtocolStack().findProtocol(GMS.class);
                gms.installView(merged);
            }
            // A real merge tells each side where the other listens; without that node3 could not answer node1 (its
            // replies dropped for want of an address, until discovery found one) and was merged out (seen once in CI).
            NodeProtocol p1 = c1.getProtocolStack().findProtocol(NodeProtocol.class);
            NodeProtocol p3 = c3.getProtocolStack().findProtocol(NodeProtocol.class);
            p3.addMapping(c1.getAddress(), p1.physicalAddressOf(c1.getAddress()));
            p1.addMapping(c3.getAddress(), p3.physicalAddressOf(c3.getAddress()));
            assertEquals(2, c2.getView().size(), "node2 still in its old view");

            var r = node2.connect(node1.selfNode());
            assertEquals(true, r.isOk(), r.toString());
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> c.agree()
                    && List.of(c1, c2, c3).stream().map(ch -> ch.getView().getViewId()).distinct().count() == 1);
        }
    }

    /**
     * What a node answers "are you dead?": a member of its view, yes; a node outside its view, nothing, unless the
     * question comes with a newer view than ours (we are the one behind: silent, we would be removed although alive).
     */
    @Test
    void onlyMembersOfTheViewAndNodesInANewerViewAreToldWeAreAlive() throws Exception {
        Address self = UUID.randomUUID();
        Address member = UUID.randomUUID();
        Address outsider = UUID.randomUUID();
        List<Message> sent = new CopyOnWriteArrayList<>();
        VerifySuspect verify = verifier(self, sent);
        verify.up(areYouDead(outsider, verify));
        assertEquals(1, sent.size(), "no view yet: everyone is answered");
        verify.down(new Event(Event.VIEW_CHANGE, View.create(self, 5, self, member)));
        verify.up(areYouDead(member, verify));
        assertEquals(2, sent.size(), "a member is answered");
        assertEquals(member, sent.get(1).getDest());
        verify.up(areYouDead(outsider, verify));
        assertEquals(2, sent.size(), "a node outside our view is not answered");
        verify.up(areYouDead(outsider, verify).putHeader(NodeProtocol.PROTOCOL_ID,
                new NodeHeader(NodeHeader.ASKER_VIEW, 0).viewId(new ViewId(outsider, 4))));
        assertEquals(2, sent.size(), "a node outside our view, in an older view, is not answered");

        // The question as a real asker sends it, in a newer view that lists us (we have not installed it yet).
        List<Message> asked = new CopyOnWriteArrayList<>();
        VerifySuspect asker = verifier(outsider, asked);
        asker.down(new Event(Event.VIEW_CHANGE, View.create(outsider, 6, outsider, self, member)));
        asker.up(new Event(Event.SUSPECT, List.of(self)));
        assertEquals(1, asked.size(), "the asker sent its question");
        asker.stop();
        verify.up(asked.get(0).setSrc(outsider));
        assertEquals(3, sent.size(), "a node outside our view, in a newer view, is answered");
        assertEquals(outsider, sent.get(2).getDest());
    }

    /**
     * What makes a member ask whether it is still counted: a MERGE3 INFO from a member of its view announcing a newer
     * view (it may be left behind; with 8 nodes started beside a 24-node cluster, one listed all 31 for 20 s while
     * they no longer listed it, the INFOs counting as heartbeats). Not the same view, not an older one, not a node
     * outside its view.
     */
    @Test
    void aMemberAnnouncingANewerViewIsNoticed() throws Exception {
        try (TestCluster c = TestCluster.of("newer", 2)) {
            JChannel a = Channels.of(c.get(0));
            JChannel b = Channels.of(c.get(1));
            await().atMost(Duration.ofSeconds(5)).until(() -> a.getView().size() == 2);
            StaleViewMerge merge = a.getProtocolStack().findProtocol(org.jgroups.protocols.MERGE3.class);
            List<Address> noticed = new CopyOnWriteArrayList<>();
            merge.onNewerView(noticed::add);
            ViewId ours = a.getView().getViewId();
            Address stranger = UUID.randomUUID();
            merge.up(info(b.getAddress(), ours, merge));
            merge.up(info(b.getAddress(), new ViewId(b.getAddress(), ours.getId() - 1), merge));
            merge.up(info(stranger, new ViewId(stranger, ours.getId() + 5), merge));
            assertEquals(List.of(), noticed, "same view, older view, a node outside our view: nothing to ask");
            merge.up(info(b.getAddress(), new ViewId(b.getAddress(), ours.getId() + 1), merge));
            assertEquals(List.of(b.getAddress()), noticed, "a member in a newer view");
        }
    }

    /**
     * "Do you still count us?" is not failure detection: a member that counts us but answers late (300 ms here: a busy
     * machine, a new TLS connection) stays. With the failure detector's 25 ms window it was removed at once.
     */
    @Test
    void aMemberThatStillCountsUsButAnswersLateIsKept() throws Exception {
        try (TestCluster c = TestCluster.of("late", 2)) {
            JChannel a = Channels.of(c.get(0));
            JChannel b = Channels.of(c.get(1));
            await().atMost(Duration.ofSeconds(5)).until(() -> a.getView().size() == 2 && b.getView().size() == 2);
            List<io.distribute.cluster.MembershipEvent> events = new CopyOnWriteArrayList<>();
            c.get(0).subscribe(events::add);
            org.jgroups.protocols.DELAY slow = new org.jgroups.protocols.DELAY();
            slow.setInDelay(300);
            slow.setValue("constant_delay", true);
            b.getProtocolStack().insertProtocol(slow, org.jgroups.stack.ProtocolStack.Position.ABOVE,
                    org.jgroups.protocols.TP.class);
            slow.init();
            slow.start();
            StaleViewMerge merge = a.getProtocolStack().findProtocol(org.jgroups.protocols.MERGE3.class);
            ViewId ours = a.getView().getViewId();
            merge.up(info(b.getAddress(), new ViewId(b.getAddress(), ours.getId() + 1), merge)); // a asks b
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                    .failFast(() -> !(a.getView().size() == 2 && noDown(events)))
                    .until(() -> a.getView().size() == 2 && noDown(events));
            assertEquals(List.of(c.get(1).selfNode()), c.get(0).nodes());
            b.getProtocolStack().removeProtocol(slow);
            slow.stop();
            slow.destroy();
        }
    }

    private static boolean noDown(List<io.distribute.cluster.MembershipEvent> events) {
        return events.stream().noneMatch(e -> e instanceof io.distribute.cluster.MembershipEvent.NodeDown);
    }

    private static Message info(Address from, ViewId view, StaleViewMerge merge) {
        return new EmptyMessage(null).setSrc(from).putHeader(merge.getId(),
                org.jgroups.protocols.MERGE3.MergeHeader.createInfo(view, "x", null));
    }

    /** A VerifySuspect at {@code self} whose messages down go to {@code sent}. */
    private static VerifySuspect verifier(Address self, List<Message> sent) {
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
        verify.setUpProtocol(new Protocol() {
            @Override
            public Object up(Event evt) {
                return null;
            }
        });
        return verify;
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
