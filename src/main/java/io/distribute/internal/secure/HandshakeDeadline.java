package io.distribute.internal.secure;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;

/**
 * Bounds the whole handshake of a {@link TlsSocket}: every read waits at most until the deadline. Unless the handshake
 * has a caller's budget (a probe), time the JVM spent in collection pauses meanwhile moves the deadline (see
 * {@link GcPauses}).
 */
final class HandshakeDeadline extends FilterInputStream {
    private final Socket socket;
    private final Runnable hungUp;
    private volatile long deadline;
    private final boolean pausesExcluded;
    private final long pausesAtStart;

    /**
     * @param in     the socket's own input
     * @param socket the socket whose read timeout each read sets
     * @param hungUp runs when the peer closes its end before the handshake is done
     */
    HandshakeDeadline(InputStream in, Socket socket, long deadline, boolean pausesExcluded, Runnable hungUp) {
        super(in);
        this.socket = socket;
        this.hungUp = hungUp;
        this.deadline = deadline;
        this.pausesExcluded = pausesExcluded;
        this.pausesAtStart = pausesExcluded ? GcPauses.nanos() : 0;
    }

    void done() {
        deadline = Long.MAX_VALUE;
    }

    /** Nanoseconds left, or Long.MAX_VALUE once the handshake is done. */
    private long left() {
        long d = deadline;
        if (d == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        long paused = pausesExcluded ? GcPauses.nanos() - pausesAtStart : 0;
        return d + paused - System.nanoTime();
    }

    private void arm() throws IOException {
        long left = left();
        if (left == Long.MAX_VALUE) {
            return;
        }
        if (left <= 0) {
            throw new SocketTimeoutException("TLS handshake not finished in time");
        }
        socket.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    }

    @Override
    public int read() throws IOException {
        while (true) {
            arm();
            try {
                return atEnd(super.read());
            } catch (SocketTimeoutException e) {
                if (left() <= 0) {
                    throw e;
                } // else a collection pause moved the deadline: wait on
            }
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        while (true) {
            arm();
            try {
                return atEnd(super.read(b, off, len));
            } catch (SocketTimeoutException e) {
                if (left() <= 0) {
                    throw e;
                }
            }
        }
    }

    private int atEnd(int n) {
        if (n < 0 && deadline != Long.MAX_VALUE) {
            hungUp.run();
        }
        return n;
    }
}
