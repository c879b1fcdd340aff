package io.distribute.internal.secure;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A handshake that races a node's close must not use the zeroed key: the other end would see a bad PSK binder and a
 * connect would report "rejected our cookie" for a node that was only shutting down (seen as a WARN in a scale run).
 */
class TrustTest {

    @Test
    void eachHandshakeGetsACopyAndAClosedNodeNone() {
        byte[] psk = new byte[32];
        Arrays.fill(psk, (byte) 7);
        Trust trust = new Trust(psk, new byte[32], null);
        byte[] key = trust.liveKey();
        assertArrayEquals(psk, key);
        key[0] = 0;
        assertEquals(7, trust.liveKey()[0], "a copy: a handshake cannot change the node's key");
        trust.destroy();
        assertTrue(trust.destroyed());
        assertThrows(IllegalStateException.class, trust::liveKey);
    }
}
