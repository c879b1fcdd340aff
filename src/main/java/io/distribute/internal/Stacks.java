package io.distribute.internal;

import org.jgroups.conf.ConfiguratorFactory;
import org.jgroups.conf.ProtocolConfiguration;
import org.jgroups.conf.ProtocolStackConfigurator;
import org.jgroups.protocols.AUTH;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.TP;
import org.jgroups.protocols.UDP;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.stack.Protocol;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;

import org.xml.sax.SAXParseException;

/** Loads a stack file (bundled name or path), checks it, and adds distribute's own protocols to it. */
final class Stacks {

    /** Stack names bundled in the jar as {@code distribute/<name>.xml}. */
    static final List<String> BUNDLED = List.of("tcp", "udp", "dns");

    private Stacks() {
    }

    /** Why a stack could not be used; the message names the file and the problem. */
    static final class StackException extends Exception {
        StackException(String message) {
            super(message);
        }
    }

    /** The stack's protocols, bottom (transport) first, with NodeProtocol and AUTH inserted right below GMS. */
    static List<ProtocolConfiguration> load(String stack) throws StackException {
        List<ProtocolConfiguration> configs = parsed(stack);
        int transport = -1;
        int gms = -1;
        List<ProtocolConfiguration> out = new ArrayList<>();
        for (ProtocolConfiguration pc : configs) {
            Class<? extends Protocol> cls;
            try {
                cls = pc.loadProtocolClass(Stacks.class);
            } catch (Exception e) {
                throw new StackException("stack '" + stack + "' names an unknown protocol '" + pc.getProtocolName() + "'");
            }
            if (AUTH.class.isAssignableFrom(cls) || NodeProtocol.class.isAssignableFrom(cls)) {
                continue; // distribute always adds its own cookie authentication
            }
            String bypass = bypassesSecureLayer(cls, pc);
            if (bypass != null) {
                throw new StackException("stack '" + stack + "' cannot run behind distribute's secure connection layer: "
                        + bypass);
            }
            if (cls == VERIFY_SUSPECT2.class) {
                // the same protocol, checking its suspects when due instead of polling (see VerifySuspect)
                pc = new ProtocolConfiguration(VerifySuspect.class.getName(), new java.util.HashMap<>(pc.getProperties()));
            }
            if (cls == TCP.class) {
                // the same transport, opening connections off its sender thread (see TcpTransport)
                pc = new ProtocolConfiguration(TcpTransport.class.getName(), new java.util.HashMap<>(pc.getProperties()));
            }
            if (cls == TCPPING.class) {
                // the same discovery, answering members of its view with its own entry only (see SeedPing)
                pc = new ProtocolConfiguration(SeedPing.class.getName(), new java.util.HashMap<>(pc.getProperties()));
            }
            if (cls == MERGE3.class) {
                // the same protocol, also noticing when this node is left in a stale view (see StaleViewMerge)
                pc = new ProtocolConfiguration(StaleViewMerge.class.getName(), new java.util.HashMap<>(pc.getProperties()));
            }
            if (cls == NAKACK2.class) {
                // the same protocol, keeping a multicast that comes just before the view listing its sender
                // (see EarlyMessageNakack)
                pc = new ProtocolConfiguration(EarlyMessageNakack.class.getName(),
                        new java.util.HashMap<>(pc.getProperties()));
            }
            if (cls == GMS.class) {
                // the same protocol, leaving no member behind in a view the others left (see MembershipGms)
                pc = new ProtocolConfiguration(MembershipGms.class.getName(),
                        new java.util.HashMap<>(pc.getProperties()));
            }
            if (TP.class.isAssignableFrom(cls) && transport < 0) {
                transport = out.size();
            }
            if (GMS.class.isAssignableFrom(cls)) {
                gms = out.size();
            }
            out.add(pc);
        }
        if (transport != 0) {
            throw new StackException("stack '" + stack + "' has no transport (TCP or UDP) as its first protocol");
        }
        if (gms < 0) {
            throw new StackException("stack '" + stack + "' has no membership protocol (pbcast.GMS)");
        }
        out.add(gms, new ProtocolConfiguration(AUTH.class.getName(),
                Map.of("auth_class", CookieToken.class.getName())));
        out.add(gms, new ProtocolConfiguration(NodeProtocol.class.getName(), Map.of()));
        return out;
    }

