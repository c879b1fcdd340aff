/**
 * The secure connection layer, below JGroups' parser: every TCP connection is TLS 1.3 keyed by the cookie (or
 * mutual certificates plus a cookie proof), every datagram of the udp stack is sealed, and nothing a peer without the
 * cookie sends reaches JGroups. Entry point: {@link io.distribute.internal.secure.SecureLayer}, JGroups' socket
 * factory. Not API.
 */
package io.distribute.internal.secure;
