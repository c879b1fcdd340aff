package io.distribute.cluster;

/**
 * A change of membership, pushed to subscribers (see {@link ClusterNode#subscribe}). Never polled.
 *
 * <pre>{@code
 * node.subscribe(event -> {
 *     if (event instanceof MembershipEvent.NodeUp up) {
 *         System.out.println(up.node() + " joined");
 *     } else if (event instanceof MembershipEvent.NodeDown down) {
 *         System.out.println(down.node() + " went down: " + down.reason());
 *     }
 * });
 * }</pre>
 */
public sealed interface MembershipEvent {

    /** The node this event is about, exactly as it named itself. */
    String node();

    /** {@code node} is connected: it joined, merged after a partition, or was a member when you subscribed. */
    record NodeUp(String node) implements MembershipEvent {}

    /** {@code node} is no longer connected, for {@code reason}. */
    record NodeDown(String node, DownReason reason) implements MembershipEvent {}
}
