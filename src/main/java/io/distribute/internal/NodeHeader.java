package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.Header;
import org.jgroups.PhysicalAddress;
import org.jgroups.ViewId;
import org.jgroups.util.Util;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * The header of {@link NodeProtocol}'s own messages: pings, merge triggers, mappings, and departure reasons riding on
 * views. Only cookie holders can send one (the secure connection layer authenticates every byte below JGroups);
 * lengths are still bounded so that a bug cannot allocate without limit.
 */
public final class NodeHeader extends Header {

    static final byte PING = 3;
    static final byte PONG = 4;
    static final byte MERGE = 5;
    static final byte MAPPINGS = 6;
    /** Rides on GMS' VIEW message: why the members that left it were removed. */
    static final byte REASONS = 7;

    /** A member's watch connection to {@code members[0]} closed without a goodbye (see CrashWatch). */
    static final byte CRASHED = 8;

    /** Rides on a JOIN_REQ or MERGE_REQ: where its sender listens (see {@link GmsTraffic#outgoing}). */
    static final byte JOINER = 9;

    /** Rides on VERIFY_SUSPECT2's "are you dead?": the asker's view id (see {@link VerifySuspect}). */
    static final byte ASKER_VIEW = 10;

    /** At most this many reasons ride on one view. */
    static final int MAX_REASONS = 256;

    byte type;
    long requestId;
    /** REASONS: departed members and, index by index, the wire code of their DownReason (see {@link Departures}). */
    Address[] members;
    byte[] reasons;
    /** PONG: the responder's view id, so a caller can tell the peer installed the same view. ASKER_VIEW: the asker's. */
    ViewId viewId;
    /** JOINER: the joiner's (or merge leader's) physical address. */
    PhysicalAddress physical;

    public NodeHeader() {
    }

    NodeHeader(byte type, long requestId) {
        this.type = type;
        this.requestId = requestId;
    }

    @Override
    public short getMagicId() {
        return NodeProtocol.HEADER_MAGIC;
    }

    @Override
    public Supplier<? extends Header> create() {
        return NodeHeader::new;
    }

    NodeHeader viewId(ViewId id) {
        this.viewId = id;
        return this;
    }

    NodeHeader physical(PhysicalAddress where) {
        this.physical = where;
        return this;
    }

    NodeHeader reasons(Address[] members, byte[] reasons) {
        this.members = members;
        this.reasons = reasons;
        return this;
    }

    @Override
    public int serializedSize() {
        int n = 1 + 8;
        if (type == PONG || type == ASKER_VIEW) {
            n += Util.size(viewId);
        }
        if (type == JOINER) {
            n += Util.size(physical);
        }
        if (type == REASONS || type == CRASHED) {
            n += 2;
            for (Address a : members) {
                n += Util.size(a) + 1;
            }
        }
        return n;
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(type);
        out.writeLong(requestId);
        if (type == PONG || type == ASKER_VIEW) {
            Util.writeViewId(viewId, out);
        }
        if (type == JOINER) {
            Util.writeAddress(physical, out);
        }
        if (type == REASONS || type == CRASHED) {
            out.writeShort(members.length);
            for (int i = 0; i < members.length; i++) {
                Util.writeAddress(members[i], out);
                out.writeByte(reasons[i]);
            }
        }
    }

    @Override
    public void readFrom(DataInput in) throws IOException {
        type = in.readByte();
        requestId = in.readLong();
        try {
            if (type == PONG || type == ASKER_VIEW) {
                viewId = Util.readViewId(in);
            }
            if (type == JOINER) {
                physical = Util.readAddress(in) instanceof PhysicalAddress p ? p : null;
            }
            if (type == REASONS || type == CRASHED) {
                int n = in.readUnsignedShort();
                if (n > MAX_REASONS) {
                    throw new IOException(n + " reasons exceed " + MAX_REASONS);
                }
                members = new Address[n];
                reasons = new byte[n];
                for (int i = 0; i < n; i++) {
                    members[i] = Util.readAddress(in);
                    reasons[i] = in.readByte();
                }
            }
        } catch (ClassNotFoundException e) {
            throw new IOException(e);
        }
    }

    /** Reads a length-prefixed field of at most {@code max} bytes (null if empty). */
    static byte[] readBounded(DataInput in, int max) throws IOException {
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

    static void writeBytes(DataOutput out, byte[] b) throws IOException {
        if (b == null) {
            out.writeByte(0);
        } else {
            out.writeByte(b.length);
            out.write(b);
        }
    }

    @Override
    public String toString() {
        return "NodeHeader[type=" + type + ", req=" + requestId + "]";
    }
}
