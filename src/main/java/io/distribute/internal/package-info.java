/**
 * The JGroups adapter. Not API: nothing outside the library may use it, and no public signature mentions it.
 *
 * <p>Two layers, each in concept-named parts:
 * <ul>
 *   <li><b>The node side</b> (one object per started node, {@link io.distribute.internal.JGroupsNode}): starting
 *       and port claims ({@code NodeStarter}, {@code LocalClaims}, {@code StackTuning}, {@code StartErrors}), views
 *       and events ({@code ViewTracker}, {@code Membership}), connect ({@code Connector}, {@code NodeFinder}), ping
 *       ({@code PingCall}), seeds ({@code SeedJoiner}) and JMX ({@code NodeJmx}).</li>
 *   <li><b>The protocol</b> inside the JGroups stack ({@code NodeProtocol} and the parts it delegates to): cookie
 *       proofs on join and merge, merge triggers, unique names, departures and crash evidence, PING/PONG.</li>
 * </ul>
 * Below both, {@link io.distribute.internal.secure} authenticates every byte before JGroups parses it.
 */
package io.distribute.internal;
