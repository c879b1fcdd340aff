package io.distribute.internal;

import org.jgroups.Header;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.function.Supplier;

/** The header of {@link NodeProtocol}'s own messages: hello/ack handshakes, pings, merge triggers, mappings. */
public final class NodeHeader extends Header {

    static final byte HELLO = 1;
    static final byte ACK = 2;
    static final byte PING = 3;
    static final byte PONG = 4;
    static final byte MERGE = 5;
    static final byte MAPPINGS = 6;

    byte type;
    long requestId;
    /** HELLO, ACK: the prober's nonce; MERGE: the nonce the receiver issued to the sender. */
    byte[] nonceA;
    /** ACK: the responder's nonce. */
    byte[] nonceB;
    /** ACK, MERGE: the HMAC proof. */
    byte[] mac;

    public NodeHeader() {
    }

    NodeHeader(byte type, long requestId) {
        this.type = type;
        this.requestId = requestId;
    }

    NodeHeader nonces(byte[] a, byte[] b) {
        this.nonceA = a;
        this.nonceB = b;
        return this;
    }

    NodeHeader mac(byte[] mac) {
        this.mac = mac;
        return this;
    }

    @Override
    public short getMagicId() {
        return NodeProtocol.HEADER_MAGIC;
    }

    @Override
    public Supplier<? extends Header> create() {
        return NodeHeader::new;
    }

    @Override
    public int serializedSize() {
        return 1 + 8 + size(nonceA) + size(nonceB) + size(mac);
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(type);
        out.writeLong(requestId);
        write(out, nonceA);
        write(out, nonceB);
        write(out, mac);
    }

    @Override
    public void readFrom(DataInput in) throws IOException {
        type = in.readByte();
        requestId = in.readLong();
        nonceA = read(in, CookieSecret.NONCE_BYTES);
        nonceB = read(in, CookieSecret.NONCE_BYTES);
        mac = read(in, CookieSecret.MAC_BYTES);
    }

    private static int size(byte[] b) {
        return 1 + (b == null ? 0 : b.length);
    }

    private static void write(DataOutput out, byte[] b) throws IOException {
        if (b == null) {
            out.writeByte(0);
        } else {
            out.writeByte(b.length);
            out.write(b);
        }
    }

    /** Reads a field of at most {@code max} bytes; a larger length is an attack or corruption, not an allocation. */
    private static byte[] read(DataInput in, int max) throws IOException {
        int n = in.readUnsignedByte();
        if (n == 0) {
            return null;
        }
        if (n > max) {
            throw new IOException("field of " + n + " bytes exceeds " + max);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    static byte[] readBounded(DataInput in, int max) throws IOException {
        return read(in, max);
    }

    static void writeBytes(DataOutput out, byte[] b) throws IOException {
        write(out, b);
    }

    @Override
    public String toString() {
        return "NodeHeader[type=" + type + ", req=" + requestId + "]";
    }
}
