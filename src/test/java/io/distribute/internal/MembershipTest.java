package io.distribute.internal;

import io.distribute.cluster.DownReason;
import io.distribute.cluster.MembershipEvent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Monitors, without a channel: what is cancelled or completed is not kept. */
class MembershipTest {

    @Test
    void cancelledMonitorsOfALiveNodeAreNotKept() {
        Membership m = new Membership("self@h");
        try {
            m.changed(List.of("x@h"), Map.of());
            for (int i = 0; i < 100_000; i++) {
                m.monitor("x@h").cancel(true);
            }
            assertEquals(0, m.waitingMonitors());
            CompletableFuture<MembershipEvent.NodeDown> kept = m.monitor("x@h");
            assertEquals(1, m.waitingMonitors());
            m.changed(List.of(), Map.of("x@h", DownReason.CRASHED));
            assertEquals(new MembershipEvent.NodeDown("x@h", DownReason.CRASHED), kept.join());
            await().atMost(Duration.ofSeconds(1)).until(() -> m.waitingMonitors() == 0);
        } finally {
            m.stop();
        }
    }
}
