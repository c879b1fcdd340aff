package io.distribute.internal.secure;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * The watch connections one node accepted (the other end of a {@link Watch}): held open until the node says goodbye
 * on each before it leaves on purpose ({@link #farewell()}); any other close tells the watcher the process is gone.
 */
final class Watchers {

    /** Watch connections this node accepted, newest last; a ring has one watcher per node, older ones are stale. */
    private final java.util.ArrayDeque<Socket> watchers = new java.util.ArrayDeque<>();
    private static final int MAX_WATCHERS = 4;
    private boolean farewell;

    /** Keeps an accepted watch connection open; false if this node is already saying goodbye. */
    boolean watched(Socket s) {
        synchronized (watchers) {
            if (farewell) {
                return false;
            }
            watchers.addLast(s);
            while (watchers.size() > MAX_WATCHERS) {
                closeQuietly(watchers.removeFirst());
            }
            return true;
        }
    }

    /** Tells every watcher this node is leaving on purpose (one byte), then closes their connections. */
    void farewell() {
        List<Socket> all;
        synchronized (watchers) {
            farewell = true;
            all = new ArrayList<>(watchers);
            watchers.clear();
        }
        for (Socket s : all) {
            try {
                s.getOutputStream().write(Watch.BYE);
                s.getOutputStream().flush();
            } catch (IOException e) {
                // the watcher is gone already
            }
            closeQuietly(s);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
