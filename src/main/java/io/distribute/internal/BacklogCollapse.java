package io.distribute.internal;

import io.distribute.cluster.DownReason;
import io.distribute.cluster.MembershipEvent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Folds a subscriber's backlog into its net change, for a subscriber that fell too far behind: what it needs to go
 * from the members it has seen to the members now, and nothing more. A node that was up, went down and came back
 * within the backlog still gives {@code NodeDown} then {@code NodeUp} (it restarted, or was away: the subscriber must
 * not miss that); a node that came and went within the backlog gives nothing. The result has at most two events per
 * node, so its size is bounded by the cluster, not by the churn.
 */
final class BacklogCollapse {

    private BacklogCollapse() {
    }

    /**
     * The net events that take a subscriber that has seen {@code seenUp} through {@code backlog}: first every
     * {@code NodeDown} (with the reason of the node's last departure), then every {@code NodeUp}, each in the order
     * of the node's last such event in the backlog.
     */
    static List<MembershipEvent> collapse(Set<String> seenUp, Iterable<MembershipEvent> backlog) {
        Set<String> up = new LinkedHashSet<>(seenUp);
        Map<String, DownReason> lastDown = new LinkedHashMap<>();
        for (MembershipEvent e : backlog) {
            if (e instanceof MembershipEvent.NodeDown down) {
                up.remove(down.node());
                lastDown.remove(down.node()); // re-inserted: the map keeps the order of last departures
                lastDown.put(down.node(), down.reason());
            } else {
                up.remove(e.node());
                up.add(e.node());
            }
        }
        List<MembershipEvent> net = new ArrayList<>();
        lastDown.forEach((n, reason) -> {
            if (seenUp.contains(n)) {
                net.add(new MembershipEvent.NodeDown(n, reason));
            }
        });
        for (String n : up) {
            if (!seenUp.contains(n) || lastDown.containsKey(n)) {
                net.add(new MembershipEvent.NodeUp(n));
            }
        }
        return net;
    }
}
