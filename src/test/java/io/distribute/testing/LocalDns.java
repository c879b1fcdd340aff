package io.distribute.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real DNS server for the dns stack's tests: dnsmasq on 127.0.0.1 and a free port, answering one name with A
 * records for the given loopback addresses, and nothing else (no upstream servers, no /etc/hosts). {@code .ci/run}
 * installs dnsmasq; without it the tests fail, they do not skip. Stopped (by its process) on close.
 */
public final class LocalDns implements AutoCloseable {

    private final Process process;
    private final Path dir;
    private final int port;
    private final String name;

    private LocalDns(Process process, Path dir, int port, String name) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.name = name;
    }

    /** Starts dnsmasq answering {@code name} with one A record per address in {@code addresses}. */
    public static LocalDns start(String name, List<String> addresses) throws IOException, InterruptedException {
        String dnsmasq = find();
        // Under target/, not /tmp: a test's files stay its own (and `mvn clean` removes them).
        Path base = Path.of("target", "test-tmp").toAbsolutePath();
        Files.createDirectories(base);
        Path dir = Files.createTempDirectory(base, "dns-");
        Path hosts = dir.resolve("hosts");
        StringBuilder b = new StringBuilder();
        for (String a : addresses) {
            b.append(a).append(' ').append(name).append('\n');
        }
        Files.writeString(hosts, b.toString(), StandardCharsets.US_ASCII);
        // dnsmasq started as root drops to an unprivileged user before it reads the hosts file.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(hosts, PosixFilePermissions.fromString("rw-r--r--"));
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freeUdpPort();
            List<String> cmd = new ArrayList<>(List.of(dnsmasq, "--keep-in-foreground", "--log-facility=-",
                    "--conf-file=/dev/null", "--pid-file=", "--port=" + port, "--listen-address=127.0.0.1",
                    "--bind-interfaces", "--no-resolv", "--no-poll", "--no-hosts", "--addn-hosts=" + hosts,
                    "--local-ttl=0", "--log-queries"));
            if ("root".equals(System.getProperty("user.name"))) {
                // Keep root: dnsmasq otherwise drops to nobody, which cannot reach the hosts file when a parent
                // directory is private (a clone made in `mktemp -d`, mode 700).
                cmd.add("--user=root");
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("dnsmasq.log").toFile()).start();
            LocalDns dns = new LocalDns(p, dir, port, name);
            if (dns.awaitAnswer()) {
                return dns;
            }
            String log = dns.log();
            dns.stopProcess(); // keep the directory: the next attempt writes its log there
            last = new IOException("dnsmasq on 127.0.0.1:" + port + " does not answer " + name + ": " + log);
        }
        throw last;
    }

    /** The server for DNS_PING's {@code dns_address}: {@code 127.0.0.1:<port>}. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public String log() {
        try {
            return Files.readString(dir.resolve("dnsmasq.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** True once the server answers our name, the way DNS_PING asks (JNDI's DNS provider). */
    private boolean awaitAnswer() {
        try {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                    .pollInterval(java.time.Duration.ofMillis(50))
                    .until(() -> !process.isAlive() || !lookup().isEmpty());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            return false;
        }
        return process.isAlive();
    }

    /** The A records of our name, asked of this server. */
    public List<String> lookup() {
        java.util.Hashtable<String, String> env = new java.util.Hashtable<>();
        env.put(javax.naming.Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.dns.DnsContextFactory");
        env.put(javax.naming.Context.PROVIDER_URL, "dns://" + address());
        env.put("com.sun.jndi.dns.timeout.initial", "200");
        env.put("com.sun.jndi.dns.timeout.retries", "1");
        List<String> out = new ArrayList<>();
        try {
            javax.naming.directory.DirContext ctx = new javax.naming.directory.InitialDirContext(env);
            try {
                javax.naming.directory.Attribute a = ctx.getAttributes(name, new String[] {"A"}).get("A");
                if (a != null) {
                    for (int i = 0; i < a.size(); i++) {
                        out.add(String.valueOf(a.get(i)));
                    }
                }
            } finally {
                ctx.close();
            }
        } catch (javax.naming.NamingException e) {
            // not up yet, or no such name
        }
        return out;
    }

    private static String find() {
        for (String p : List.of("/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        throw new IllegalStateException("dnsmasq is not installed: the dns stack's tests need a real DNS server"
                + " (apt-get install dnsmasq-base; .ci/run installs it)");
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))) {
            return s.getLocalPort();
        }
    }

    private void stopProcess() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopProcess();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }
}
