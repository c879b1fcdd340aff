package io.distribute.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.distribute.cluster.ClusterNode;
import io.distribute.Result;
import io.distribute.internal.NodeAccess;
import io.distribute.internal.NodeName;
import io.distribute.internal.ViewSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A node's health and membership endpoint over plain HTTP (the JDK's {@code com.sun.net.httpserver}), for
 * container health checks, Kubernetes probes and people:
 *
 * <ul>
 *   <li>{@code GET /health/live}: 200 while the endpoint runs (the process is alive);</li>
 *   <li>{@code GET /health/ready}: 200 when the node is started, connected to at least {@code readyMembers} other
 *       nodes and, with {@code readySeed}, to at least one of its seeds other than itself; 503 otherwise, with a
 *       {@code reason} naming what is missing;</li>
 *   <li>{@code GET /members}: this node, its current view's id and coordinator, and the view's members (itself
 *       included, sorted by name) with the {@code host:port} each is reached at, as JSON:
 *       {@code {"self":"a@10.0.0.5","viewId":"a@10.0.0.5|2","coordinator":"a@10.0.0.5","members":[{"name":"a@10.0.0.5",
 *       "address":"10.0.0.5:7800"},{"name":"b@10.0.0.6","address":"10.0.0.6:7800"}],"size":2,"ready":true}}. Once the
 *       node is closed, {@code viewId} and {@code coordinator} are null and {@code members} is empty.</li>
 * </ul>
 *
 * <p>Every answer is a small JSON object; any other path is 404 and any method but GET and HEAD is 405. Requests
 * are served one at a time on one daemon thread, {@code distribute-http-<node>}.
 *
 * <p>Usually started by the node itself: set {@link io.distribute.cluster.ClusterConfig.Builder#httpPort(int)}
 * (or {@code DISTRIBUTE_HTTP_PORT}) and {@link ClusterNode#close()} stops it. The endpoint has no authentication
 * and lists node names: bind it to an address only your orchestrator and operators reach.
 */
public final class HealthEndpoint implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HealthEndpoint.class);
    /** What {@link ClusterNode#selfNode()} says once the node is closed. */
    private static final String NO_NODE = "nonode@nohost";

    private final ClusterNode node;
    private final int readyMembers;
    /** The seeds other than the node itself of which one must be connected; empty = no such requirement. */
    private final List<String> readySeeds;
    private final HttpServer server;
    private final ExecutorService executor;

    private HealthEndpoint(ClusterNode node, int readyMembers, List<String> readySeeds, HttpServer server,
            ExecutorService executor) {
        this.node = node;
        this.readyMembers = readyMembers;
        this.readySeeds = readySeeds;
        this.server = server;
        this.executor = executor;
    }

    /**
     * Serves {@code node}'s endpoint on {@code address} (port 0 picks a free one; see {@link #address()}), without
     * the seed requirement: {@link #start(ClusterNode, InetSocketAddress, int, boolean)} with {@code false}.
     *
     * @param readyMembers other nodes {@code node} must be connected to before {@code /health/ready} answers 200
     * @throws IOException if the address cannot be bound (in use, not local, not permitted)
     * @throws IllegalArgumentException if {@code node} or {@code address} is null or {@code readyMembers} negative
     */
    public static HealthEndpoint start(ClusterNode node, InetSocketAddress address, int readyMembers)
            throws IOException {
        return start(node, address, readyMembers, false);
    }

    /**
     * Serves {@code node}'s endpoint on {@code address} (port 0 picks a free one; see {@link #address()}).
     *
     * @param readyMembers other nodes {@code node} must be connected to before {@code /health/ready} answers 200
     * @param readySeed whether {@code /health/ready} also waits until {@code node} is connected to at least one of its
     *        configured seeds ({@link io.distribute.cluster.ClusterConfig#seeds()}) other than itself; a node whose
     *        only seed is itself, or with no seeds, is not held back by it
     * @throws IOException if the address cannot be bound (in use, not local, not permitted)
     * @throws IllegalArgumentException if {@code node} or {@code address} is null or {@code readyMembers} negative
     */
    public static HealthEndpoint start(ClusterNode node, InetSocketAddress address, int readyMembers,
            boolean readySeed) throws IOException {
        if (node == null || address == null || readyMembers < 0) {
            throw new IllegalArgumentException("HealthEndpoint.start needs a node, an address and readyMembers >= 0");
        }
        List<String> readySeeds = readySeed ? otherSeeds(node.config().seeds(), node.selfNode()) : List.of();
        HttpServer server = HttpServer.create(address, 16);
        String thread = "distribute-http-" + node.selfNode();
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, thread);
            t.setDaemon(true);
            return t;
        });
        HealthEndpoint e = new HealthEndpoint(node, readyMembers, readySeeds, server, executor);
        server.createContext("/", e::handle);
        server.setExecutor(executor);
        startDaemon(server);
        LOG.debug("{}: health endpoint on http://{}/", node.selfNode(), hostPort(e.address()));
        return e;
    }

    /**
     * Starts the server from a daemon thread: the JDK's dispatcher thread inherits daemon status from the thread
     * that starts it, and a non-daemon dispatcher would keep a JVM alive that forgot to close its node.
     */
    private static void startDaemon(HttpServer server) throws IOException {
        Thread starter = new Thread(server::start, "distribute-http-start");
        starter.setDaemon(true);
        starter.start();
        try {
            starter.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        if (starter.isAlive()) {
            server.stop(0);
            throw new IOException("the HTTP server did not start within 10 s");
        }
    }

    /** The address and port the endpoint is bound to. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Stops serving; idempotent. Requests in progress are cut off. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "HealthEndpoint[http://" + hostPort(address()) + "/]";
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                send(ex, 405, "{\"error\":\"method not allowed\"}");
                return;
            }
            String path = ex.getRequestURI().getPath();
            switch (path) {
                case "/health/live" -> send(ex, 200, "{\"live\":true}");
                case "/health/ready" -> ready(ex);
                case "/members" -> members(ex);
                default -> send(ex, 404, "{\"error\":\"not found\",\"paths\":[\"/health/live\",\"/health/ready\","
                        + "\"/members\"]}");
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("health endpoint: {}", e.toString());
        }
    }

    private void ready(HttpExchange ex) throws IOException {
        String self = node.selfNode();
        List<String> others = node.nodes();
        boolean seedConnected = seedConnected(others);
        String reason = notReadyReason(self, others.size(), seedConnected);
        boolean ready = reason == null;
        String seeds = readySeeds.isEmpty() ? "" : ",\"seeds\":" + quoteAll(readySeeds) + ",\"seedConnected\":"
                + seedConnected;
        send(ex, ready ? 200 : 503, "{\"ready\":" + ready + ",\"self\":" + quote(self) + ",\"connected\":"
                + others.size() + ",\"required\":" + readyMembers + seeds + (reason == null ? "" : ",\"reason\":"
                + quote(reason)) + "}");
    }

    /** Why the node is not ready, naming everything missing; null if it is ready. */
    private String notReadyReason(String self, int connected, boolean seedConnected) {
        if (NO_NODE.equals(self)) {
            return "node stopped";
        }
        List<String> missing = new ArrayList<>(2);
        if (connected < readyMembers) {
            missing.add("connected to " + connected + " of the " + readyMembers + " other nodes required");
        }
        if (!seedConnected) {
            missing.add("not connected to any seed of " + readySeeds);
        }
        return missing.isEmpty() ? null : String.join("; ", missing);
    }

    /** True if no seed is required or one of {@code others} is a required seed. */
    private boolean seedConnected(List<String> others) {
        return readySeeds.isEmpty()
                || others.stream().anyMatch(m -> readySeeds.stream().anyMatch(s -> sameNode(s, m)));
    }

    /** {@code seeds} without those naming {@code self}. */
    static List<String> otherSeeds(List<String> seeds, String self) {
        return seeds.stream().filter(s -> !sameNode(s, self)).toList();
    }

    /**
     * Whether the seed {@code seed} names the node {@code node}: the same name and host (case aside), and the same
     * port if both give one ({@code connect("b@host")} finds {@code b@host:7801} in the port range). Names that do
     * not parse match only themselves.
     */
    static boolean sameNode(String seed, String node) {
        if (seed.equals(node)) {
            return true;
        }
        if (!(NodeName.parse(seed) instanceof Result.Ok<NodeName, String> s)
                || !(NodeName.parse(node) instanceof Result.Ok<NodeName, String> n)) {
            return false;
        }
        NodeName a = s.value();
        NodeName b = n.value();
        return a.name().equals(b.name()) && a.host().equalsIgnoreCase(b.host())
                && (!a.hasPort() || !b.hasPort() || a.port() == b.port());
    }

    private void members(HttpExchange ex) throws IOException {
        ViewSnapshot view = NodeAccess.view(node);
        List<ViewSnapshot.Member> members = view.members();
        StringBuilder b = new StringBuilder("{\"self\":").append(quote(view.self()))
                .append(",\"viewId\":").append(quote(view.viewId()))
                .append(",\"coordinator\":").append(quote(view.coordinator()))
                .append(",\"members\":[");
        for (int i = 0; i < members.size(); i++) {
            ViewSnapshot.Member m = members.get(i);
            b.append(i == 0 ? "{" : ",{").append("\"name\":").append(quote(m.name()))
                    .append(",\"address\":").append(quote(m.address())).append('}');
        }
        List<String> others = members.stream().map(ViewSnapshot.Member::name)
                .filter(n -> !n.equals(view.self())).toList();
        boolean ready = notReadyReason(view.self(), others.size(), seedConnected(others)) == null;
        b.append("],\"size\":").append(members.size()).append(",\"ready\":").append(ready).append('}');
        send(ex, 200, b.toString());
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] body = (json + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** {@code s} as a JSON string: quotes, backslashes and control characters escaped. */
    static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static String quoteAll(List<String> strings) {
        StringBuilder b = new StringBuilder("[");
        for (String s : strings) {
            b.append(b.length() == 1 ? "" : ",").append(quote(s));
        }
        return b.append(']').toString();
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.contains(":") ? "[" + host.replaceAll("%.*", "") + "]" : host) + ":" + a.getPort();
    }
}
