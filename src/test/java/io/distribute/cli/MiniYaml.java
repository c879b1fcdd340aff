package io.distribute.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The subset of YAML the compose files and Kubernetes manifests use, so that reading them needs no new dependency:
 * block mappings and sequences by indentation, plain and quoted scalars, flow sequences ({@code ["a", "b"]}),
 * comments, and anchors on mappings ({@code x-node: &node}) used by aliases ({@code *node}) and merge keys
 * ({@code <<: *node}; keys written beside a merge win over merged ones). Anything else (multi-line scalars, flow
 * mappings, several documents) is rejected rather than misread.
 */
final class MiniYaml {

    private record Line(int number, int indent, String text) {}

    private final List<Line> lines = new ArrayList<>();
    private final Map<String, Object> anchors = new LinkedHashMap<>();
    private int pos;

    private MiniYaml(String text) {
        String[] raw = text.split("\n", -1);
        for (int i = 0; i < raw.length; i++) {
            String l = stripComment(raw[i]).stripTrailing();
            if (l.isBlank()) {
                continue;
            }
            int indent = 0;
            while (l.charAt(indent) == ' ') {
                indent++;
            }
            String t = l.substring(indent);
            if (t.startsWith("&") || t.endsWith("|") || t.endsWith(">") || t.startsWith("{") || t.contains(": {")
                    || t.equals("---") || t.contains(": &") && !t.matches("[^:]+: &[A-Za-z0-9_-]+")) {
                throw new IllegalArgumentException("line " + (i + 1) + ": unsupported YAML: " + t);
            }
            lines.add(new Line(i + 1, indent, t));
        }
    }

    /** Parses {@code text} into maps ({@link LinkedHashMap}), lists and strings. */
    static Object parse(String text) {
        MiniYaml y = new MiniYaml(text);
        if (y.lines.isEmpty()) {
            return null;
        }
        Object o = y.block(y.lines.get(0).indent());
        if (y.pos != y.lines.size()) {
            Line l = y.lines.get(y.pos);
            throw new IllegalArgumentException("line " + l.number() + ": unexpected indentation: " + l.text());
        }
        return o;
    }

    private Object block(int indent) {
        return lines.get(pos).text().startsWith("- ") ? sequence(indent) : mapping(indent);
    }

    private Map<String, Object> mapping(int indent) {
        Map<String, Object> map = new LinkedHashMap<>();
        Map<String, Object> merged = new LinkedHashMap<>();
        while (pos < lines.size() && lines.get(pos).indent() == indent && !lines.get(pos).text().startsWith("- ")) {
            Line l = lines.get(pos++);
            int colon = keyEnd(l);
            String key = l.text().substring(0, colon).trim();
            String rest = l.text().substring(colon + 1).trim();
            String anchor = null;
            if (rest.startsWith("&")) {
                anchor = rest.substring(1);
                rest = "";
            }
            Object value;
            if (rest.startsWith("*")) {
                value = alias(rest.substring(1), l);
            } else if (!rest.isEmpty()) {
                value = scalar(rest, l);
            } else if (pos < lines.size() && lines.get(pos).indent() > indent) {
                value = block(lines.get(pos).indent());
            } else {
                value = null;
            }
            if (anchor != null) {
                anchors.put(anchor, value);
            }
            if (key.equals("<<")) {
                if (!(value instanceof Map<?, ?> m)) {
                    throw new IllegalArgumentException("line " + l.number() + ": '<<' needs an alias of a mapping");
                }
                m.forEach((k, v) -> merged.putIfAbsent(String.valueOf(k), v));
                continue;
            }
            if (map.containsKey(key)) {
                throw new IllegalArgumentException("line " + l.number() + ": duplicate key " + key);
            }
            map.put(key, value);
        }
        if (merged.isEmpty()) {
            return map;
        }
        Map<String, Object> out = new LinkedHashMap<>(merged);
        out.putAll(map);
        return out;
    }

    private Object alias(String name, Line l) {
        if (!anchors.containsKey(name)) {
            throw new IllegalArgumentException("line " + l.number() + ": unknown alias *" + name);
        }
        return anchors.get(name);
    }

    private List<Object> sequence(int indent) {
        List<Object> list = new ArrayList<>();
        while (pos < lines.size() && lines.get(pos).indent() == indent && lines.get(pos).text().startsWith("- ")) {
            Line l = lines.get(pos);
            String item = l.text().substring(2).trim();
            if (isMappingEntry(item)) {
                // "- key: value" starts a mapping indented by the dash
                lines.set(pos, new Line(l.number(), indent + 2, item));
                list.add(mapping(indent + 2));
            } else {
                pos++;
                list.add(scalar(item, l));
            }
        }
        return list;
    }

    private static boolean isMappingEntry(String t) {
        if (t.startsWith("\"") || t.startsWith("'") || t.startsWith("[")) {
            return false;
        }
        return t.contains(": ") || t.endsWith(":");
    }

    private static int keyEnd(Line l) {
        String t = l.text();
        int i = t.indexOf(": ");
        if (i < 0 && t.endsWith(":")) {
            i = t.length() - 1;
        }
        if (i <= 0) {
            throw new IllegalArgumentException("line " + l.number() + ": expected 'key: value': " + t);
        }
        return i;
    }

    private static Object scalar(String s, Line l) {
        if (s.startsWith("[")) {
            if (!s.endsWith("]")) {
                throw new IllegalArgumentException("line " + l.number() + ": unterminated flow sequence");
            }
            List<Object> items = new ArrayList<>();
            String inner = s.substring(1, s.length() - 1).trim();
            StringBuilder cur = new StringBuilder();
            char quote = 0;
            for (int i = 0; i < inner.length(); i++) {
                char c = inner.charAt(i);
                if (quote != 0) {
                    if (c == quote) {
                        quote = 0;
                    }
                    cur.append(c);
                } else if (c == '"' || c == '\'') {
                    quote = c;
                    cur.append(c);
                } else if (c == ',') {
                    items.add(scalar(cur.toString().trim(), l));
                    cur.setLength(0);
                } else {
                    cur.append(c);
                }
            }
            if (!cur.toString().isBlank()) {
                items.add(scalar(cur.toString().trim(), l));
            }
            return items;
        }
        if (s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\"") || s.startsWith("'") && s.endsWith("'"))) {
            String body = s.substring(1, s.length() - 1);
            return s.startsWith("\"") ? body.replace("\\\"", "\"").replace("\\\\", "\\") : body.replace("''", "'");
        }
        return s;
    }

    /** Drops a comment: '#' at the start or after a blank, outside quotes. */
    private static String stripComment(String l) {
        char quote = 0;
        for (int i = 0; i < l.length(); i++) {
            char c = l.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '#' && (i == 0 || l.charAt(i - 1) == ' ')) {
                return l.substring(0, i);
            }
        }
        return l;
    }
}
