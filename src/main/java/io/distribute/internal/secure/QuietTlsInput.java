package io.distribute.internal.secure;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;

/**
 * The input of an open {@link TlsSocket} as JGroups reads it. JGroups treats EOF and socket errors as a closed
 * connection and logs anything else at WARN per connection; a TLS record that fails to authenticate is a closed
 * connection too.
 */
final class QuietTlsInput extends FilterInputStream {
    QuietTlsInput(InputStream in) {
        super(in);
    }

    @Override
    public int read() throws IOException {
        try {
            return super.read();
        } catch (EOFException | SocketException e) {
            throw e;
        } catch (IOException e) {
            throw (SocketException) new SocketException("TLS connection failed: " + e).initCause(e);
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        try {
            return super.read(b, off, len);
        } catch (EOFException | SocketException e) {
            throw e;
        } catch (IOException e) {
            throw (SocketException) new SocketException("TLS connection failed: " + e).initCause(e);
        }
    }
}
