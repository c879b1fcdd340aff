/**
 * distribute: the cluster calls of a distributed Erlang node for the JVM, on JGroups. This package holds
 * {@link io.distribute.Result}, the value every call returns instead of throwing; the calls themselves are in
 * {@link io.distribute.cluster}, retries in {@link io.distribute.retry}, and the optional health endpoint in
 * {@link io.distribute.http}.
 *
 * <p>Package-wide rules: no public method throws for bad input, {@code null} included (builders of settings throw
 * {@link java.lang.IllegalArgumentException} naming the setting); failures are typed values; every public type is
 * thread-safe or immutable. Nothing public mentions JGroups or the {@code io.distribute.internal} packages, which
 * are not API.
 */
package io.distribute;
