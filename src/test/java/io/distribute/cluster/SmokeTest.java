package io.distribute.cluster;

import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SmokeTest {
    @Test
    void threeNodesFormOneCluster() {
        try (TestCluster c = TestCluster.of("smoke", 3)) {
            assertEquals(2, c.get(0).nodes().size(), c.dump());
            assertTrue(c.get(0).ping(c.get(2).selfNode()));
        }
    }
}
