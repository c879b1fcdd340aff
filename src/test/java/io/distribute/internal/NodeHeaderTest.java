package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.View;
import org.jgroups.ViewId;
import org.jgroups.stack.IpAddress;
import org.jgroups.util.ByteArrayDataInputStream;
import org.jgroups.util.ByteArrayDataOutputStream;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NodeHeaderTest {

    private static NodeHeader roundTrip(NodeHeader h) throws Exception {
        ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(16);
        h.writeTo(out);
        assertEquals(h.serializedSize(), out.position(), "serializedSize of type " + h.type);
        NodeHeader back = new NodeHeader();
        back.readFrom(new ByteArrayDataInputStream(out.buffer(), 0, out.position()));
        return back;
    }

    @Test
    void aJoinerTellsWhereItListens() throws Exception {
        IpAddress where = new IpAddress("127.0.0.1", 23005);
        NodeHeader back = roundTrip(new NodeHeader(NodeHeader.JOINER, 0).physical(where));
        assertEquals(NodeHeader.JOINER, back.type);
        assertEquals(where, back.physical);
    }

    @Test
    void everyKindSurvivesTheWire() throws Exception {
        Address a = UUID.randomUUID();
        Address b = UUID.randomUUID();
        ViewId vid = View.create(a, 7, a, b).getViewId();
        assertEquals(vid, roundTrip(new NodeHeader(NodeHeader.PONG, 42).viewId(vid)).viewId);
        assertEquals(vid, roundTrip(new NodeHeader(NodeHeader.ASKER_VIEW, 0).viewId(vid)).viewId);
        assertEquals(42, roundTrip(new NodeHeader(NodeHeader.PING, 42)).requestId);
        NodeHeader reasons = roundTrip(new NodeHeader(NodeHeader.REASONS, 0)
                .reasons(new Address[] {a, b}, new byte[] {1, 3}));
        assertEquals(List.of(a, b), List.of(reasons.members));
        assertArrayEquals(new byte[] {1, 3}, reasons.reasons);
    }

    @Test
    void tooManyReasonsAreRefused() throws Exception {
        ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(16);
        out.writeByte(NodeHeader.REASONS);
        out.writeLong(0);
        out.writeShort(NodeHeader.MAX_REASONS + 1);
        NodeHeader h = new NodeHeader();
        assertThrows(java.io.IOException.class,
                () -> h.readFrom(new ByteArrayDataInputStream(out.buffer(), 0, out.position())));
    }
}
