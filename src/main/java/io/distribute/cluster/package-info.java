/**
 * The cluster calls: start a named node with a cookie, connect to other nodes, list them, ping them, and watch them
 * come and go, as a distributed Erlang node does.
 *
 * <p>In reading order:
 * <ul>
 *   <li>{@link io.distribute.cluster.Cluster}: this JVM's default node, as static calls
 *       ({@code startNode}, {@code connect}, {@code nodes}, {@code selfNode}, {@code ping}, {@code stop});</li>
 *   <li>{@link io.distribute.cluster.ClusterNode}: the same calls on an instance, for several nodes in one JVM and
 *       for dependency-injection containers ({@code AutoCloseable});</li>
 *   <li>{@link io.distribute.cluster.ClusterConfig}: immutable settings, from a builder or the environment;</li>
 *   <li>{@link io.distribute.cluster.StartError}, {@link io.distribute.cluster.ConnectError}: why a call failed;</li>
 *   <li>{@link io.distribute.cluster.MembershipEvent}, {@link io.distribute.cluster.DownReason},
 *       {@link io.distribute.cluster.Subscription}: membership events, pushed in order to subscribers.</li>
 * </ul>
 *
 * <pre>{@code
 * ClusterConfig config = ClusterConfig.fromEnvironment();
 * try (ClusterNode node = ClusterNode.start("a@10.0.0.5", config.cookie().orElseThrow(), config).orElseThrow()) {
 *     node.connect("b@10.0.0.6");
 *     node.subscribe(event -> System.out.println(event));
 * }
 * }</pre>
 *
 * <p>Rules for the whole package: no method throws for bad input ({@code null} included), failures are the typed
 * values above; every class is thread-safe; callbacks never run on a JGroups thread; node names are returned exactly
 * as they were given to {@code start}; the cookie never appears in any value, log line or {@code toString()}.
 */
package io.distribute.cluster;
