package io.distribute.cluster;

/** A subscription to membership events; {@link #close()} stops delivery (idempotent, never throws). */
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
