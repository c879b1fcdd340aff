package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.Event;
import org.jgroups.View;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.stack.Protocol;

import java.util.Collection;
import java.util.List;

/**
 * How {@link NodeProtocol} suspects a member. A suspicion to check goes below VERIFY_SUSPECT2, which passes it up only
 * if the member does not answer ({@link #verify}); one that needs no check, such as a crash the crash check confirmed,
 * goes straight to GMS ({@link #raise}). Suspicions and answers passing up keep the {@link SuspicionRelay} in step,
 * which raises a suspicion again until the member is out of the view.
 */
final class Suspicions {

    private final NodeProtocol node;
    private final Departures departures;
    private final SuspicionRelay relay;

    Suspicions(NodeProtocol node, Departures departures) {
        this.node = node;
        this.departures = departures;
        this.relay = new SuspicionRelay(() -> node.getTransport().getTimer(), node::view, this::verify, this::raise);
    }

    /** The relay that raises suspicions and leave requests again (GMS traffic feeds it leave requests). */
    SuspicionRelay relay() {
        return relay;
    }

    /** A SUSPECT passing up: VERIFY_SUSPECT2 (or the failure detection) suspects these members. */
    void suspected(Collection<Address> suspected) {
        suspected.forEach(relay::suspected);
    }

    /** An UNSUSPECT passing up: {@code alive} answered VERIFY_SUSPECT2. */
    void alive(Address alive) {
        relay.alive(alive);
        // The member answered VERIFY_SUSPECT2: a connection of its that closed did not mean it died (JGroups
        // closes one of two connections opened at the same time). Forget that observation.
        departures.alive(alive);
    }

    /** A suspicion for VERIFY_SUSPECT2 to check: it passes it up only if the member does not answer. */
    void verify(Address member) {
        Protocol verifier = node.getProtocolStack().findProtocol(VERIFY_SUSPECT2.class);
        if (verifier != null) {
            verifier.up(new Event(Event.SUSPECT, List.of(member)));
        } else {
            raise(member);
        }
    }

    /** A suspicion straight to GMS (above this protocol). */
    void raise(Address member) {
        node.passUp(new Event(Event.SUSPECT, List.of(member)));
    }

    /** Forgets members no longer in {@code v}. */
    void viewChanged(View v) {
        relay.viewChanged(v);
    }

    /** The node stops: pending repeats end at their next turn. */
    void stop() {
        relay.stop();
    }

    /** The crash check found {@code member}'s process gone: that is the verification, suspect it now. */
    void crashConfirmed(Address member) {
        relay.suspected(member);
        raise(member);
    }
}
