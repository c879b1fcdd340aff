package io.distribute.cluster;

import io.distribute.Result;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.Test;

import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JmxAndAddressTest {

    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

    @Test
    void mbeanShowsMembershipAndPingsButNeverTheCookieAndIsGoneAfterClose() throws Exception {
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = c.start("jmx-a", TestCluster.testConfig().jmx(true).build());
            ClusterNode b = c.start("jmx-b", TestCluster.testConfig().jmx(true).build());
            assertEquals(Result.ok(), a.connect(b.selfNode()));
            ObjectName on = new ObjectName("io.distribute:type=ClusterNode,name=" + ObjectName.quote(a.selfNode()));
            assertTrue(SERVER.isRegistered(on));
            assertEquals(a.selfNode(), SERVER.getAttribute(on, "SelfNode"));
            assertArrayEquals(new String[] {b.selfNode()}, (String[]) SERVER.getAttribute(on, "Nodes"));
            String coord = (String) SERVER.getAttribute(on, "Coordinator");
            assertTrue(coord.equals(a.selfNode()) || coord.equals(b.selfNode()), coord);
            assertTrue(((String) SERVER.getAttribute(on, "ViewId")).contains("|"));
            assertEquals(true, SERVER.invoke(on, "ping", new Object[] {b.selfNode()}, new String[] {String.class.getName()}));
            for (MBeanAttributeInfo attr : SERVER.getMBeanInfo(on).getAttributes()) {
                Object v = SERVER.getAttribute(on, attr.getName());
                String shown = v instanceof String[] arr ? Arrays.toString(arr) : String.valueOf(v);
                assertFalse(shown.contains(COOKIE), attr.getName() + " shows the cookie");
                assertFalse(attr.getName().toLowerCase().contains("cookie"), attr.getName());
            }
            a.close();
            assertFalse(SERVER.isRegistered(on), "unregistered on close");
        }
    }

    @Test
    void noMBeanUnlessEnabled() throws Exception {
        try (TestCluster c = new TestCluster()) {
            ClusterNode a = c.start("nojmx");
            assertTrue(SERVER.queryNames(new ObjectName("io.distribute:type=ClusterNode,name="
                    + ObjectName.quote(a.selfNode())), null).isEmpty());
        }
    }

    @Test
    void nodeWithExternalAddressSettingsWorks() {
        // Only checks that the settings reach the transport without breaking connect and ping; a NAT in front of
        // the node is not simulated here.
        int port = Ports.next();
        try (TestCluster c = new TestCluster()) {
            ClusterNode x = c.add(ClusterNode.start("x@127.0.0.1:" + port, COOKIE,
                    TestCluster.testConfig().externalAddress("127.0.0.1").externalPort(port).build()).orElseThrow());
            ClusterNode y = c.start("ext-y");
            assertEquals(Result.ok(), y.connect(x.selfNode()));
            assertEquals(List.of(x.selfNode()), y.nodes());
            assertTrue(y.ping(x.selfNode()));
        }
    }

    @Test
    void bindAddressOverridesTheNamesHost() {
        int port = Ports.next();
        try (ClusterNode n = ClusterNode.start("named@localhost:" + port, COOKIE,
                TestCluster.testConfig().bindAddress("127.0.0.1").build()).orElseThrow()) {
            assertEquals("named@localhost:" + port, n.selfNode());
        }
    }
}
