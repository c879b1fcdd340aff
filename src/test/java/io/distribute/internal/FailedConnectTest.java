package io.distribute.internal;

import io.distribute.Result;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.ConnectError;
import io.distribute.testing.TestCluster;
import org.jgroups.protocols.TCP;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * {@code connect} opens the connection to the port it was given while it probes it (see {@link PreparedConnections});
 * when the node found there is not the one named, nothing is joined and that connection must not stay open, with a
 * reader thread at both ends.
 */
class FailedConnectTest {

    @Test
    void aConnectThatFindsAnotherNodeLeavesNoConnectionBehind() {
        try (TestCluster c = new TestCluster()) {
            ClusterNode x = c.start("fail-x");
            ClusterNode y = c.start("fail-y");
            String yAt = y.selfNode().substring(y.selfNode().indexOf('@') + 1); // host:port
            Result<Void, ConnectError> r = x.connect("nobody@" + yAt);
            assertInstanceOf(ConnectError.NodeNotFound.class,
                    r instanceof Result.Err<Void, ConnectError> e ? e.error() : null, String.valueOf(r));
            await("no connection between x and y").atMost(Duration.ofSeconds(3))
                    .until(() -> openConnections(x) == 0 && openConnections(y) == 0);
            assertEquals(0, x.nodes().size());
        }
    }

    private static int openConnections(ClusterNode n) {
        return ((TCP) Channels.of(n).getProtocolStack().getTransport()).getOpenConnections();
    }
}
