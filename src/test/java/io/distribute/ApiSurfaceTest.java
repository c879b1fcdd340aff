package io.distribute;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The public API is exactly the types listed here (found by scanning the API packages, so a new public type fails
 * this test until it is added on purpose), and no public signature of it mentions a JGroups type or the adapter.
 */
class ApiSurfaceTest {

    private static final List<String> API_PACKAGES = List.of("io.distribute", "io.distribute.cluster",
            "io.distribute.retry", "io.distribute.http");

    private static final List<String> API = List.of(
            "io.distribute.Result", "io.distribute.Result$Err", "io.distribute.Result$Ok",
            "io.distribute.cluster.Cluster", "io.distribute.cluster.ClusterConfig",
            "io.distribute.cluster.ClusterConfig$Builder", "io.distribute.cluster.ClusterNode",
            "io.distribute.cluster.ConnectError", "io.distribute.cluster.ConnectError$ConnectIgnored",
            "io.distribute.cluster.ConnectError$ConnectNetworkError", "io.distribute.cluster.ConnectError$ConnectTimeout",
            "io.distribute.cluster.ConnectError$NodeNotFound", "io.distribute.cluster.DownReason",
            "io.distribute.cluster.MembershipEvent", "io.distribute.cluster.MembershipEvent$NodeDown",
            "io.distribute.cluster.MembershipEvent$NodeUp", "io.distribute.cluster.StartError",
            "io.distribute.cluster.StartError$AlreadyStarted", "io.distribute.cluster.StartError$CookieTooLong",
            "io.distribute.cluster.StartError$InvalidNodeName", "io.distribute.cluster.StartError$NetworkError",
            "io.distribute.cluster.StartError$StartFailed", "io.distribute.cluster.StartError$SystemError",
            "io.distribute.cluster.Subscription", "io.distribute.http.HealthEndpoint", "io.distribute.retry.Delay",
            "io.distribute.retry.Jitter", "io.distribute.retry.Retry", "io.distribute.retry.RetryPolicy");

    /** Every public type, nested ones included, of the API packages, sorted by name. */
    private static List<Class<?>> publicTypes() throws IOException, URISyntaxException, ClassNotFoundException {
        Path classes = Path.of(Result.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Class<?>> out = new ArrayList<>();
        for (String pkg : API_PACKAGES) {
            try (Stream<Path> files = Files.list(classes.resolve(pkg.replace('.', '/')))) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    String file = f.getFileName().toString();
                    if (!file.endsWith(".class") || file.equals("package-info.class")) {
                        continue;
                    }
                    Class<?> c = Class.forName(pkg + "." + file.substring(0, file.length() - ".class".length()));
                    if (isPublic(c) && !c.isAnonymousClass() && !c.isSynthetic()) {
                        out.add(c);
                    }
                }
            }
        }
        out.sort(java.util.Comparator.comparing(Class::getName));
        return out;
    }

    /** Public itself and, if nested, inside public types all the way out. */
    private static boolean isPublic(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            if (!Modifier.isPublic(k.getModifiers())) {
                return false;
            }
        }
        return true;
    }

    @Test
    void theApiIsExactlyTheListedTypes() throws Exception {
        assertEquals(API, publicTypes().stream().map(Class::getName).toList());
    }

    @Test
    void publicSignaturesMentionNoJGroupsOrInternalType() throws Exception {
        List<String> leaks = new ArrayList<>();
        for (Class<?> c : publicTypes()) {
            check(c.getName() + " extends", c.getGenericSuperclass(), leaks);
            for (Type i : c.getGenericInterfaces()) {
                check(c.getName() + " implements", i, leaks);
            }
            for (Method m : c.getDeclaredMethods()) {
                if (Modifier.isPublic(m.getModifiers()) || Modifier.isProtected(m.getModifiers())) {
                    check(m.toString(), m.getGenericReturnType(), leaks);
                    for (Type p : m.getGenericParameterTypes()) {
                        check(m.toString(), p, leaks);
                    }
                    for (Type e : m.getGenericExceptionTypes()) {
                        check(m.toString(), e, leaks);
                    }
                }
            }
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                if (Modifier.isPublic(k.getModifiers())) {
                    for (Type p : k.getGenericParameterTypes()) {
                        check(k.toString(), p, leaks);
                    }
                }
            }
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isPublic(f.getModifiers())) {
                    check(f.toString(), f.getGenericType(), leaks);
                }
            }
        }
        assertEquals(List.of(), leaks);
    }

    private static void check(String where, Type t, List<String> leaks) {
        if (t == null) {
            return;
        }
        String s = t.getTypeName();
        if (s.contains("org.jgroups") || s.contains("io.distribute.internal")) {
            leaks.add(where + " -> " + s);
        }
    }
}
