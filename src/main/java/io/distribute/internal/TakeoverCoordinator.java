package io.distribute.internal;

import org.jgroups.protocols.pbcast.CoordGmsImpl;

import java.util.Collection;

/**
 * GMS' coordinator role, which before its first change of the membership after taking over from a crashed coordinator
 * lets {@link MembershipGms} catch up with the newest view the members hold.
 */
final class TakeoverCoordinator extends CoordGmsImpl {

    private final MembershipGms gms;

    TakeoverCoordinator(MembershipGms gms) {
        super(gms);
        this.gms = gms;
    }

    @Override
    public void handleMembershipChange(Collection<Request> requests) {
        gms.catchUpIfTakingOver();
        super.handleMembershipChange(requests);
    }
}
