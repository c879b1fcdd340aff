package io.distribute.internal;

import org.jgroups.Header;

import java.io.DataInput;
import java.io.DataOutput;
import java.util.function.Supplier;

/** Marks a frame sealed by {@link EncryptProtocol}; carries nothing. */
public final class EncryptHeader extends Header {

    public EncryptHeader() {
    }

    @Override
    public short getMagicId() {
        return EncryptProtocol.HEADER_MAGIC;
    }

    @Override
    public Supplier<? extends Header> create() {
        return EncryptHeader::new;
    }

    @Override
    public int serializedSize() {
        return 0;
    }

    @Override
    public void writeTo(DataOutput out) {
    }

    @Override
    public void readFrom(DataInput in) {
    }

    @Override
    public String toString() {
        return "sealed";
    }
}
