package io.distribute.cluster;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.distribute.internal.JGroupsNode;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.ConcurrentModificationException;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A started node keeps only keys derived from the cookie, never the cookie itself, even when its config carried one
 * (as {@link ClusterConfig#fromEnvironment()} does from CLUSTER_COOKIE); a short cookie is warned about once.
 */
class CookieNotKeptTest {

    /** A cookie no other object could hold by accident. */
    private final String cookie = "not-kept-" + System.nanoTime() + "-0123456789";

    @AfterEach
    void stop() {
        Cluster.stop();
    }

    @Test
    void aStartedNodeHoldsNoStringEqualToTheCookie() {
        ClusterConfig withCookie = TestCluster.testConfig().cookie(cookie).jmx(true).build();
        assertEquals(Optional.of(cookie), withCookie.cookie());
        Walk control = Walk.of(withCookie, cookie);
        assertFalse(control.hits.isEmpty(), "the walk finds the cookie where it is: " + control.hits);

        try (ClusterNode node = ClusterNode.start("kept@127.0.0.1:" + Ports.next(), cookie, withCookie).orElseThrow()) {
            assertEquals(Optional.empty(), node.config().cookie(), "ClusterNode.config()");
            Walk walk = Walk.of(node, cookie);
            assertEquals(List.of(), walk.hits, "fields holding the cookie");
            assertTrue(walk.reached(ClusterNode.class, JGroupsNode.class, ClusterConfig.class),
                    "the walk went through the node: " + walk.classes);
            assertTrue(walk.classes.stream().anyMatch(c -> c.getSimpleName().equals("CookieSecret")),
                    "the walk reached the derived key: " + walk.classes);
            System.out.println("cookie not kept: " + walk.objects + " objects walked, " + walk.classes.size()
                    + " classes");
        }
    }

    @Test
    void theClusterFacadeKeepsNoCookieAfterStart() {
        ClusterConfig withCookie = TestCluster.testConfig().cookie(cookie).build();
        assertTrue(Cluster.startNode("facade-kept@127.0.0.1:" + Ports.next(), cookie, withCookie).isOk());
        Walk walk = Walk.statics(Cluster.class, cookie);
        assertEquals(List.of(), walk.hits, "fields of Cluster holding the cookie");
        assertTrue(walk.reached(ClusterNode.class, JGroupsNode.class, ClusterConfig.class), walk.classes::toString);
    }

    @Test
    void aShortCookieIsWarnedAboutOncePerStartWithoutTheCookie() {
        String shortCookie = "short-" + (System.nanoTime() % 1_000_000); // under 16 characters
        assertTrue(shortCookie.length() < 16);
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger ours = ctx.getLogger("io.distribute");
        Level before = ours.getLevel();
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ours.addAppender(appender);
        ours.setLevel(Level.INFO);
        String shortName = "short@127.0.0.1:" + Ports.next();
        String longName = "long@127.0.0.1:" + Ports.next();
        try {
            ClusterNode.start(shortName, shortCookie, TestCluster.testConfig().build()).orElseThrow().close();
            ClusterNode.start(longName, cookie, TestCluster.testConfig().build()).orElseThrow().close();
        } finally {
            ours.detachAppender(appender);
            ours.setLevel(before);
        }
        List<String> warnings = new ArrayList<>();
        for (ILoggingEvent e : appender.list) {
            assertFalse(e.getFormattedMessage().contains(shortCookie), "cookie in a log line: " + e.getFormattedMessage());
            if (e.getLevel() == Level.WARN && e.getFormattedMessage().contains("shorter than")) {
                warnings.add(e.getFormattedMessage());
            }
        }
        assertEquals(List.of(shortName + ": the cookie is shorter than 16 characters: anyone who records a handshake"
                + " can guess it offline; make one with `distribute cookie`"), warnings);
    }

    /**
     * Every String (and char[]/byte[]) reachable from a root, breadth first up to {@link #MAX_DEPTH} references,
     * through the fields of distribute's and JGroups' objects and the elements of arrays, collections and maps.
     */
    static final class Walk {
        private static final int MAX_DEPTH = 12;

        private record Step(Object object, String path, int depth) {}

        final List<String> hits = new ArrayList<>();
        final Set<Class<?>> classes = Collections.newSetFromMap(new IdentityHashMap<>());
        int objects;
        private final String cookie;
        private final byte[] cookieBytes;
        private final Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        private final ArrayDeque<Step> queue = new ArrayDeque<>();

        private Walk(String cookie) {
            this.cookie = cookie;
            this.cookieBytes = cookie.getBytes(StandardCharsets.UTF_8);
        }

        static Walk of(Object root, String cookie) {
            Walk w = new Walk(cookie);
            w.queue.add(new Step(root, root.getClass().getSimpleName(), 0));
            w.run();
            return w;
        }

        static Walk statics(Class<?> c, String cookie) {
            Walk w = new Walk(cookie);
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) && !f.getType().isPrimitive()) {
                    w.queue.add(new Step(read(f, null), c.getSimpleName() + "." + f.getName(), 0));
                }
            }
            w.run();
            return w;
        }

        boolean reached(Class<?>... cs) {
            return Arrays.stream(cs).allMatch(classes::contains);
        }

        private void run() {
            for (Step s; (s = queue.poll()) != null; ) {
                visit(s.object, s.path, s.depth);
            }
        }

        private void next(Object o, String path, int depth) {
            if (o != null && depth <= MAX_DEPTH) {
                queue.add(new Step(o, path, depth));
            }
        }

        private void visit(Object o, String path, int depth) {
            if (o instanceof String s) {
                if (s.equals(cookie)) {
                    hits.add(path);
                }
                return;
            }
            if (o instanceof char[] chars) {
                if (new String(chars).equals(cookie)) {
                    hits.add(path);
                }
                return;
            }
            if (o instanceof byte[] bytes) {
                if (Arrays.equals(bytes, cookieBytes)) {
                    hits.add(path + " (bytes)");
                }
                return;
            }
            if (!seen.add(o)) {
                return;
            }
            objects++;
            try {
                if (o instanceof Object[] array) {
                    for (int i = 0; i < array.length; i++) {
                        next(array[i], path + "[" + i + "]", depth + 1);
                    }
                } else if (o instanceof Collection<?> c) {
                    for (Object e : c.toArray()) {
                        next(e, path + "[]", depth + 1);
                    }
                } else if (o instanceof Map<?, ?> m) {
                    for (Map.Entry<?, ?> e : new ArrayList<>(m.entrySet())) {
                        next(e.getKey(), path + "{key}", depth + 1);
                        next(e.getValue(), path + "{" + e.getKey() + "}", depth + 1);
                    }
                } else if (o instanceof Optional<?> opt) {
                    next(opt.orElse(null), path + ".get()", depth + 1);
                } else if (o instanceof AtomicReference<?> ref) {
                    next(ref.get(), path + ".get()", depth + 1);
                }
            } catch (ConcurrentModificationException e) {
                // a collection changing under us: walk the rest
            }
            String name = o.getClass().getName();
            if (!name.startsWith("io.distribute.") && !name.startsWith("org.jgroups.")) {
                return;
            }
            classes.add(o.getClass());
            for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (!Modifier.isStatic(f.getModifiers()) && !f.getType().isPrimitive()) {
                        next(read(f, o), path + "." + f.getName(), depth + 1);
                    }
                }
            }
        }

        private static Object read(Field f, Object o) {
            try {
                f.setAccessible(true);
                return f.get(o);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null; // not readable (e.g. a JDK-internal field): nothing of ours
            }
        }
    }
}
