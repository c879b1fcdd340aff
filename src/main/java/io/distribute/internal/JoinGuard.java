package io.distribute.internal;

import io.distribute.internal.secure.PeerLogLimit;
import org.jgroups.Address;
import org.jgroups.Message;
import org.jgroups.View;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.pbcast.GMS;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Who may join or merge, checked for AUTH on every join/merge message: the sender proves the cookie for this very
 * message (see {@link CookieProof}), and a joiner's name is not held by another member. Refusals are counted and
 * logged once a minute per sender (they are retried).
 */
final class JoinGuard {

    private static final Logger LOG = LoggerFactory.getLogger(JoinGuard.class);
    private static final short GMS_ID = ClassConfigurator.getProtocolId(GMS.class);

    private final CookieProof proof;
    private final Supplier<Address> self;
    private final Supplier<View> view;
    private final PeerLogLimit<String> rejectionLog = PeerLogLimit.perMinute();
    private volatile Consumer<String> securityListener = s -> { };

    JoinGuard(CookieProof proof, Supplier<Address> self, Supplier<View> view) {
        this.proof = proof;
        this.self = self;
        this.view = view;
    }

    /** Called (on a JGroups thread; must be quick) with a reason whenever a join or merge is refused. */
    void onRefusal(Consumer<String> listener) {
        this.securityListener = listener;
    }

    /** The token this node puts on a message of GMS kind {@code kind} to {@code receiver}. */
    CookieToken token(byte kind, Address receiver) {
        return proof.token(kind, self.get(), receiver);
    }

    /** Whether the join/merge message {@code msg}, carrying {@code token}, may pass. */
    boolean admit(CookieToken token, Message msg) {
        GMS.GmsHeader gms = msg.getHeader(GMS_ID);
        Address from = msg.getSrc();
        boolean ok = proof.verify(token, msg);
        if (ok && gms != null && gms.getType() == GMS.GmsHeader.JOIN_REQ
                && UniqueNames.taken(view.get(), gms.getMember())) {
            String joiner = displayName(gms.getMember());
            long unlogged = rejectionLog.admit(joiner);
            if (unlogged >= 0) { // a refused joiner retries its join several times
                LOG.warn("{}: refused a join from {}: a member of that name is already in the cluster (further ones "
                        + "from it are counted, not logged, for a minute{})", self.get(), joiner,
                        PeerLogLimit.since(unlogged));
            }
            securityListener.accept("duplicate name " + joiner);
            return false;
        }
        if (!ok) {
            String reason = "rejected " + (gms == null ? "a message" : GMS.GmsHeader.type2String(gms.getType()))
                    + " from " + displayName(from) + ": missing or wrong cookie proof";
            long unlogged = rejectionLog.admit(displayName(from));
            if (unlogged >= 0) {
                LOG.warn("{}: {} (further ones from there are counted, not logged, for a minute{})", self.get(), reason,
                        PeerLogLimit.since(unlogged));
            }
            securityListener.accept(reason);
        }
        return ok;
    }

    private static String displayName(Address a) {
        String n = NodeAddress.nameOf(a);
        return n != null ? n : String.valueOf(a);
    }
}
