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
}
