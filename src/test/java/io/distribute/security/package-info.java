/**
 * The attack suite: an attacker that never has the cookie, with raw java.net sockets, JGroups' own classes and
 * BouncyCastle's public TLS API (and, for spoofed datagrams, raw IP packets as root), attacks real nodes on loopback
 * and checks what a user would check afterwards: the victim is alive and answers ping, nobody is listed who should
 * not be, no live member is reported down, a node with the cookie can still join. One class per theme; each test
 * names the attack row it covers (rows 1-7, 9, 10 and the plain connection flood).
 *
 * <p>Every attack goes to 127.0.0.0/8 only, is bounded in count and time ({@link io.distribute.security.Flood}), and
 * stops by itself; child JVMs are ended by PID. Victims are closed by {@link io.distribute.testing.TestCluster#quick()} without
 * TestCluster's wait for idle threads, which would add up to 5 s per test.
 *
 * <p>Time budget: the package runs in about 70 s of test time. The floods keep the rate and length (300/s
 * for 10 s); PortSquatterTest scales its timeouts and connect count down (see its comment). Three
 * weaknesses this suite found (first-come admission at the handshake cap, a split that did not heal after a flood,
 * probe threads piling up on silent squatters) are fixed; their tests say what they were.
 */
package io.distribute.security;
