package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.Message;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.util.UUID;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The cookie proof on join and merge messages (see {@link CookieToken}): an HMAC under the cluster key over the GMS
 * message kind, the sender and the receiver ({@code *} for a multicast).
 */
final class CookieProof {

    private static final short GMS_ID = ClassConfigurator.getProtocolId(GMS.class);
    private static final byte[] LABEL = "gms/v2".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ANYONE = {'*'};

    private final CookieSecret secret;

    CookieProof(CookieSecret secret) {
        this.secret = secret;
    }

    /** The token {@code sender} puts on a message of GMS kind {@code kind} to {@code receiver}. */
    CookieToken token(byte kind, Address sender, Address receiver) {
        return new CookieToken(secret.mac(LABEL, new byte[] {kind}, id(sender), id(receiver)));
    }

    /** Whether {@code token} proves the cookie for {@code msg}: its kind, its sender and its receiver. */
    boolean verify(CookieToken token, Message msg) {
        GMS.GmsHeader gms = msg.getHeader(GMS_ID);
        Address from = msg.getSrc();
        return gms != null && from != null && token != null && token.mac != null
                && secret.verify(token.mac, LABEL, new byte[] {gms.getType()}, id(from), id(msg.getDest()));
    }

    /** An address as the proof binds it: its UUID and the node name it carries. */
    static byte[] id(Address a) {
        if (a == null) {
            return ANYONE;
        }
        if (a instanceof UUID u) {
            String n = NodeAddress.nameOf(a);
            byte[] name = n == null ? new byte[0] : n.getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(16 + name.length).putLong(u.getMostSignificantBits())
                    .putLong(u.getLeastSignificantBits()).put(name).array();
        }
        return String.valueOf(a).getBytes(StandardCharsets.UTF_8);
    }
}
