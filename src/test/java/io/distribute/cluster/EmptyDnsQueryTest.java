package io.distribute.cluster;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.distribute.testing.CapturedLogs;
import io.distribute.testing.LocalDns;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static io.distribute.testing.TestCluster.COOKIE;
import static org.awaitility.Awaitility.await;

/**
 * The dns stack warns, once per query, when its DNS query resolves to nothing, instead of starting alone in silence.
 * A real dnsmasq on 127.0.0.1 answers one name and nothing else.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EmptyDnsQueryTest {

    private static final String LISTED = "nodes.warn.distribute.test";
    private static final String UNLISTED = "nobody.warn.distribute.test";

    @AfterEach
    void clearStackProperties() {
        System.clearProperty("distribute.dns_address");
        System.clearProperty("distribute.dns_query");
        System.clearProperty("distribute.merge_min_interval");
        System.clearProperty("distribute.merge_max_interval");
    }

    @Test
    void aQueryThatResolvesToNothingIsWarnedOnceNamingTheQuery() throws Exception {
        try (LocalDns dns = LocalDns.start(LISTED, List.of("127.0.0.1"));
             CapturedLogs logs = new CapturedLogs();
             TestCluster c = new TestCluster()) {
            int port = Ports.block(2);
            ClusterConfig.Builder config = TestCluster.testConfig().stack("dns").port(port).portRange(2)
                    .clusterName("dns-warning-" + ProcessHandle.current().pid());
            System.setProperty("distribute.dns_address", dns.address());
            System.setProperty("distribute.dns_query", UNLISTED);
            // MERGE3 rounds of 200-500 ms (the default is JGroups' 10-30 s), so that DNS is asked again soon.
            System.setProperty("distribute.merge_min_interval", "200ms");
            System.setProperty("distribute.merge_max_interval", "500ms");
            ClusterNode alone = c.start("alone@127.0.0.1:" + port, COOKIE, config.build());

            Predicate<ILoggingEvent> aloneWarned = e -> e.getLevel() == Level.WARN
                    && e.getFormattedMessage().startsWith(alone.selfNode() + ": the dns stack's query '" + UNLISTED
                    + "' (A records, asked of the DNS server " + dns.address() + ") resolves to no address");
            await().atMost(Duration.ofSeconds(5)).until(() -> logs.events(aloneWarned).size() == 1);
            // DNS_PING asks again on every MERGE3 round: several more queries, still one warning.
            int queries = queriesFor(dns, UNLISTED);
            await().atMost(Duration.ofSeconds(10)).until(() -> queriesFor(dns, UNLISTED) >= queries + 3);
            List<ILoggingEvent> warnings = logs.events(aloneWarned);
            if (warnings.size() != 1) {
                throw new AssertionError("expected one warning, got:\n" + CapturedLogs.show(warnings));
            }

            // A query that lists a node: no warning.
            System.setProperty("distribute.dns_query", LISTED);
            ClusterNode found = c.start("found@127.0.0.1:" + (port + 1), COOKIE, config.build());
            await().atMost(Duration.ofSeconds(10)).until(() -> found.nodes().contains(alone.selfNode()));
            List<ILoggingEvent> wrong = logs.events(e -> e.getFormattedMessage()
                    .startsWith(found.selfNode() + ": the dns"));
            if (!wrong.isEmpty()) {
                throw new AssertionError("a listed name was warned about:\n" + CapturedLogs.show(wrong));
            }
        }
    }

    private static int queriesFor(LocalDns dns, String name) {
        return (int) dns.log().lines().filter(l -> l.contains("query[A] " + name + " ")).count();
    }
}
