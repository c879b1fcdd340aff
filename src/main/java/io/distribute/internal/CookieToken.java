package io.distribute.internal;

import org.jgroups.Message;
import org.jgroups.auth.AuthToken;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The token JGroups' AUTH attaches to join and merge requests and responses. It carries no secret: only a nonce
 * that the receiver issued to the sender in a {@link NodeProtocol} handshake and an HMAC, keyed by the cookie, over
 * that nonce, the message kind and both identities. AUTH calls {@link #authenticate} on the receiver, which asks
 * {@link NodeProtocol} whether the proof is valid and unused; a replayed or forged proof fails.
 */
public final class CookieToken extends AuthToken {

    /** Checks a received token; set on the local instance by the adapter. */
    public interface Verifier {
        boolean verify(CookieToken token, Message msg);
    }

    private volatile Verifier verifier;
    byte[] nonce;
    byte[] mac;
    /** For a message a node sends to itself (merge leader to itself): never serialized off this process. */
    boolean self;

    public CookieToken() {
    }

    CookieToken(byte[] nonce, byte[] mac, boolean self) {
        this.nonce = nonce;
        this.mac = mac;
        this.self = self;
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
        return 1 + 1 + (nonce == null ? 0 : nonce.length) + 1 + (mac == null ? 0 : mac.length);
    }

    @Override
    public boolean authenticate(AuthToken token, Message msg) {
        Verifier v = verifier;
        return v != null && token instanceof CookieToken t && v.verify(t, msg);
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
        out.writeBoolean(self);
        NodeHeader.writeBytes(out, nonce);
        NodeHeader.writeBytes(out, mac);
    }

    @Override
    public void readFrom(DataInput in) throws IOException {
        self = in.readBoolean();
        nonce = NodeHeader.readBounded(in, CookieSecret.NONCE_BYTES);
        mac = NodeHeader.readBounded(in, CookieSecret.MAC_BYTES);
    }

    @Override
    public String toString() {
        return "CookieToken[" + (self ? "self" : "proof") + "]";
    }
}
