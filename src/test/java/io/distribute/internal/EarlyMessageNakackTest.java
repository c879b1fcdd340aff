package io.distribute.internal;

import io.distribute.cluster.ClusterNode;
import io.distribute.testing.TestCluster;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.Event;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.View;
import org.jgroups.protocols.pbcast.NakAckHeader2;
import org.jgroups.util.Digest;
import org.jgroups.util.MutableDigest;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A multicast that arrives from a member of the other side of a merge before the merged view is installed here (on
 * TCP the other subgroup's coordinator multicasts the view to everyone) must be delivered once the view is in, not
 * dropped: the view's digest says it is due, and everything that sender multicasts later would wait behind the gap
 * for two retransmission intervals (see {@link EarlyMessageNakack}).
 */
class EarlyMessageNakackTest {

    @Test
    void aMulticastFromAMemberToBeIsDeliveredOnceTheViewListsIt() {
        try (TestCluster c = new TestCluster()) {
            ClusterNode y = c.start("early-y");
            JChannel ch = Channels.of(y);
            EarlyMessageNakack nak = ch.getProtocolStack().findProtocol(EarlyMessageNakack.class);
            Address z = UUID.randomUUID(); // the other subgroup's coordinator
            nak.up(multicast(nak, z, 1));
            assertEquals(1, nak.heldCount(), "kept, not dropped");

            // what GMS does when it installs the merged view: the digest (z has delivered nothing yet), then the view
            Digest digest = new MutableDigest(new Address[] {z}).set(z, 0, 0);
            View merged = View.create(ch.getAddress(), ch.getView().getViewId().getId() + 1, ch.getAddress(), z);
            nak.down(new Event(Event.MERGE_DIGEST, digest));
            nak.down(new Event(Event.VIEW_CHANGE, merged));

            await("z's message #1 delivered").atMost(Duration.ofSeconds(2))
                    .until(() -> nak.getDigest(z) != null && nak.getDigest(z).get(z)[0] == 1);
            assertEquals(0, nak.heldCount());
        }
    }

    @Test
    void earlyMessagesAreBoundedInNumber() {
        try (TestCluster c = new TestCluster()) {
            EarlyMessageNakack nak = Channels.of(c.start("early-bound")).getProtocolStack()
                    .findProtocol(EarlyMessageNakack.class);
            Address z = UUID.randomUUID();
            for (int i = 1; i <= EarlyMessageNakack.MAX_HELD + 50; i++) {
                nak.up(multicast(nak, z, i));
            }
            assertEquals(EarlyMessageNakack.MAX_HELD, nak.heldCount());
        }
    }

    private static Message multicast(EarlyMessageNakack nak, Address from, long seqno) {
        return new BytesMessage(null, new byte[] {1, 2, 3}).setSrc(from)
                .putHeader(nak.getId(), NakAckHeader2.createMessageHeader(seqno));
    }
}
