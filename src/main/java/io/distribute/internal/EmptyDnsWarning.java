package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.protocols.dns.DNSResolver;
import org.jgroups.protocols.dns.DNS_PING;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Warns once per query when the dns stack's DNS query resolves to nothing. DNS_PING logs that only at debug, so a
 * misspelt Service name, a wrong namespace or an unreachable DNS server left a node running alone without a word.
 * Wraps DNS_PING's resolver; DNS_PING asks it at start and on every MERGE3 round, hence the once.
 */
final class EmptyDnsWarning implements DNSResolver {

    private static final Logger LOG = LoggerFactory.getLogger(EmptyDnsWarning.class);

    private final DNSResolver resolver;
    private final String node;
    private final String server;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    private EmptyDnsWarning(DNSResolver resolver, String node, String server) {
        this.resolver = resolver;
        this.node = node;
        this.server = server;
    }

    /** Wraps the resolver of {@code channel}'s DNS_PING, if it has one; call after the channel is created. */
    static void install(JChannel channel, String node) {
        DNS_PING dns = channel.getProtocolStack().findProtocol(DNS_PING.class);
        if (dns != null && dns.dnsResolver() != null && !(dns.dnsResolver() instanceof EmptyDnsWarning)) {
            String address = dns.dnsAddress();
            String server = address == null || address.isBlank() ? "the system resolver" : "the DNS server " + address;
            dns.dnsResolver(new EmptyDnsWarning(dns.dnsResolver(), node, server));
        }
    }

    @Override
    public List<Address> resolveIps(String query, DNSRecordType type) {
        List<Address> found = resolver.resolveIps(query, type);
        if ((found == null || found.isEmpty()) && warned.add(query)) {
            LOG.warn("{}: the dns stack's query '{}' ({} records, asked of {}) resolves to no address: this node finds "
                    + "no other node through DNS and runs alone until the name lists some (check distribute.dns_query, "
                    + "the Service's name and namespace, and publishNotReadyAddresses); not repeated for this query",
                    node, query, type, server);
        }
        return found;
    }

    @Override
    public void close() {
        resolver.close();
    }
}
