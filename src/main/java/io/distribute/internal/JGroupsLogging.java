package io.distribute.internal;

import org.jgroups.logging.CustomLogFactory;
import org.jgroups.logging.Log;
import org.jgroups.logging.LogFactory;
import org.jgroups.logging.Slf4jLogImpl;

/**
 * JGroups picks its logging backend itself and prefers log4j2 when that is on the classpath; the library routes it
 * to SLF4J like the rest of its logging. This is a JVM-wide JGroups setting, made once, only if nobody set one.
 */
public final class JGroupsLogging {

    private JGroupsLogging() {
    }

    /** Routes JGroups' logging to SLF4J unless the application already installed its own log factory. */
    public static void routeToSlf4j() {
        if (LogFactory.getCustomLogFactory() == null) {
            LogFactory.setCustomLogFactory(new CustomLogFactory() {
                @Override
                public Log getLog(Class<?> clazz) {
                    return new Slf4jLogImpl(clazz);
                }

                @Override
                public Log getLog(String category) {
                    return new Slf4jLogImpl(category);
                }
            });
        }
    }
}
