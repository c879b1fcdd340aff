package io.distribute.internal;

import org.jgroups.View;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.JMException;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import java.lang.management.ManagementFactory;

/** Registers a node's {@link NodeMXBean} with the platform MBean server, and removes it when the node closes. */
final class NodeJmx {

    private static final Logger LOG = LoggerFactory.getLogger(NodeJmx.class);

    private final String nodeName;
    private volatile ObjectName registered;

    private NodeJmx(String nodeName) {
        this.nodeName = nodeName;
    }

    /** Registers the bean of {@code node}; a failure is logged, never fatal (the node works without JMX). */
    static NodeJmx register(JGroupsNode node) {
        NodeJmx jmx = new NodeJmx(node.name().text());
        try {
            ObjectName on = new ObjectName("io.distribute:type=ClusterNode,name=" + ObjectName.quote(jmx.nodeName));
            ManagementFactory.getPlatformMBeanServer().registerMBean(
                    new StandardMBean(bean(node), NodeMXBean.class, true), on);
            jmx.registered = on;
        } catch (JMException | RuntimeException e) {
            LOG.warn("{}: cannot register the JMX bean: {}", jmx.nodeName, e.toString());
        }
        return jmx;
    }

    void unregister() {
        ObjectName on = registered;
        if (on != null) {
            registered = null;
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(on);
            } catch (JMException e) {
                LOG.debug("{}: unregistering the JMX bean: {}", nodeName, e.toString());
            }
        }
    }

    private static NodeMXBean bean(JGroupsNode node) {
        return new NodeMXBean() {
            @Override
            public String getSelfNode() {
                return node.selfNode();
            }

            @Override
            public String[] getNodes() {
                return node.nodes().toArray(new String[0]);
            }

            @Override
            public String getViewId() {
                View v = node.view();
                return v == null ? "" : NodeAddress.nameOf(v.getViewId().getCreator()) + "|" + v.getViewId().getId();
            }

            @Override
            public String getCoordinator() {
                View v = node.view();
                return v == null ? "" : String.valueOf(NodeAddress.nameOf(v.getCoord()));
            }

            @Override
            public long getDroppedFrames() {
                return node.droppedFrames();
            }

            @Override
            public long getSecurityRejections() {
                return node.securityRejections();
            }

            @Override
            public boolean ping(String target) {
                return node.ping(target);
            }
        };
    }
}
