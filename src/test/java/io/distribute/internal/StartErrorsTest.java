package io.distribute.internal;

import io.distribute.cluster.StartError;
import org.junit.jupiter.api.Test;

import java.net.BindException;
import java.net.SocketException;
import java.nio.file.AccessDeniedException;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The mapping of what binding and starting throw to typed errors, with the real exception types. */
class StartErrorsTest {

    @Test
    void osRefusalsAreSystemErrors() {
        // CI runs as root, where binding a port below 1024 is allowed: check the mapping itself.
        assertInstanceOf(StartError.SystemError.class,
                StartErrors.classify(new Exception("start", new BindException("Permission denied")), "h:80"));
        assertInstanceOf(StartError.SystemError.class,
                StartErrors.classify(new SocketException("Operation not permitted"), "h:80"));
        assertInstanceOf(StartError.SystemError.class, StartErrors.classify(new AccessDeniedException("/etc/x"), "h:80"));
    }

    @Test
    void aBusyPortMeansTryTheNextOne() {
        assertNull(StartErrors.classify(new BindException("Address already in use"), "h:1"));
        // UDP wraps its BindException in a plain Exception.
        assertNull(StartErrors.classify(new Exception("failed to open a port in range 1-1 (last "
                + "exception: java.net.BindException: Address already in use, bind_addr: /127.0.0.1)"), "h:1"));
    }

    @Test
    void anAddressOfAnotherMachineIsANetworkErrorAndTheRestStartFailed() {
        assertInstanceOf(StartError.NetworkError.class,
                StartErrors.classify(new BindException("Cannot assign requested address"), "h:1"));
        assertInstanceOf(StartError.StartFailed.class, StartErrors.classify(new IllegalStateException("boom"), "h:1"));
    }
}
