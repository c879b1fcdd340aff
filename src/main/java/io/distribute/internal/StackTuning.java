package io.distribute.internal;

import io.distribute.cluster.ClusterConfig;
import org.jgroups.JChannel;
import org.jgroups.conf.ProtocolConfiguration;
import org.jgroups.conf.ProtocolStackConfigurator;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.TP;
import org.jgroups.protocols.dns.DNS_PING;
import org.jgroups.protocols.pbcast.GMS;

import org.jgroups.stack.IpAddress;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/** Fits a loaded stack file to one node: its address and port, its seeds, and the timeouts of its settings. */
final class StackTuning {

    private StackTuning() {
    }

    static void configure(List<ProtocolConfiguration> configs, ClusterConfig config, InetAddress host, int port,
                          List<NodeName> seeds, boolean noSeeds) {
        var tp = configs.get(0).getProperties();
        tp.put("bind_addr", host.getHostAddress());
        tp.put("bind_port", String.valueOf(port));
        tp.put("port_range", "0");
        // A closed connection alone never suspects a member (CrashEvidence checks the member's address first).
        if (Stacks.indexOf(configs, TCP.class) == 0) {
            tp.put("enable_suspect_events", "false");
            // Connections to peers leave from the node's own address, not whatever source the kernel picks: a peer
            // sees the address this node advertises (multi-homed hosts; several nodes on one host's loopback).
            if (!host.isAnyLocalAddress()) {
                tp.put("client_bind_addr", host.getHostAddress());
            }
        }
        // Pings, their answers and heartbeats skip the hop to a pool thread (unless a stack file chose its own policy).
        tp.putIfAbsent("message_processing_policy", ReaderThreadDelivery.class.getName());
        config.externalAddress().ifPresent(a -> tp.put("external_addr", a));
        if (config.externalPort() > 0) {
            tp.put("external_port", String.valueOf(config.externalPort()));
        }
        int tcpping = Stacks.indexOf(configs, TCPPING.class);
        if (tcpping >= 0) {
            var props = configs.get(tcpping).getProperties();
            props.put("initial_hosts", String.join(",", seedHosts(seeds, config)));
            props.put("port_range", "0");
        }
        int fd = Stacks.indexOf(configs, FD_ALL3.class);
        if (fd >= 0) {
            long timeout = config.failureDetectionTimeout().toMillis();
            configs.get(fd).getProperties().put("timeout", String.valueOf(timeout));
            // FD_ALL3 checks once per interval: a short one keeps detection close to the timeout (timeout + interval).
            configs.get(fd).getProperties().put("interval", String.valueOf(Math.max(25, timeout / 8)));
        }
        var g = configs.get(Stacks.indexOf(configs, GMS.class)).getProperties();
        // A node with no seeds has nobody to wait for: JGroups' stock 2 s wait is pure delay.
        g.put("join_timeout", noSeeds ? "1" : String.valueOf(config.joinTimeout().toMillis()));
        // Nodes started together with the same seeds first find only each other, none yet coordinator; JGroups
        // makes the lowest one coordinator and the others retry. Too few retries leave islands to merge later.
        g.put("max_join_attempts", "10");
        configureDiscovery(configs, config);
    }

    /** TCPPING's initial_hosts: every port of each seed (its own, or the whole configured range). */
    private static List<String> seedHosts(List<NodeName> seeds, ClusterConfig config) {
        List<String> hosts = new ArrayList<>();
        for (NodeName s : seeds) {
            int p0 = s.hasPort() ? s.port() : config.port();
            int n = s.hasPort() ? 1 : config.portRange();
            String h = s.host().indexOf(':') >= 0 ? "[" + s.host() + "]" : s.host();
            for (int p = p0; p < p0 + n; p++) {
                hosts.add(h + "[" + p + "]");
            }
        }
        return hosts;
    }

    /**
     * DNS_PING probes the ports {@code [bind_port, bind_port + port_range]} of the transport as it is when the channel
     * is created: that is ClusterConfig's whole port range here, and {@link #pinTransportPort} narrows the transport
     * to the node's own port before it binds.
     */
    private static void configureDiscovery(List<ProtocolConfiguration> configs, ClusterConfig config) {
        if (Stacks.indexOf(configs, DNS_PING.class) >= 0) {
            var tp = configs.get(0).getProperties();
            tp.put("bind_port", String.valueOf(config.port()));
            tp.put("port_range", String.valueOf(Math.max(0, config.portRange() - 1)));
        }
    }

    /** Makes the (created, not yet connected) channel's transport bind exactly {@code port}. */
    static void pinTransportPort(JChannel ch, int port) {
        TP tp = ch.getProtocolStack().getTransport();
        tp.setBindPort(port);
        tp.setPortRange(0);
    }

    /**
     * Discovery asks the seeds and no one else. JGroups 5.5's TCPPING (JGRP-2910) appends, for every seed port, the
     * same port at this node's own bind address: each discovery round then also dialled this host at every seed's
     * port, which is another node where several share an address (8 nodes per address in ThirtyTwoNodesTest, side by
     * side on the same ports as the seeds), or a refused connection elsewhere. Called once the channel is created
     * (TCPPING has parsed its hosts) and before it connects.
     */
    static void seedsOnly(JChannel ch, List<NodeName> seeds) {
        TCPPING ping = ch.getProtocolStack().findProtocol(TCPPING.class);
        InetAddress bind = ch.getProtocolStack().getTransport().getBindAddr();
        if (ping == null || bind == null) {
            return;
        }
        java.util.Set<Integer> seedPortsHere = new java.util.HashSet<>(); // seeds at our own address keep theirs
        for (NodeName seed : seeds) {
            try {
                for (InetAddress a : InetAddress.getAllByName(seed.host())) {
                    if (a.equals(bind)) {
                        if (!seed.hasPort()) {
                            return; // a whole port range at our address: leave the list as it is
                        }
                        seedPortsHere.add(seed.port());
                    }
                }
            } catch (java.net.UnknownHostException e) {
                // not resolvable yet: TCPPING resolves it again at each discovery round
            }
        }
        ping.getInitialHosts().removeIf(h -> h instanceof IpAddress ip && bind.equals(ip.getIpAddress())
                && !seedPortsHere.contains(ip.getPort()));
    }

    /**
     * While {@code now} says so (a follower waiting for its leader, see {@link SeedOrder}), discovery asks only the
     * {@code leader}'s address. Left as it is when the leader's host does not resolve yet.
     */
    static void leaderFirst(JChannel ch, NodeName leader, java.util.function.BooleanSupplier now) {
        if (!(ch.getProtocolStack().findProtocol(TCPPING.class) instanceof SeedPing ping)) {
            return;
        }
        java.util.Set<InetAddress> at;
        try {
            at = java.util.Set.of(InetAddress.getAllByName(leader.host()));
        } catch (java.net.UnknownHostException e) {
            return;
        }
        ping.withhold(dest -> now.getAsBoolean() && !(dest instanceof IpAddress ip && at.contains(ip.getIpAddress())
                && (!leader.hasPort() || ip.getPort() == leader.port())));
    }

    /** Hands the prepared protocol list to JChannel. */
    record ListConfigurator(List<ProtocolConfiguration> configs) implements ProtocolStackConfigurator {
        @Override
        public String getProtocolStackString() {
            return configs.toString();
        }

        @Override
        public List<ProtocolConfiguration> getProtocolStack() {
            return configs;
        }
    }
}
