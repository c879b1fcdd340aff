package io.distribute.internal;

import io.distribute.testing.TestCluster;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.protocols.BaseBundler;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A burst of application messages to one member is queued, not dropped, by the sender's per-destination bundler.
 * UFC lets 2 MB be in flight per peer; a queue shorter than that drops the rest, and UNICAST3 has to retransmit
 * them: a 1,024-slot queue made 1 KiB messages 15 times slower than raw JGroups (benchmark, 'secure' rows).
 */
class SendBurstTest {

    private static final int MESSAGES = 20_000;

    @Test
    void aBurstOfOneKibMessagesReachesTheMemberWithoutDropsAtTheSender() throws Exception {
        try (TestCluster c = TestCluster.of("burst", 2)) {
            JChannel from = Channels.of(c.get(0));
            JChannel to = Channels.of(c.get(1));
            AtomicLong got = new AtomicLong();
            Receiver old = to.getReceiver();
            to.setReceiver(new Receiver() {
                @Override
                public void receive(Message msg) {
                    got.incrementAndGet();
                }

                @Override
                public void viewAccepted(View v) {
                    old.viewAccepted(v);
                }
            });
            byte[] kib = new byte[1024];
            for (int i = 0; i < MESSAGES; i++) {
                from.send(new BytesMessage(to.getAddress(), kib));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> got.get() >= MESSAGES);
            assertEquals(MESSAGES, got.get());
            assertEquals(0, drops(from), "messages dropped by the sender's bundler (queue full)");
        }
    }

    private static long drops(JChannel ch) throws ReflectiveOperationException {
        var f = BaseBundler.class.getDeclaredField("num_drops_on_full_queue");
        f.setAccessible(true);
        return ((LongAdder) f.get(ch.getProtocolStack().getTransport().getBundler())).sum();
    }
}
