package io.distribute.internal.secure;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A running watch of one node (see {@link SecureLayer#watch}): an authenticated connection held open on a thread of
 * its own. The watched node says goodbye on it before it leaves on purpose; any other end of the connection, or a
 * refused connection, means its process may be gone, and the watch reports that (its caller then checks).
 */
public final class Watch {
    static final int BYE = 1;
    private static final Logger LOG = LoggerFactory.getLogger(Watch.class);
    private final TlsSocket socket;
    private volatile TlsSocket current;
    private final InetSocketAddress target;
    private final int timeoutMillis;
    private final Runnable onCrash;
    private volatile boolean cancelled;

    Watch(TlsSocket socket, InetSocketAddress target, int timeoutMillis, Runnable onCrash) {
        this.socket = socket;
        this.current = socket;
        this.target = target;
        this.timeoutMillis = timeoutMillis;
        this.onCrash = onCrash;
    }

    void start(String threadName) {
        Thread t = new Thread(this::run, "distribute-watch");
        t.setDaemon(true);
        t.start();
        LOG.debug("{}", threadName);
    }

    private void run() {
        TlsSocket s = socket;
        for (int attempt = 1; ; attempt++) {
            try {
                s.connect(target, timeoutMillis);
                break;
            } catch (IOException e) {
                if (cancelled) {
                    return;
                }
                if (e instanceof java.net.ConnectException || e.getCause() instanceof java.net.ConnectException) {
                    // Nothing listens where a member of the view listens: its process is gone.
                    LOG.debug("watch of {} refused: {}", target, e.toString());
                    onCrash.run();
                    return;
                }
                if (attempt == 3) {
                    LOG.debug("cannot watch {}: {}; heartbeats decide", target, e.toString());
                    return;
                }
                try {
                    Thread.sleep(200L * attempt); // a short back-off between attempts of this background thread
                } catch (InterruptedException ie) {
                    return;
                }
                s = retry(s);
            }
        }
        LOG.debug("watching {}", target);
        int b;
        try {
            b = s.getInputStream().read();
        } catch (IOException e) {
            b = -1;
        }
        if (b != BYE && !cancelled) {
            LOG.debug("watch connection to {} closed without a goodbye", target);
            onCrash.run();
        }
        closeQuietly(s);
    }

    /** A fresh socket for another attempt (a socket that failed to connect cannot be reused). */
    private TlsSocket retry(TlsSocket failed) {
        closeQuietly(failed);
        TlsSocket next = failed.fresh();
        current = next;
        if (cancelled) {
            closeQuietly(next);
        }
        return next;
    }

    /** Stops watching (the node left the view, or another is our neighbour now). */
    public void cancel() {
        cancelled = true;
        closeQuietly(current);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