    /**
     * Why a protocol would carry bytes that the secure connection layer never sees, or null. Only TCP (blocking
     * sockets from the layer's socket factory) and UDP are covered; NIO transports and protocols that open their own
     * connections or listeners (FD_SOCK2's NIO server, diagnostics, TLS of JGroups' own that would replace ours) are not.
     */
    private static String bypassesSecureLayer(Class<? extends Protocol> cls, ProtocolConfiguration pc) {
        String name = cls.getSimpleName();
        if (TP.class.isAssignableFrom(cls) && !(cls == TCP.class || cls == UDP.class)) {
            return "its transport " + name + " is not TCP or UDP";
        }
        if (List.of("FD_SOCK", "FD_SOCK2", "TUNNEL", "TCPGOSSIP", "RELAY2", "RELAY3", "STOMP").contains(name)) {
            return name + " opens connections of its own; remove it (crash detection comes from the TCP connections"
                    + " and FD_ALL3)";
        }
        if (TP.class.isAssignableFrom(cls)) {
            Map<String, String> p = pc.getProperties();
            if ("true".equalsIgnoreCase(resolved(p.getOrDefault("tls.enabled", "false")))) {
                return "TCP's own tls.enabled would replace the cookie-keyed TLS; remove it";
            }
            String diag = resolved(p.getOrDefault("diag.enabled", p.getOrDefault("enable_diagnostics", "false")));
            if (diag.equalsIgnoreCase("true")) {
                return "diagnostics (diag.enabled) answer anyone in clear; turn them off";
            }
        }
        return null;
    }

    /** A property value with JGroups' {@code ${name:default}} variables replaced as JGroups will. */
    private static String resolved(String value) {
        String v = org.jgroups.util.Util.substituteVariable(value);
        return v == null ? "" : v.trim();
    }

    /** The index of the first protocol of (a subclass of) {@code type}, or -1. */
    static int indexOf(List<ProtocolConfiguration> configs, Class<? extends Protocol> type) {
        for (int i = 0; i < configs.size(); i++) {
            try {
                if (type.isAssignableFrom(configs.get(i).loadProtocolClass(Stacks.class))) {
                    return i;
                }
            } catch (Exception e) {
                // checked in load()
            }
        }
        return -1;
    }

    /** Parsed bundled stacks: they never change, and parsing (twice, with the well-formedness check) costs ~3 ms. */
    private static final Map<String, List<ProtocolConfiguration>> BUNDLED_CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    /** A fresh copy of the stack's protocols (callers change the properties), from the cache for bundled stacks. */
    private static List<ProtocolConfiguration> parsed(String stack) throws StackException {
        String lower = stack.toLowerCase(Locale.ROOT);
        if (!BUNDLED.contains(lower)) {
            return parse(stack); // a user's file may change between starts
        }
        List<ProtocolConfiguration> cached = BUNDLED_CACHE.get(lower);
        if (cached == null) {
            cached = parse(stack);
            BUNDLED_CACHE.put(lower, cached);
        }
        List<ProtocolConfiguration> copy = new ArrayList<>(cached.size());
        for (ProtocolConfiguration pc : cached) {
            ProtocolConfiguration c = new ProtocolConfiguration(pc.getProtocolName(), new java.util.HashMap<>(pc.getProperties()),
                    pc.getClassLoader());
            if (pc.getSubtrees() != null) {
                pc.getSubtrees().forEach(c::addSubtree);
            }
            copy.add(c);
        }
        return copy;
    }

    private static List<ProtocolConfiguration> parse(String stack) throws StackException {
        String lower = stack.toLowerCase(Locale.ROOT);
        InputStream in;
        String source;
        if (BUNDLED.contains(lower)) {
            source = "bundled stack '" + lower + "'";
            in = Stacks.class.getClassLoader().getResourceAsStream("distribute/" + lower + ".xml");
            if (in == null) {
                throw new StackException(source + " is missing from the classpath");
            }
        } else {
            Path p = Path.of(stack);
            source = "stack file '" + stack + "'";
            if (!Files.isRegularFile(p)) {
                throw new StackException(source + " does not exist (bundled stacks: " + String.join(", ", BUNDLED) + ")");
            }
            try {
                in = Files.newInputStream(p);
            } catch (IOException e) {
                throw new StackException(source + " cannot be read: " + e.getMessage());
            }
        }
        byte[] xml;
        try (InputStream input = in) {
            xml = input.readAllBytes();
        } catch (IOException e) {
            throw new StackException(source + " cannot be read: " + e.getMessage());
        }
        checkWellFormed(xml, source);
        try {
            ProtocolStackConfigurator c = ConfiguratorFactory.getStackConfigurator(new ByteArrayInputStream(xml));
            List<ProtocolConfiguration> list = c.getProtocolStack();
            if (list == null || list.isEmpty()) {
                throw new StackException(source + " lists no protocols");
            }
            return new ArrayList<>(list);
        } catch (StackException e) {
            throw e;
        } catch (Exception e) {
            String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            throw new StackException(source + " is not a valid JGroups stack: " + why);
        }
    }

    /** JGroups' own parser silently drops a truncated element; the JDK's says where the file is broken. */
    private static void checkWellFormed(byte[] xml, String source) throws StackException {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(new org.xml.sax.helpers.DefaultHandler() {
                @Override
                public void fatalError(SAXParseException e) throws SAXParseException {
                    throw e; // reported in the StackException, not printed to stderr
                }
            });
            b.parse(new ByteArrayInputStream(xml));
        } catch (SAXParseException e) {
            throw new StackException(source + " is not a valid JGroups stack: malformed XML at line " + e.getLineNumber()
                    + ", column " + e.getColumnNumber() + ": " + e.getMessage());
        } catch (Exception e) {
            throw new StackException(source + " is not a valid JGroups stack: " + e.getMessage());
        }
    }
}
