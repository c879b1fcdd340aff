package io.distribute.cluster;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's settings table, the code's defaults and fromEnvironment() agree; precedence is as documented. */
class SettingsTableTest {

    /** setting name -> [default, variable, property] as the README states them. */
    private static Map<String, String[]> readmeTable() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("README.md"));
        int start = lines.indexOf("## Settings");
        assertTrue(start >= 0, "README has a Settings section");
        Map<String, String[]> rows = new LinkedHashMap<>();
        for (String line : lines.subList(start, lines.size())) {
            if (line.startsWith("## ") && !line.equals("## Settings")) {
                break;
            }
            if (line.startsWith("| `")) {
                String[] cells = line.split("\\|");
                rows.put(strip(cells[1]), new String[] {strip(cells[2]), strip(cells[3]), strip(cells[4])});
            }
        }
        return rows;
    }

    private static String strip(String cell) {
        return cell.trim().replace("`", "");
    }

    @Test
    void everySettingIsInTheReadmeWithItsVariableAndProperty() throws IOException {
        Map<String, String[]> table = readmeTable();
        Map<String, Setting> byName = new HashMap<>();
        byName.put("cookie", Setting.COOKIE);
        byName.put("nodeName", Setting.NAME);
        byName.put("port", Setting.PORT);
        byName.put("portRange", Setting.PORT_RANGE);
        byName.put("seeds", Setting.SEEDS);
        byName.put("stack", Setting.STACK);
        byName.put("clusterName", Setting.CLUSTER_NAME);
        byName.put("connectTimeout", Setting.CONNECT_TIMEOUT);
        byName.put("pingTimeout", Setting.PING_TIMEOUT);
        byName.put("failureDetectionTimeout", Setting.FAILURE_DETECTION_TIMEOUT);
        byName.put("joinTimeout", Setting.JOIN_TIMEOUT);
        byName.put("jmx", Setting.JMX);
        byName.put("bindAddress", Setting.BIND_ADDRESS);
        byName.put("externalAddress", Setting.EXTERNAL_ADDRESS);
        byName.put("externalPort", Setting.EXTERNAL_PORT);
        byName.put("tlsKeystore", Setting.TLS_KEYSTORE);
        byName.put("tlsKeystorePassword", Setting.TLS_KEYSTORE_PASSWORD);
        byName.put("tlsTruststore", Setting.TLS_TRUSTSTORE);
        byName.put("tlsTruststorePassword", Setting.TLS_TRUSTSTORE_PASSWORD);
        byName.put("httpPort", Setting.HTTP_PORT);
        byName.put("httpAddress", Setting.HTTP_ADDRESS);
        byName.put("httpReadyMembers", Setting.HTTP_READY_MEMBERS);
        byName.put("httpReadySeed", Setting.HTTP_READY_SEED);
        byName.put("shutdownHook", Setting.SHUTDOWN_HOOK);
        assertEquals(Setting.values().length, byName.size(), "this test names every Setting");
        assertEquals(byName.keySet(), table.keySet(), "README rows");
        for (var e : byName.entrySet()) {
            String[] row = table.get(e.getKey());
            assertEquals(e.getValue().variable, row[1], e.getKey());
            assertEquals(e.getValue().property, row[2], e.getKey());
        }
    }

    @Test
    void readmeDefaultsAreTheCodesDefaults() throws IOException {
        Map<String, String[]> t = readmeTable();
        ClusterConfig d = ClusterConfig.defaults();
        assertEquals(String.valueOf(d.port()), t.get("port")[0]);
        assertEquals(String.valueOf(d.portRange()), t.get("portRange")[0]);
        assertEquals(d.stack(), t.get("stack")[0]);
        assertEquals(d.clusterName(), t.get("clusterName")[0]);
        assertEquals(d.connectTimeout(), SettingSources.parseDuration(t.get("connectTimeout")[0]));
        assertEquals(d.pingTimeout(), SettingSources.parseDuration(t.get("pingTimeout")[0]));
        assertEquals(d.failureDetectionTimeout(), SettingSources.parseDuration(t.get("failureDetectionTimeout")[0]));
        assertEquals(d.joinTimeout(), SettingSources.parseDuration(t.get("joinTimeout")[0]));
        assertTrue(d.seeds().isEmpty() && t.get("seeds")[0].equals("none"));
        assertEquals(String.valueOf(d.jmx()), t.get("jmx")[0]);
        assertEquals(String.valueOf(d.externalPort()), t.get("externalPort")[0]);
        assertTrue(d.bindAddress().isEmpty() && t.get("bindAddress")[0].equals("none"));
        assertTrue(d.externalAddress().isEmpty() && t.get("externalAddress")[0].equals("none"));
        assertTrue(d.cookie().isEmpty() && d.nodeName().isEmpty());
        assertTrue(d.tlsKeystore().isEmpty() && t.get("tlsKeystore")[0].equals("none"));
        assertTrue(d.tlsTruststore().isEmpty() && t.get("tlsTruststore")[0].equals("none"));
        assertEquals(String.valueOf(d.httpPort()), t.get("httpPort")[0]);
        assertTrue(d.httpAddress().isEmpty() && t.get("httpAddress")[0].equals("none"));
        assertEquals(String.valueOf(d.httpReadyMembers()), t.get("httpReadyMembers")[0]);
        assertEquals(String.valueOf(d.httpReadySeed()), t.get("httpReadySeed")[0]);
        assertEquals(String.valueOf(d.shutdownHook()), t.get("shutdownHook")[0]);
    }

    @Test
    void fromEnvironmentReadsEverySettingWithPrecedence() {
        Map<String, String> env = Map.of("CLUSTER_COOKIE", "env-cookie", "DISTRIBUTE_NAME", "a@127.0.0.1",
                "DISTRIBUTE_PORT", "9000", "DISTRIBUTE_PORT_RANGE", "3", "DISTRIBUTE_SEEDS", "b@h1, c@h2:9001",
                "DISTRIBUTE_STACK", "udp", "DISTRIBUTE_CLUSTER_NAME", "orders",
                "DISTRIBUTE_CONNECT_TIMEOUT", "2s", "DISTRIBUTE_PING_TIMEOUT", "250ms",
                "DISTRIBUTE_FAILURE_DETECTION_TIMEOUT", "PT4S");
        Map<String, String> props = Map.of("distribute.port", "9100", "distribute.join_timeout", "700",
                "distribute.jmx", "true", "distribute.external_address", "203.0.113.9",
                "distribute.external_port", "17800", "distribute.bind_address", "127.0.0.1",
                "distribute.http_port", "8081", "distribute.http_address", "0.0.0.0");
        ClusterConfig c = SettingSources.read(env, props::get);
        assertEquals(9100, c.port(), "system property beats environment");
        assertEquals(3, c.portRange());
        assertEquals(List.of("b@h1", "c@h2:9001"), c.seeds());
        assertEquals("udp", c.stack());
        assertEquals("orders", c.clusterName());
        assertEquals(Duration.ofSeconds(2), c.connectTimeout());
        assertEquals(Duration.ofMillis(250), c.pingTimeout());
        assertEquals(Duration.ofSeconds(4), c.failureDetectionTimeout());
        assertEquals(Duration.ofMillis(700), c.joinTimeout());
        assertTrue(c.jmx());
        assertEquals("203.0.113.9", c.externalAddress().orElseThrow());
        assertEquals(17800, c.externalPort());
        assertEquals("127.0.0.1", c.bindAddress().orElseThrow());
        assertEquals(8081, c.httpPort());
        assertEquals("0.0.0.0", c.httpAddress().orElseThrow());
        assertEquals(2, SettingSources.read(Map.of("DISTRIBUTE_HTTP_READY_MEMBERS", "2"), k -> null)
                .httpReadyMembers());
        ClusterConfig seed = SettingSources.read(Map.of("DISTRIBUTE_HTTP_READY_SEED", "true"), k -> null);
        assertTrue(seed.httpReadySeed());
        assertTrue(seed.toString().contains("httpReadySeed=true"), seed.toString());
        assertNotEquals(ClusterConfig.defaults(), seed);
        assertEquals(seed, seed.toBuilder().build());
        assertFalse(SettingSources.read(Map.of("DISTRIBUTE_HTTP_READY_SEED", "true"),
                Map.of("distribute.http_ready_seed", "false")::get).httpReadySeed(), "system property beats environment");
        assertEquals("env-cookie", c.cookie().orElseThrow());
        assertEquals("a@127.0.0.1", c.nodeName().orElseThrow());
        assertEquals(9200, c.toBuilder().port(9200).build().port(), "builder beats everything");
        assertTrue(c.toString().contains("cookie=<redacted>") && !c.toString().contains("env-cookie"));
    }

    @Test
    void badValuesNameTheVariableButNeverEchoTheCookie() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SettingSources.read(Map.of("DISTRIBUTE_PORT", "http"), k -> null));
        assertTrue(e.getMessage().contains("DISTRIBUTE_PORT") && e.getMessage().contains("http"), e.getMessage());
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
                () -> SettingSources.read(Map.of("DISTRIBUTE_PING_TIMEOUT", "soon"), k -> null));
        assertTrue(t.getMessage().contains("DISTRIBUTE_PING_TIMEOUT"), t.getMessage());
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class, () -> ClusterConfig.builder().port(0));
        assertTrue(b.getMessage().contains("port"), b.getMessage());
    }
}
