package io.distribute.bench;

import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.TP;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.stack.DiagnosticsHandler;
import org.jgroups.stack.ProtocolStack;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The baseline: a raw JGroups channel on the stock {@code tcp.xml} of the JGroups jar, changed only where a
 * benchmark on one machine must: bind address and port (TP and FD_SOCK2), TCPPING's initial hosts listed exactly
 * ({@code port_range=0}), diagnostics and GMS' stdout banner off, and, only where a workload says so, FD_ALL3's
 * timeout. Its "ping" is a request/response pair of plain messages answered from {@link Receiver#receive}.
 */
final class RawNode implements AutoCloseable {

    private static final byte REQ = 1;
    private static final byte RSP = 2;

    final String name;
    final JChannel channel;
    private volatile View view;
    private volatile long viewNanos;
    private final List<Consumer<View>> listeners = new CopyOnWriteArrayList<>();
    private final Map<Long, CompletableFuture<Long>> pending = new ConcurrentHashMap<>();
    private final AtomicLong seq = new AtomicLong();

    static void routeLogging() {
        io.distribute.internal.JGroupsLogging.routeToSlf4j();
    }

    private RawNode(String name, JChannel channel) {
        this.name = name;
        this.channel = channel;
    }

    /**
     * Creates and connects a stock channel named {@code name}, bound to {@code bind:port}, discovering
     * {@code hosts}; {@code fdTimeoutMs > 0} sets FD_ALL3's timeout (interval a quarter of it), else stock 40 s.
     */
    static RawNode start(String name, String cluster, InetAddress bind, int port, List<InetSocketAddress> hosts,
                         long fdTimeoutMs) throws Exception {
        RawNode n = create(name, bind, port, hosts, fdTimeoutMs);
        try {
            n.channel.connect(cluster);
            n.onView(n.channel.getView());
            return n;
        } catch (Exception | Error e) {
            n.channel.close();
            throw e;
        }
    }

    /** As {@link #start} without connecting: the caller times {@code channel.connect}. */
    static RawNode create(String name, InetAddress bind, int port, List<InetSocketAddress> hosts, long fdTimeoutMs)
            throws Exception {
        routeLogging();
        JChannel ch = new JChannel("tcp.xml");
        ProtocolStack st = ch.getProtocolStack();
        TP tp = st.getTransport();
        tp.setBindAddress(bind);
        tp.setBindPort(port);
        tp.setPortRange(0);
        DiagnosticsHandler diag = tp.getDiagnosticsHandler();
        if (diag != null) {
            diag.setEnabled(false);
        }
        FD_SOCK2 fdSock = st.findProtocol(FD_SOCK2.class);
        if (fdSock != null) {
            fdSock.setBindAddress(bind);
        }
        TCPPING ping = st.findProtocol(TCPPING.class);
        ping.setInitialHosts(hosts);
        ping.setPortRange(0);
        GMS gms = st.findProtocol(GMS.class);
        gms.printLocalAddress(false);
        if (fdTimeoutMs > 0) {
            FD_ALL3 fd = st.findProtocol(FD_ALL3.class);
            fd.setTimeout(fdTimeoutMs);
            fd.setInterval(Math.max(25, fdTimeoutMs / 4));
        }
        ch.setName(name);
        RawNode n = new RawNode(name, ch);
        ch.setReceiver(n.receiver());
        return n;
    }

    /** Sets FD_ALL3's timeout and interval (ms) on a created, not yet connected node. */
    static void setDetection(RawNode n, long timeoutMs, long intervalMs) {
        FD_ALL3 fd = n.channel.getProtocolStack().findProtocol(FD_ALL3.class);
        fd.setTimeout(timeoutMs);
        fd.setInterval(intervalMs);
    }

    private Receiver receiver() {
        return new Receiver() {
            @Override
            public void viewAccepted(View v) {
                onView(v);
            }

            @Override
            public void receive(Message msg) {
                byte[] b = msg.getArray();
                if (b == null || b.length < 9) {
                    return;
                }
                int off = msg.getOffset();
                long id = readLong(b, off + 1);
                if (b[off] == REQ) {
                    try {
                        channel.send(new BytesMessage(msg.getSrc(), frame(RSP, id)));
                    } catch (Exception e) {
                        // the requester times out
                    }
                } else if (b[off] == RSP) {
                    CompletableFuture<Long> f = pending.remove(id);
                    if (f != null) {
                        f.complete(System.nanoTime());
                    }
                }
            }
        };
    }

    private synchronized void onView(View v) {
        if (v == null || (view != null && view.getViewId().compareTo(v.getViewId()) >= 0)) {
            return;
        }
        view = v;
        viewNanos = System.nanoTime();
        for (Consumer<View> l : listeners) {
            l.accept(v);
        }
    }

    void addViewListener(Consumer<View> l) {
        listeners.add(l);
    }

    View view() {
        return view;
    }

    long viewNanos() {
        return viewNanos;
    }

    int size() {
        View v = view;
        return v == null ? 0 : v.size();
    }

    Address address() {
        return channel.getAddress();
    }

    /** Round trip of a request/response message pair in ns, or -1 after {@code timeoutMs}. */
    long ping(Address dest, long timeoutMs) throws Exception {
        long id = seq.incrementAndGet();
        CompletableFuture<Long> f = new CompletableFuture<>();
        pending.put(id, f);
        long start = System.nanoTime();
        channel.send(new BytesMessage(dest, frame(REQ, id)));
        try {
            return f.get(timeoutMs, TimeUnit.MILLISECONDS) - start;
        } catch (java.util.concurrent.TimeoutException e) {
            pending.remove(id);
            return -1;
        }
    }

    private static byte[] frame(byte type, long id) {
        byte[] b = new byte[9];
        b[0] = type;
        for (int i = 0; i < 8; i++) {
            b[1 + i] = (byte) (id >>> (56 - 8 * i));
        }
        return b;
    }

    private static long readLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }

    static List<InetSocketAddress> hosts(InetAddress host, int... ports) {
        return java.util.Arrays.stream(ports).mapToObj(p -> new InetSocketAddress(host, p)).toList();
    }

    @Override
    public void close() {
        channel.close();
    }
}
