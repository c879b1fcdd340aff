package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.View;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Which merges MERGE3 (or a connect) may start: none that would list one name under two addresses, and none with a
 * view whose coordinator has left (MERGE3 may still hold the view a node sent just before it left, which would merge
 * it back for a moment; a restarted node has a new address).
 */
final class MergeGate {

    private static final Logger LOG = LoggerFactory.getLogger(MergeGate.class);

    private final Supplier<Address> self;
    private final Departures departures;
    private volatile long lastClashLog;

    /** @param self this node's address, for log lines */
    MergeGate(Supplier<Address> self, Departures departures) {
        this.self = self;
        this.departures = departures;
    }

    /** The views that may merge, or null if the merge must not happen. */
    Map<Address, View> admit(Map<Address, View> views) {
        Map<Address, View> kept = new HashMap<>();
        views.forEach((coord, v) -> {
            if (!departures.left(coord) && (v == null || !departures.left(v.getCoord()))) {
                kept.put(coord, v);
            }
        });
        if (kept.size() < 2) {
            return null;
        }
        String clash = UniqueNames.clash(kept.values());
        if (clash != null) {
            refused(clash);
            return null;
        }
        return kept;
    }

    /** MERGE3 proposes the same merge every round: log the refusal once a minute. */
    private void refused(String name) {
        long now = System.nanoTime();
        if (now - lastClashLog > TimeUnit.MINUTES.toNanos(1)) {
            lastClashLog = now;
            LOG.warn("{}: not merging with a cluster in which another node is also named {}; names must be unique "
                    + "(stop one of them)", self.get(), name);
        }
    }
}
