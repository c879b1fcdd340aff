package io.distribute.internal;

import io.distribute.testing.TestCluster;
import org.jgroups.JChannel;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.util.TimeScheduler3;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** What an idle node pays for: MERGE3 slows down once the membership is quiet; VERIFY_SUSPECT2 does not poll. */
class MergeCadenceTest {

    @Test
    void mergeRoundsSlowDownWhenQuietAndSpeedUpOnAViewChange() {
        MERGE3 merge = new MERGE3();
        merge.setMaxInterval(3000);
        merge.setMinInterval(1000);
        TimeScheduler3 timer = new TimeScheduler3();
        try {
            MergeCadence cadence = new MergeCadence(merge, timer, 100);
            cadence.viewChanged(3);
            assertEquals(1000, merge.getMinInterval());
            assertEquals(3000, merge.getMaxInterval());
            assertFalse(cadence.slow());
            await().atMost(Duration.ofSeconds(5)).until(cadence::slow);
            assertEquals(10_000, merge.getMinInterval());
            assertEquals(30_000, merge.getMaxInterval());
            cadence.viewChanged(2);
            assertEquals(1000, merge.getMinInterval(), "a view change makes it fast again");
            assertEquals(3000, merge.getMaxInterval());
            cadence.viewChanged(1);
            // a node alone keeps looking at the stack's interval: still fast 3 quiet periods later
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !cadence.slow());
            cadence.stop();
        } finally {
            timer.stop();
        }
    }

    @Test
    void aNodeRunsBothAndNoSuspicionCheckIsScheduledWhileIdle() throws Exception {
        try (TestCluster c = TestCluster.quick("cad", 2)) {
            JChannel ch = channel(c.get(0));
            NodeProtocol np = ch.getProtocolStack().findProtocol(NodeProtocol.class);
            assertNotNull(np.mergeCadence(), "the bundled tcp stack has MERGE3");
            assertFalse(np.mergeCadence().slow(), "fast right after the view change that formed the cluster");
            assertInstanceOf(VerifySuspect.class, ch.getProtocolStack().findProtocol(VERIFY_SUSPECT2.class));
            String tasks = ch.getProtocolStack().getTransport().getTimer().dumpTimerTasks();
            assertFalse(tasks.contains("VERIFY_SUSPECT2") || tasks.contains("VerifySuspect"), tasks);
        }
    }

    private static JChannel channel(io.distribute.cluster.ClusterNode node) throws ReflectiveOperationException {
        Field f = io.distribute.cluster.ClusterNode.class.getDeclaredField("node");
        f.setAccessible(true);
        Method m = JGroupsNode.class.getDeclaredMethod("channel");
        m.setAccessible(true);
        return (JChannel) m.invoke(f.get(node));
    }
}
