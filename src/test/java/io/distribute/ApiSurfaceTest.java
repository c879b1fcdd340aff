package io.distribute;

import io.distribute.cluster.Cluster;
import io.distribute.cluster.ClusterConfig;
import io.distribute.cluster.ClusterNode;
import io.distribute.cluster.ConnectError;
import io.distribute.cluster.StartError;
import io.distribute.http.HealthEndpoint;
import io.distribute.retry.Retry;
import io.distribute.retry.RetryPolicy;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** No public signature of the API mentions a JGroups type or the internal adapter. */
class ApiSurfaceTest {

    private static final List<Class<?>> API = List.of(Result.class, Result.Ok.class, Result.Err.class, Cluster.class,
            ClusterNode.class, ClusterConfig.class, ClusterConfig.Builder.class, StartError.class, ConnectError.class,
            RetryPolicy.class, Retry.class, HealthEndpoint.class);

    @Test
    void publicSignaturesMentionNoJGroupsOrInternalType() {
        List<String> leaks = new ArrayList<>();
        List<Class<?>> all = new ArrayList<>(API);
        for (Class<?> c : API) {
            for (Class<?> inner : c.getDeclaredClasses()) {
                if (Modifier.isPublic(inner.getModifiers())) {
                    all.add(inner);
                }
            }
        }
        for (Class<?> c : all) {
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
