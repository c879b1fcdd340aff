package io.distribute.security;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A passive eavesdropper on loopback: forwards one TCP connection to {@code upstream} unchanged and records what the
 * connecting side sent. A node asked to reach {@code name@127.0.0.1:<relay port>} talks through it.
 */
final class Relay implements AutoCloseable {

    private final ServerSocket listener;
    private final InetSocketAddress upstream;
    private final ByteArrayOutputStream fromClient = new ByteArrayOutputStream();
    private volatile Socket a;
    private volatile Socket b;

    Relay(InetSocketAddress upstream) throws IOException {
        this.upstream = upstream;
        this.listener = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        listener.setSoTimeout(10_000); // bounded: one connection within 10 s, or none
        Thread t = new Thread(this::relayOne, "attack-relay");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Everything the connecting side sent so far. */
    byte[] clientBytes() {
        synchronized (fromClient) {
            return fromClient.toByteArray();
        }
    }

    private void relayOne() {
        try {
            a = listener.accept();
            b = new Socket();
            b.connect(upstream, 1000);
            Thread back = new Thread(() -> pump(b, a, null), "attack-relay-back");
            back.setDaemon(true);
            back.start();
            pump(a, b, fromClient);
        } catch (IOException e) {
            // the relay is done
        } finally {
            Wire.closeQuietly(listener);
        }
    }

    private static void pump(Socket from, Socket to, ByteArrayOutputStream record) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            byte[] buf = new byte[4096];
            for (int n; (n = in.read(buf)) >= 0; ) {
                if (record != null) {
                    synchronized (record) {
                        record.write(buf, 0, n);
                    }
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side closed
        } finally {
            Wire.closeQuietly(from);
            Wire.closeQuietly(to);
        }
    }

    @Override
    public void close() {
        Wire.closeQuietly(listener);
        Wire.closeQuietly(a);
        Wire.closeQuietly(b);
    }
}
