package io.distribute.internal;

import io.distribute.Result;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * A parsed node name {@code name@host} or {@code name@host:port} ({@code name@[v6]:port} for IPv6).
 *
 * @param text the name exactly as given (what {@code selfNode()} and {@code nodes()} return)
 * @param name the part before {@code @}
 * @param host the host without brackets
 * @param port the port given in the name, or -1
 */
public record NodeName(String text, String name, String host, int port) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern IPV4_LIKE = Pattern.compile("[0-9.]+");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");

    public boolean hasPort() {
        return port >= 0;
    }

    /** True if the host is an IPv4 or IPv6 literal rather than a DNS name. */
    public boolean isLiteral() {
        return IPV4_LIKE.matcher(host).matches() || host.indexOf(':') >= 0;
    }

    /** Parses and validates {@code text}; the error is a reason naming what is wrong. */
    public static Result<NodeName, String> parse(String text) {
        if (text == null) {
            return Result.err("node name is null");
        }
        if (text.isEmpty()) {
            return Result.err("node name is empty");
        }
        int at = text.indexOf('@');
        if (at < 0) {
            return Result.err("'" + printable(text) + "' has no '@' (expected name@host)");
        }
        if (text.indexOf('@', at + 1) >= 0) {
            return Result.err("'" + printable(text) + "' has more than one '@'");
        }
        String name = text.substring(0, at);
        String rest = text.substring(at + 1);
        if (name.isEmpty()) {
            return Result.err("'" + printable(text) + "' has an empty name before '@'");
        }
        if (name.length() > 64) {
            return Result.err("name part is " + name.length() + " characters long (max 64)");
        }
        if (!NAME.matcher(name).matches()) {
            return Result.err("name part '" + printable(name)
                    + "' may only use letters, digits, '_', '.', '-' and may not start with '.' or '-'");
        }
        if (rest.isEmpty()) {
            return Result.err("'" + printable(text) + "' has an empty host after '@'");
        }
        String host;
        String portText = null;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                return Result.err("IPv6 host in '" + printable(text) + "' lacks its closing ']'");
            }
            host = rest.substring(1, close);
            String after = rest.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    return Result.err("unexpected text after ']' in '" + printable(text) + "'");
                }
                portText = after.substring(1);
            }
            if (host.isEmpty() || !IPV6_CHARS.matcher(host).matches() || host.indexOf(':') < 0 || !isIpLiteral(host)) {
                return Result.err("'" + printable(host) + "' is not a valid IPv6 address");
            }
        } else {
            int colon = rest.indexOf(':');
            if (colon >= 0) {
                if (rest.indexOf(':', colon + 1) >= 0) {
                    return Result.err("IPv6 host in '" + printable(text) + "' must be written in brackets, e.g. a@[::1]:7800");
                }
                host = rest.substring(0, colon);
                portText = rest.substring(colon + 1);
            } else {
                host = rest;
            }
            if (host.isEmpty()) {
                return Result.err("'" + printable(text) + "' has an empty host after '@'");
            }
            String hostError = checkHost(host);
            if (hostError != null) {
                return Result.err(hostError);
            }
        }
        int port = -1;
        if (portText != null) {
            if (portText.isEmpty() || portText.length() > 5 || !portText.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return Result.err("port '" + printable(portText) + "' is not a number from 1 to 65535");
            }
            port = Integer.parseInt(portText);
            if (port < 1 || port > 65535) {
                return Result.err("port " + port + " is out of range 1-65535");
            }
        }
        return Result.ok(new NodeName(text, name, host, port));
    }

    private static String checkHost(String host) {
        if (IPV4_LIKE.matcher(host).matches()) {
            String[] parts = host.split("\\.", -1);
            if (parts.length != 4) {
                return "'" + host + "' is not a valid IPv4 address (4 numbers expected)";
            }
            for (String p : parts) {
                if (p.isEmpty() || p.length() > 3 || Integer.parseInt(p) > 255) {
                    return "'" + host + "' is not a valid IPv4 address";
                }
            }
            return null;
        }
        if (host.length() > 253) {
            return "host name is " + host.length() + " characters long (max 253)";
        }
        String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        for (String label : h.split("\\.", -1)) {
            if (label.isEmpty()) {
                return "host '" + printable(host) + "' has an empty label";
            }
            if (!LABEL.matcher(label).matches()) {
                return "host '" + printable(host) + "' is not a valid host name (label '" + printable(label)
                        + "': letters, digits and inner '-' only, 1-63 characters)";
            }
        }
        return null;
    }

    private static boolean isIpLiteral(String host) {
        try {
            // A string with ':' is parsed as a literal; no DNS lookup happens.
            InetAddress.getByName(host);
            return true;
        } catch (UnknownHostException | SecurityException e) {
            return false;
        }
    }

    /** Keeps reasons readable and log-safe: control characters become '?', long input is cut. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (s.length() > 80) {
            b.append("...");
        }
        return b.toString();
    }
}
