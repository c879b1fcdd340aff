package io.distribute.internal;

import io.distribute.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeNameTest {

    @ParameterizedTest(name = "[{index}] \"{0}\" -> {1}")
    @CsvSource(delimiter = '|', value = {
            "myapp                          | no '@'",
            "@127.0.0.1                     | empty name",
            "myapp@                         | empty host",
            "a@b@c                          | more than one '@'",
            ".app@127.0.0.1                 | may not start",
            "-app@127.0.0.1                 | may not start",
            "my app@127.0.0.1               | may only use",
            "my/app@127.0.0.1               | may only use",
            "mÿapp@127.0.0.1                | may only use",
            "app@host_name                  | not a valid host name",
            "app@-host                      | not a valid host name",
            "app@host-                      | not a valid host name",
            "app@ho..st                     | empty label",
            "app@256.1.1.1                  | not a valid IPv4",
            "app@1.2.3                      | 4 numbers expected",
            "app@1.2.3.4.5                  | 4 numbers expected",
            "app@127.0.0.1:                 | not a number",
            "app@127.0.0.1:0                | out of range",
            "app@127.0.0.1:65536            | out of range",
            "app@127.0.0.1:80a              | not a number",
            "app@::1                        | brackets",
            "app@[::1                       | closing ']'",
            "app@[zz::1]                    | not a valid IPv6",
            "app@[127.0.0.1]                | not a valid IPv6",
            "app@[::1]x                     | unexpected text",
            "app@exa mple.com               | not a valid host name",
    })
    void rejectsInvalidNamesWithAReason(String name, String reasonPart) {
        Result<NodeName, String> r = NodeName.parse(name);
        assertTrue(r.isErr(), name);
        String reason = ((Result.Err<NodeName, String>) r).error();
        assertTrue(reason.contains(reasonPart), () -> "'" + name + "' -> '" + reason + "' should mention " + reasonPart);
    }

    @Test
    void rejectsNullEmptyAndLongNames() {
        assertEquals("node name is null", ((Result.Err<NodeName, String>) NodeName.parse(null)).error());
        assertTrue(NodeName.parse("").isErr());
        assertTrue(NodeName.parse("a".repeat(65) + "@127.0.0.1").isErr());
        assertTrue(NodeName.parse("a@" + "b".repeat(64) + ".com").isErr(), "label over 63 characters");
        assertTrue(NodeName.parse("a@" + "b.".repeat(130) + "c").isErr(), "host over 253 characters");
        assertTrue(NodeName.parse("a\n@127.0.0.1").isErr());
    }

    @ParameterizedTest
    @ValueSource(strings = {"myapp@127.0.0.1", "a@localhost", "worker_1.x-y@node-1.example.com", "a@[::1]:7800",
            "a@[fe80::1]", "A9@10.0.0.5:7801", "_x@h", "a@example.com."})
    void acceptsValidNames(String name) {
        assertTrue(NodeName.parse(name).isOk(), name);
    }

    @Test
    void splitsIntoParts() {
        NodeName n = NodeName.parse("orders@[::1]:7801").orElseThrow();
        assertEquals("orders", n.name());
        assertEquals("::1", n.host());
        assertEquals(7801, n.port());
        assertEquals("orders@[::1]:7801", n.text());
        NodeName m = NodeName.parse("b@localhost").orElseThrow();
        assertFalse(m.hasPort());
        assertFalse(m.isLiteral());
        assertTrue(NodeName.parse("b@127.0.0.1").orElseThrow().isLiteral());
    }
}
