package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.PhysicalAddress;
import org.jgroups.View;
import org.jgroups.util.ByteArrayDataInputStream;
import org.jgroups.util.ByteArrayDataOutputStream;
import org.jgroups.util.Util;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.function.Function;
import java.util.Map;

/**
 * What a node tells a prober that proved our cookie (connect and ping of a non-member): its address, where it
 * listens, its view and where each member listens. Also the address lists a merge trigger carries.
 */
final class ProbeAnswers {

    static final int MAX_MAPPINGS = 1024;

    /** A node's answer to a probe. */
    record Answer(Address from, String name, View view, PhysicalAddress physical,
                  Map<Address, PhysicalAddress> mappings) {}

    private ProbeAnswers() {
    }

    /** This node's answer: who it is ({@code self}), where it and each member of its view listen. */
    static byte[] answer(Address self, View view, Function<Address, PhysicalAddress> whereIs) {
        Map<Address, PhysicalAddress> known = new LinkedHashMap<>();
        if (view != null) {
            for (Address m : view.getMembers()) {
                PhysicalAddress p = whereIs.apply(m);
                if (p != null) {
                    known.put(m, p);
                }
            }
        }
        return write(self, whereIs.apply(self), view, known);
    }

    static byte[] write(Address self, PhysicalAddress physical, View view, Map<Address, PhysicalAddress> mappings) {
        try {
            ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(256);
            Util.writeAddress(self, out);
            Util.writeAddress(physical, out);
            Util.writeView(view, out);
            writeMappings(mappings, out);
            return Arrays.copyOf(out.buffer(), out.position());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Answer read(byte[] body) throws IOException {
        try {
            ByteArrayDataInputStream in = new ByteArrayDataInputStream(body);
            Address from = Util.readAddress(in);
            Address physical = Util.readAddress(in);
            View view = Util.readView(in);
            Map<Address, PhysicalAddress> mappings = readMappings(in);
            return new Answer(from, NodeAddress.nameOf(from), view,
                    physical instanceof PhysicalAddress p ? p : null, mappings);
        } catch (ClassNotFoundException | RuntimeException e) {
            throw new IOException("malformed probe answer: " + e, e);
        }
    }

    static void writeMappings(Map<Address, PhysicalAddress> mappings, ByteArrayDataOutputStream out) throws IOException {
        int n = Math.min(mappings.size(), MAX_MAPPINGS);
        out.writeShort(n);
        int i = 0;
        for (Map.Entry<Address, PhysicalAddress> e : mappings.entrySet()) {
            if (i++ == n) {
                break;
            }
            Util.writeAddress(e.getKey(), out);
            Util.writeAddress(e.getValue(), out);
        }
    }

    static Map<Address, PhysicalAddress> readMappings(ByteArrayDataInputStream in) throws IOException, ClassNotFoundException {
        int n = in.readUnsignedShort();
        if (n > MAX_MAPPINGS) {
            throw new IOException("too many mappings: " + n);
        }
        Map<Address, PhysicalAddress> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            Address logical = Util.readAddress(in);
            Address physical = Util.readAddress(in);
            if (logical != null && physical instanceof PhysicalAddress p) {
                out.put(logical, p);
            }
        }
        return out;
    }
}
