package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.View;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Names are unique in a cluster: a join or merge that would list one name under two addresses is refused, so no node
 * ever lists a name twice (events and monitors are keyed by name).
 */
final class UniqueNames {

    private UniqueNames() {
    }

    /** A name that two different addresses hold across {@code views}, or null. */
    static String clash(Collection<View> views) {
        Map<String, Address> seen = new HashMap<>();
        for (View v : views) {
            if (v == null) {
                continue;
            }
            for (Address a : v.getMembersRaw()) {
                String n = NodeAddress.nameOf(a);
                if (n == null) {
                    continue;
                }
                Address before = seen.putIfAbsent(n, a);
                if (before != null && !before.equals(a)) {
                    return n;
                }
            }
        }
        return null;
    }

    /** Whether {@code joiner}'s name is held by another address in {@code view}. */
    static boolean taken(View view, Address joiner) {
        String n = NodeAddress.nameOf(joiner);
        if (view == null || n == null) {
            return false;
        }
        for (Address a : view.getMembersRaw()) {
            if (!a.equals(joiner) && n.equals(NodeAddress.nameOf(a))) {
                return true;
            }
        }
        return false;
    }
}
