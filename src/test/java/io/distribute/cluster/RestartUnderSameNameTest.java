package io.distribute.cluster;

import io.distribute.Result;
import io.distribute.internal.Channels;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.jgroups.util.Util;
import org.junit.jupiter.api.Test;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A node restarted at once under its name and port connects, even while the cluster still lists its previous
 * incarnation (gone without a leave: its leave lost, or its process killed). That entry is the same name at the
 * address the new node is bound to, so it cannot be another node: connect waits for it to be removed instead of
 * refusing a duplicate name (CI once saw "names must be unique" after a graceful stop whose leave was still in flight).
 */
class RestartUnderSameNameTest {

    @Test
    void aNodeRestartedAtOnceConnectsWhileItsFormerSelfIsStillListed() throws Exception {
        try (TestCluster peers = TestCluster.of("rs-peer", 2)) {
            String name = "rs-node@127.0.0.1:" + Ports.next();
            String target = peers.get(0).selfNode();
            for (int i = 0; i < 3; i++) {
                ClusterNode old = start(name, "cycle " + i + ": first incarnation");
                assertEquals(Result.ok(), old.connect(target), "cycle " + i + ": first incarnation");
                // Gone without a leave: JGroups' own way of simulating a crash in one JVM (traffic dropped, channel
                // closed); the peers list it until they notice.
                Util.shutdown(Channels.of(old));
                old.close();
                ClusterNode again = start(name, "cycle " + i + ": restarted incarnation");
                try {
                    assertEquals(Result.ok(), again.connect(target), "cycle " + i + ": restarted incarnation");
                    assertEquals(2, again.nodes().size(), "cycle " + i + ": " + again.nodes());
                } finally {
                    again.close();
                }
            }
        }
    }

    /**
     * Starts {@code name}; if it cannot, fails with what holds its port (once, in a full suite run, the port of the
     * incarnation closed just before was "in use"; 15 runs alone passed).
     */
    private static ClusterNode start(String name, String what) throws Exception {
        Result<ClusterNode, StartError> r = ClusterNode.start(name, COOKIE, TestCluster.testConfig().build());
        if (r instanceof Result.Err<ClusterNode, StartError> e) {
            String port = name.substring(name.lastIndexOf(':') + 1);
            Process ss = new ProcessBuilder("ss", "-tanpe", "sport = :" + port).redirectErrorStream(true).start();
            String sockets = new String(ss.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            ss.waitFor();
            fail(what + ": " + e.error() + "; sockets on port " + port + ":\n" + sockets);
        }
        return r.orElseThrow();
    }
}
