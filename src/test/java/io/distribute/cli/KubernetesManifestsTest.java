package io.distribute.cli;

import io.distribute.testing.LocalDns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docker/kubernetes/ says what a real run does: the Service, the StatefulSet's names, ports, environment, cookie file
 * and probes are read from the manifests and then used as they are by three {@code distribute node} processes on
 * the dns stack, with a real DNS server (dnsmasq on 127.0.0.1) answering the manifests' service name with the
 * "pods'" addresses (loopback addresses of a random 127.x.y.0/24). The one change: the system resolver a pod asks
 * becomes that server ({@code -Ddistribute.dns_address}). Checks: one cluster forms; the probes' paths answer 200 on
 * the probes' port; a pod stopped with SIGTERM leaves (its peers print LEFT) and exits 0 within the grace period;
 * started again under the same name it rejoins. Every process and dnsmasq are stopped afterwards.
 */
class KubernetesManifestsTest {

    private static final Path DIR = Path.of("docker", "kubernetes");
    private static final Pattern REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    private static final String NAMESPACE = "default";

    @TempDir
    Path secretDir;

    @Test
    void kustomizationListsTheManifests() throws IOException {
        Map<String, Object> k = load("kustomization.yaml");
        assertEquals(List.of("service.yaml", "statefulset.yaml"), k.get("resources"));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void manifestsDescribeWhatAThreeNodeDnsRunUses() throws Exception {
        Map<String, Object> service = load("service.yaml");
        Map<String, Object> sts = load("statefulset.yaml");
        String serviceName = str(map(service, "metadata"), "name");
        Map<String, Object> svcSpec = map(service, "spec");
        assertEquals("None", svcSpec.get("clusterIP"), "a headless Service: its name lists the pods");
        assertEquals("true", svcSpec.get("publishNotReadyAddresses"), "starting pods must find each other");
        Map<String, Object> spec = map(sts, "spec");
        assertEquals(serviceName, spec.get("serviceName"));
        Map<String, Object> template = map(spec, "template");
        Map<String, Object> podLabels = map(map(template, "metadata"), "labels");
        assertEquals(map(map(spec, "selector"), "matchLabels"), podLabels);
        assertEquals(map(svcSpec, "selector"), podLabels, "the Service selects the StatefulSet's pods");
        assertEquals("Parallel", spec.get("podManagementPolicy"));
        int replicas = Integer.parseInt(str(spec, "replicas"));
        assertEquals(3, replicas);

        Map<String, Object> pod = map(template, "spec");
        Map<String, Object> podSecurity = map(pod, "securityContext");
        assertEquals("10001", podSecurity.get("runAsUser"), "the image's numeric USER");
        assertEquals("true", podSecurity.get("runAsNonRoot"));
        long grace = Long.parseLong(str(pod, "terminationGracePeriodSeconds"));
        List<Map<String, Object>> containers = list(pod, "containers");
        assertEquals(1, containers.size());
        Map<String, Object> c = containers.get(0);
        assertEquals("distribute:local", c.get("image"));

        // Ports: the Service's target ports are the container's named ports; the node and endpoint use them.
        Map<String, String> containerPorts = new LinkedHashMap<>();
        for (Map<String, Object> p : list(c, "ports")) {
            containerPorts.put(str(p, "name"), str(p, "containerPort"));
        }
        for (Map<String, Object> p : list(svcSpec, "ports")) {
            assertEquals(containerPorts.get(str(p, "targetPort")), str(p, "port"), "Service port " + p);
        }
        List<Map<String, Object>> envList = list(c, "env");
        Map<String, Object> declared = new LinkedHashMap<>();
        envList.forEach(e -> declared.put(str(e, "name"), e));
        assertFalse(declared.containsKey("CLUSTER_COOKIE"), "the cookie comes from the Secret's file, not the environment");
        assertEquals("dns", value(declared, "DISTRIBUTE_STACK"));
        assertEquals(containerPorts.get("cluster"), value(declared, "DISTRIBUTE_PORT"));
        assertEquals("1", value(declared, "DISTRIBUTE_PORT_RANGE"));
        assertEquals(containerPorts.get("http"), value(declared, "DISTRIBUTE_HTTP_PORT"));
        assertTrue(value(declared, "JAVA_TOOL_OPTIONS").contains("-Ddistribute.dns_query=" + serviceName
                + ".$(POD_NAMESPACE).svc.cluster.local"), "the dns stack asks for the headless Service");

        Map<String, Object> live = map(map(c, "livenessProbe"), "httpGet");
        Map<String, Object> ready = map(map(c, "readinessProbe"), "httpGet");
        assertEquals("/health/live", live.get("path"));
        assertEquals("/health/ready", ready.get("path"));
        assertEquals("http", live.get("port"));
        assertEquals("http", ready.get("port"));

        // The cookie: the Secret's volume, mounted where --cookie-file reads it.
        @SuppressWarnings("unchecked")
        List<String> args = (List<String>) c.get("args");
        int cf = args.indexOf("--cookie-file");
        assertTrue(cf >= 0 && args.get(0).equals("node"), "args " + args);
        Map<String, Object> mount = list(c, "volumeMounts").stream()
                .filter(m -> args.get(cf + 1).startsWith(str(m, "mountPath") + "/")).findFirst().orElseThrow();
        Map<String, Object> volume = list(pod, "volumes").stream()
                .filter(v -> v.get("name").equals(mount.get("name"))).findFirst().orElseThrow();
        assertEquals("distribute-cookie", map(volume, "secret").get("secretName"));
        String cookieFile = args.get(cf + 1);

        // The run: three "pods", each with the manifest's args and environment as the kubelet would expand them.
        String subnet = "127." + ThreadLocalRandom.current().nextInt(100, 250) + "."
                + ThreadLocalRandom.current().nextInt(1, 250) + ".";
        List<String> ips = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            ips.add(subnet + (i + 1));
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        Path secretFile = secretDir.resolve(cookieFile.substring(cookieFile.lastIndexOf('/') + 1));
        Files.writeString(secretFile, java.util.HexFormat.of().formatHex(random) + "\n", StandardCharsets.UTF_8);
        List<String> podArgs = new ArrayList<>(args);
        podArgs.set(cf + 1, secretFile.toString());
        String dnsName = serviceName + "." + NAMESPACE + ".svc.cluster.local";

        List<CliProcess> pods = new ArrayList<>();
        List<String> figures = new ArrayList<>();
        try (LocalDns dns = LocalDns.start(dnsName, ips)) {
            long t0 = System.nanoTime();
            for (int i = 0; i < replicas; i++) {
                pods.add(startPod(podName(sts, i), ips.get(i), envList, podArgs, dns));
            }
            List<String> names = new ArrayList<>();
            for (int i = 0; i < replicas; i++) {
                names.add(podName(sts, i) + "@" + ips.get(i));
            }
            await("three pods in one cluster").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> pods.stream().allMatch(p -> p.size() == replicas));
            figures.add("formed in " + ms(System.nanoTime() - t0) + " ms (three JVM starts included)");
            for (int i = 0; i < replicas; i++) {
                String base = "http://" + ips.get(i) + ":" + containerPorts.get("http");
                assertEquals(200, get(base + live.get("path")).statusCode(), names.get(i));
                HttpResponse<String> r = get(base + ready.get("path"));
                assertEquals(200, r.statusCode(), r.body());
                String members = get(base + "/members").body();
                for (String n : names) {
                    assertTrue(members.contains("\"" + n + "\""), members);
                }
                assertTrue(members.contains("\"size\":" + replicas), members);
            }

            // kubectl delete pod / a rolling update: SIGTERM, then the grace period.
            CliProcess stopped = pods.get(replicas - 1);
            long termAt = System.nanoTime();
            stopped.terminate();
            assertEquals(0, stopped.waitFor(grace), () -> "exit code " + stopped);
            figures.add("SIGTERM -> exit 0 in " + ms(System.nanoTime() - termAt) + " ms (grace " + grace + " s)");
            for (int i = 0; i < replicas - 1; i++) {
                CliProcess p = pods.get(i);
                EventLine down = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                        .until(() -> p.find(EventLine.NODE_DOWN, names.get(replicas - 1), termAt), Optional::isPresent)
                        .orElseThrow();
                assertEquals("LEFT", down.reason(), () -> p.toString());
            }

            // The StatefulSet starts it again under the same name: it rejoins through DNS alone.
            long againAt = System.nanoTime();
            pods.set(replicas - 1, startPod(podName(sts, replicas - 1), ips.get(replicas - 1), envList, podArgs,
                    dns));
            await("the restarted pod to rejoin").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> pods.stream().allMatch(p -> p.size() == replicas));
            figures.add("restarted pod rejoined in " + ms(System.nanoTime() - againAt) + " ms (JVM start included)");
        } finally {
            figures.forEach(f -> System.out.println("kubernetes: " + f));
            for (CliProcess p : pods) {
                p.close();
            }
        }
    }

    /** A pod: its manifest environment with the downward API's values, args as in the manifest. */
    private CliProcess startPod(String podName, String podIp, List<Map<String, Object>> envList, List<String> args,
                                LocalDns dns) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (Map<String, Object> e : envList) {
            String name = str(e, "name");
            String v;
            if (e.containsKey("valueFrom")) {
                String field = str(map(map(e, "valueFrom"), "fieldRef"), "fieldPath");
                v = switch (field) {
                    case "metadata.name" -> podName;
                    case "status.podIP" -> podIp;
                    case "metadata.namespace" -> NAMESPACE;
                    default -> throw new AssertionError("unexpected fieldRef " + field);
                };
            } else {
                v = expand(str(e, "value"), env);
            }
            env.put(name, v);
        }
        // The one difference from a cluster: the "system resolver" is the test's dnsmasq.
        env.merge("JAVA_TOOL_OPTIONS", "-Ddistribute.dns_address=" + dns.address(), (a, b) -> a + " " + b);
        return CliProcess.start("k8s-" + podName, List.of(), args, env);
    }

    /** Kubernetes' $(VAR) expansion: variables defined earlier in the list; anything else stays as written. */
    static String expand(String value, Map<String, String> earlier) {
        Matcher m = REF.matcher(value);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(b, Matcher.quoteReplacement(earlier.getOrDefault(m.group(1), m.group())));
        }
        return m.appendTail(b).toString();
    }

    private static String podName(Map<String, Object> sts, int ordinal) {
        return str(map(sts, "metadata"), "name") + "-" + ordinal;
    }

    private static String value(Map<String, Object> declared, String name) {
        @SuppressWarnings("unchecked")
        Map<String, Object> e = (Map<String, Object>) declared.get(name);
        assertTrue(e != null, name + " is set");
        return str(e, "value");
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> load(String file) throws IOException {
        return (Map<String, Object>) MiniYaml.parse(Files.readString(DIR.resolve(file), StandardCharsets.UTF_8));
    }

    private static String str(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) {
            throw new AssertionError("'" + key + "' missing in " + m.keySet());
        }
        return String.valueOf(v);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Map)) {
            throw new AssertionError("'" + key + "' is not a mapping in " + m.keySet());
        }
        return (Map<String, Object>) v;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof List)) {
            throw new AssertionError("'" + key + "' is not a sequence in " + m.keySet());
        }
        return (List<Map<String, Object>>) v;
    }
}
