package io.distribute.internal;

import org.jgroups.Message;
import org.jgroups.auth.AuthToken;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The token JGroups' AUTH puts on join and merge messages: an HMAC, keyed by the cookie, over the GMS message kind,
 * the sender and the receiver. The secure connection layer already keeps strangers' bytes away from JGroups; the
 * token is the membership check on top, so that a join is admitted only with proof of the cookie whatever the
 * transport (and, in certificate mode, whoever the certificate belongs to). It is bound to the sender the transport
 * authenticated: a proof made for one sender or receiver fails for any other.
 */
public final class CookieToken extends AuthToken {

    /** Checks a received token; set on the local instance by the adapter. */
    public interface Verifier {
        boolean verify(CookieToken token, Message msg);
    }

    private volatile Verifier verifier;
    byte[] mac;

    public CookieToken() {
    }

    CookieToken(byte[] mac) {
        this.mac = mac;
    }

    public void setVerifier(Verifier verifier) {
        this.verifier = verifier;
    }

    @Override
    public String getName() {
        return CookieToken.class.getName();
    }

    @Override
    public int size() {
        return 1 + (mac == null ? 0 : mac.length);
    }

    @Override
    public boolean authenticate(AuthToken token, Message msg) {
        Verifier v = verifier;
        return v != null && token instanceof CookieToken t && v.verify(t, msg);
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
        NodeHeader.writeBytes(out, mac);
    }

    @Override
    public void readFrom(DataInput in) throws IOException {
        mac = NodeHeader.readBounded(in, CookieSecret.MAC_BYTES);
    }

    @Override
    public String toString() {
        return "CookieToken[proof]";
    }
}
