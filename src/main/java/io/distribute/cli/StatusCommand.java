package io.distribute.cli;

import io.distribute.cluster.ClusterConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code distribute status}: asks a node's health endpoint ({@code /health/ready} and {@code /members}) and prints
 * what it says for a person. Exit code 0 if the node is ready, 1 if it is not or does not answer: the container
 * health check.
 */
@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Asks a node's health endpoint whether it is ready and who its cluster's members are, and"
                + " prints it. Exit code 0 if the node is ready, 1 if it is not ready or does not answer.",
                "Without --url the endpoint is the one this environment's node serves: http://HOST:PORT/ with PORT"
                        + " from $DISTRIBUTE_HTTP_PORT and HOST from $DISTRIBUTE_HTTP_ADDRESS or the host of"
                        + " $DISTRIBUTE_NAME (127.0.0.1 for 0.0.0.0).", "",
                "Example:", "  distribute status --url http://10.0.0.5:8080/", ""})
final class StatusCommand implements Callable<Integer> {

    private static final Pattern STRING = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

    @Spec
    CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL",
            description = "the node's endpoint, e.g. http://10.0.0.5:8080/ (default: from the DISTRIBUTE_* variables)")
    String url;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = NodeSettings.DurationConverter.class,
            description = "how long to wait for each answer, with a unit (default: 2s)")
    Duration timeout = Duration.ofSeconds(2);

    @Override
    public Integer call() {
        URI base = base();
        PrintWriter out = spec.commandLine().getOut();
        HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
        HttpResponse<String> ready;
        HttpResponse<String> members;
        try {
            ready = get(http, base.resolve("health/ready"));
            members = get(http, base.resolve("members"));
        } catch (IOException e) {
            out.println("no answer from " + base + ": " + (e.getMessage() != null ? e.getMessage()
                    : e.getClass().getSimpleName()));
            out.flush();
            return Main.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.FAILED;
        }
        String readyBody = ready.body();
        String self = field(members.body(), "self");
        String coordinator = field(members.body(), "coordinator");
        String viewId = field(members.body(), "viewId");
        List<Member> all = members(members.body());
        boolean isReady = ready.statusCode() == 200;
        String reason = field(readyBody, "reason");
        out.println(self + "  " + (isReady ? "READY" : "NOT READY") + "  (" + number(readyBody, "connected")
                + " other node(s) connected, " + number(readyBody, "required") + " required"
                + (reason != null && !isReady ? "; " + reason : "") + ")");
        if (viewId != null) {
            out.println("view " + viewId + ", coordinator " + coordinator);
        }
        out.println("members (" + all.size() + "):");
        int width = all.stream().mapToInt(m -> m.name().length()).max().orElse(0);
        for (Member m : all) {
            String tags = m.name().equals(self) && m.name().equals(coordinator) ? "  (this node, coordinator)"
                    : m.name().equals(self) ? "  (this node)" : m.name().equals(coordinator) ? "  (coordinator)" : "";
            out.println("  " + pad(m.name(), width) + "  " + (m.address() != null ? m.address() : "?") + tags);
        }
        out.flush();
        return isReady ? Main.OK : Main.FAILED;
    }

    private HttpResponse<String> get(HttpClient http, URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** --url, or the endpoint the environment's node serves; a usage error if neither says where. */
    private URI base() {
        String u = url;
        if (u == null) {
            ClusterConfig c;
            try {
                c = ClusterConfig.fromEnvironment();
            } catch (IllegalArgumentException e) {
                throw NodeSettings.usage(spec, e.getMessage());
            }
            if (c.httpPort() == 0) {
                throw NodeSettings.usage(spec, "no endpoint: pass --url URL or set DISTRIBUTE_HTTP_PORT");
            }
            String host = c.httpAddress().orElse(null);
            if (host == null && c.nodeName().isPresent() && c.nodeName().get().indexOf('@') > 0) {
                String n = c.nodeName().get();
                host = hostOf(n.substring(n.indexOf('@') + 1));
            }
            if (host == null || host.equals("0.0.0.0") || host.equals("::")) {
                host = "127.0.0.1";
            }
            u = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + c.httpPort() + "/";
        }
        try {
            URI uri = URI.create(u.endsWith("/") ? u : u + "/");
            if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("not an http:// URL");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw NodeSettings.usage(spec, "--url '" + u + "': " + e.getMessage());
        }
    }

    /** A string field of the endpoint's flat JSON. */
    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":" + STRING.pattern()).matcher(json);
        return m.find() ? unescape(m.group(1)) : null;
    }

    /** A number field of the endpoint's flat JSON, as written. */
    static String number(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":(-?[0-9]+)").matcher(json);
        return m.find() ? m.group(1) : "?";
    }

    /** A member as {@code /members} lists it: its node name and the {@code host:port} it is reached at. */
    record Member(String name, String address) {
    }

    /** The {@code members} array of {@code /members}: objects with a name and an address (a string or null). */
    static List<Member> members(String json) {
        List<Member> out = new ArrayList<>();
        Matcher m = Pattern.compile("\\{\"name\":" + STRING.pattern() + ",\"address\":(?:null|" + STRING.pattern()
                + ")}").matcher(json);
        while (m.find()) {
            out.add(new Member(unescape(m.group(1)), m.group(2) == null ? null : unescape(m.group(2))));
        }
        return out;
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                b.append(c);
                continue;
            }
            char n = s.charAt(++i);
            switch (n) {
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    if (i + 4 < s.length()) {
                        b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                        i += 4;
                    }
                }
                default -> b.append(n);
            }
        }
        return b.toString();
    }

    /** The host part of {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port}. */
    static String hostOf(String hostPort) {
        if (hostPort.startsWith("[")) {
            int end = hostPort.indexOf(']');
            return end > 0 ? hostPort.substring(1, end) : hostPort;
        }
        int colon = hostPort.indexOf(':');
        return colon >= 0 && colon == hostPort.lastIndexOf(':') ? hostPort.substring(0, colon) : hostPort;
    }
}
