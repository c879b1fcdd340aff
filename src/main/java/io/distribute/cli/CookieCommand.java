package io.distribute.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.Callable;

/**
 * {@code distribute cookie}: prints a fresh random cookie, 256 bits from {@link SecureRandom} in Base64url without
 * padding (43 characters), and nothing else, so that {@code export CLUSTER_COOKIE=$(distribute cookie)} works.
 */
@Command(name = "cookie", mixinStandardHelpOptions = true,
        description = {"Prints a new random cookie: 256 bits from SecureRandom, Base64url without padding (43"
                + " characters), and a newline; nothing else.", "",
                "Example:", "  export CLUSTER_COOKIE=$(distribute cookie)", ""})
final class CookieCommand implements Callable<Integer> {

    /** Bytes of randomness in a cookie: 256 bits. */
    static final int BYTES = 32;

    private static final SecureRandom RANDOM = new SecureRandom();

    @Spec
    CommandSpec spec;

    /** A new random cookie: 43 characters of {@code [A-Za-z0-9_-]}. */
    static String newCookie() {
        byte[] b = new byte[BYTES];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        out.println(newCookie());
        out.flush();
        return Main.OK;
    }
}
