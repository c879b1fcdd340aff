package io.distribute.bench;

import io.distribute.testing.Namespaces;

import java.io.IOException;
import java.util.List;

/**
 * The benchmark's network namespaces (see {@link Namespaces}): for each side {@code x} of {@code a..d}, namespace
 * {@code dbench-x} with 10.200.0.{1..4}/24, joined by a bridge in {@code dbench-br}; deleted on close (and by the
 * benchmark's shutdown hook).
 */
final class Netns implements AutoCloseable {

    static final String PREFIX = "dbench-";
    private static final String SUBNET = "10.200.0";
    private static final List<String> SIDES = List.of("a", "b", "c", "d");

    private final Namespaces namespaces;

    private Netns(Namespaces namespaces) {
        this.namespaces = namespaces;
    }

    /** Why this process cannot create namespaces, or null if it can. */
    static String unavailableReason() {
        return Namespaces.unavailableReason();
    }

    static String address(String side) {
        return SUBNET + "." + (SIDES.indexOf(side) + 1);
    }

    static Netns create(List<String> sides) throws IOException, InterruptedException {
        return new Netns(Namespaces.create(PREFIX, SUBNET, sides));
    }

    /** The command prefix that runs a program inside side {@code side}'s namespace. */
    static List<String> exec(String side) {
        return List.of("ip", "netns", "exec", PREFIX + side);
    }

    void cut(String side) throws IOException, InterruptedException {
        namespaces.cut(side);
    }

    void restore(String side) throws IOException, InterruptedException {
        namespaces.restore(side);
    }

    @Override
    public void close() {
        namespaces.close();
    }
}
