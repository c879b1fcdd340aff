package io.distribute.internal;

import io.distribute.cluster.ClusterNode;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.jgroups.protocols.TCPPING;
import org.jgroups.stack.IpAddress;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Discovery asks exactly the seeds: JGroups 5.5's TCPPING would also dial this node's own address at every seed's
 * port (where several nodes share an address, those are other nodes' ports).
 */
class SeedHostsTest {

    @Test
    void discoveryAsksTheSeedsAndNoOtherPortOfOurAddress() throws Exception {
        int p = Ports.block(3);
        List<String> seeds = List.of("s0@127.0.2.1:" + p, "s1@127.0.2.2:" + (p + 1), "s2@127.0.2.3:" + (p + 2));
        try (TestCluster c = new TestCluster()) {
            ClusterNode n = c.start(seeds.get(1), COOKIE, TestCluster.testConfig().seeds(seeds).build());
            TCPPING ping = Channels.of(n).getProtocolStack().findProtocol(TCPPING.class);
            Set<String> asked = ping.getInitialHosts().stream().map(h -> ((IpAddress) h).getIpAddress()
                    .getHostAddress() + ":" + ((IpAddress) h).getPort()).collect(Collectors.toSet());
            assertEquals(Set.of("127.0.2.1:" + p, "127.0.2.2:" + (p + 1), "127.0.2.3:" + (p + 2)), asked);
        }
    }
}
