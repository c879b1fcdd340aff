package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.View;
import org.jgroups.util.ExtendedUUID;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rule that refuses joins and merges listing one name under two addresses (NodeProtocol applies it). */
class UniqueNamesTest {

    private final ExtendedUUID x = NodeAddress.create("x@h");
    private final ExtendedUUID dupe1 = NodeAddress.create("dupe@h");
    private final ExtendedUUID y = NodeAddress.create("y@h");
    private final ExtendedUUID dupe2 = NodeAddress.create("dupe@h");

    private static View view(Address... members) {
        return View.create(members[0], 1, members);
    }

    @Test
    void aMergeOfTwoClustersThatBothHoldANameIsAClash() {
        assertEquals("dupe@h", UniqueNames.clash(List.of(view(x, dupe1), view(y, dupe2))));
        assertNull(UniqueNames.clash(List.of(view(x, dupe1), view(y))));
        // The same member in both views (asymmetric views after a partition) is no clash.
        assertNull(UniqueNames.clash(List.of(view(x, dupe1), view(dupe1, y))));
    }

    @Test
    void aJoinUnderATakenNameIsRefusedButARejoinIsNot() {
        View v = view(x, dupe1);
        assertTrue(UniqueNames.taken(v, dupe2), "another address under a member's name");
        assertFalse(UniqueNames.taken(v, dupe1), "the member itself (a retried join)");
        assertFalse(UniqueNames.taken(v, y));
        assertFalse(UniqueNames.taken(null, y));
    }

    @Test
    void onlyOurNameAtTheAddressWeAreBoundToIsAFormerIncarnationOfUs() throws Exception {
        java.net.InetAddress here = java.net.InetAddress.getByName("127.0.0.1");
        java.net.InetSocketAddress bound = new java.net.InetSocketAddress(here, 7801);
        View theirs = view(x, dupe1);
        var atOurPort = java.util.Map.<Address, org.jgroups.PhysicalAddress>of(x, new org.jgroups.stack.IpAddress(here, 7800),
                dupe1, new org.jgroups.stack.IpAddress(here, 7801));
        assertTrue(UniqueNames.listsFormerSelf(theirs, atOurPort, "dupe@h", bound));
        // another node of our name elsewhere: a real duplicate
        var elsewhere = java.util.Map.<Address, org.jgroups.PhysicalAddress>of(dupe1,
                new org.jgroups.stack.IpAddress(here, 7802));
        assertFalse(UniqueNames.listsFormerSelf(theirs, elsewhere, "dupe@h", bound));
        var otherHost = java.util.Map.<Address, org.jgroups.PhysicalAddress>of(dupe1,
                new org.jgroups.stack.IpAddress(java.net.InetAddress.getByName("127.0.0.2"), 7801));
        assertFalse(UniqueNames.listsFormerSelf(theirs, otherHost, "dupe@h", bound));
        // another name at our address (cannot be: we hold the port; not our concern), or no address known
        assertFalse(UniqueNames.listsFormerSelf(theirs, atOurPort, "y@h", bound));
        assertFalse(UniqueNames.listsFormerSelf(theirs, java.util.Map.of(), "dupe@h", bound));
        // bound to every address: the port decides
        assertTrue(UniqueNames.listsFormerSelf(theirs, atOurPort, "dupe@h", new java.net.InetSocketAddress(7801)));
    }
}
