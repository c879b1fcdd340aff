package io.distribute.security;

import io.distribute.cluster.ClusterNode;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node whose cookie is a dictionary word ("sunshine42"). A stranger who guesses online gets one alert per guess
 * and nothing computed with the cookie, so its recording gives a dictionary nothing to test. What does allow offline
 * guessing of a weak cookie is a PASSIVE recording of a real handshake between two cookie holders: the client's PSK
 * binder (RFC 8446 §4.2.11.2) is an HMAC keyed by the PSK, so every word can be checked against it offline. That is
 * inherent in a PSK handshake, and the reason `distribute cookie` makes long random cookies (and the node warns about
 * short ones); the second test shows it happening, so that this comment stays true.
 */
class WeakCookieTest {

    private static final String WEAK = "sunshine42";
    private static final String PROBE = "distribute/1/p/";

    /** 1,000 candidate cookies, "sunshine42" among them. */
    private static List<String> dictionary() {
        List<String> words = new ArrayList<>(List.of("password", "123456", "letmein", "qwerty", "dragon", "monkey",
                "secret", "cookie", "distribute", "erlang", "changeme", "admin", "welcome", "sunshine"));
        for (int i = 0; words.size() < 999; i++) {
            words.add(words.get(i % 14) + i);
        }
        words.add(737, WEAK);
        return words;
    }

    private static ClusterNode start(String name, String cookie) {
        return ClusterNode.start(name + "@127.0.0.1:" + Ports.next(), cookie, TestCluster.testConfig().build())
                .orElseThrow();
    }

    private static InetSocketAddress where(ClusterNode n) {
        return n.boundAddress();
    }

    // Row 6: an online guess at a weak cookie gets only an alert record, identical whatever the guess or the cookie.
    @Test
    void aWrongGuessGetsOnlyAnAlertThatGivesADictionaryNothingToMatch() throws Exception {
        List<String> dictionary = dictionary();
        assertEquals(1000, dictionary.size());
        try (ClusterNode weak = start("weak", WEAK);
             ClusterNode strong = start("strong", TestCluster.COOKIE)) {
            String cluster = weak.config().clusterName();
            long droppedBefore = Internals.droppedFrames(weak);
            AttackerTls.Attempt guess1 = AttackerTls.handshake(where(weak), AttackerTls.psk("password", cluster),
                    PROBE + "weak");
            AttackerTls.Attempt guess2 = AttackerTls.handshake(where(weak), AttackerTls.psk("letmein", cluster),
                    "distribute/1/j");
            AttackerTls.Attempt otherNode = AttackerTls.handshake(where(strong), AttackerTls.psk("password", cluster),
                    PROBE + "strong");
            for (AttackerTls.Attempt a : List.of(guess1, guess2, otherNode)) {
                assertFalse(a.finished(), "handshake refused");
                List<AttackerTls.Record> records = a.records();
                assertEquals(1, records.size(), "one record, then the close: " + records);
                assertEquals(AttackerTls.ALERT, records.get(0).type(), "an alert record (content type 21)");
                assertArrayEquals(new byte[] {2, 51}, records.get(0).fragment(), "fatal decrypt_error, nothing else");
                assertEquals(0, AttackerTls.handshakeMessages(a.received()), "no ServerHello, no encrypted extensions");
            }
            // The reply does not depend on the guess, nor on the node's cookie: it carries nothing derived from it.
            assertArrayEquals(guess1.received(), guess2.received());
            assertArrayEquals(guess1.received(), otherNode.received());
            assertEquals(List.of(), AttackerTls.dictionaryMatches(guess1.received(), dictionary, cluster),
                    "nothing in the node's reply to test a guess against");
            // The node counted the refused guesses (what an operator sees).
            await().atMost(Duration.ofSeconds(2)).until(() -> Internals.droppedFrames(weak) >= droppedBefore + 2);
        }
    }

    // Row 6, the honest limit: a passive recording of two cookie holders' handshake does let a dictionary find it.
    @Test
    void aPassiveRecordingOfTwoCookieHoldersLetsADictionaryFindAWeakCookie() throws Exception {
        try (ClusterNode a = start("weak-a", WEAK);
             ClusterNode b = start("weak-b", WEAK);
             Relay tap = new Relay(where(a))) {
            String cluster = a.config().clusterName();
            // b pings a through the tap (a user's `distribute ping`): a real, successful handshake is recorded.
            assertTrue(b.ping("weak-a@127.0.0.1:" + tap.port()));
            await().atMost(Duration.ofSeconds(2)).until(() -> tap.clientBytes().length > 100);
            List<String> found = AttackerTls.dictionaryMatches(tap.clientBytes(), dictionary(), cluster);
            assertEquals(List.of(WEAK), found, "the client's PSK binder confirms the weak cookie offline");
            // A cookie made by `distribute cookie` (long, random) is not in any dictionary.
            assertEquals(List.of(), AttackerTls.dictionaryMatches(tap.clientBytes(),
                    List.of(TestCluster.COOKIE + "x", "sunshine", "sunshine43"), cluster));
        }
    }
}
