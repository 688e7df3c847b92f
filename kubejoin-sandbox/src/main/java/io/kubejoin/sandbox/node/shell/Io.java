package io.kubejoin.sandbox.node.shell;

import io.kubejoin.sandbox.node.shell.Syntax.Redir;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * A command's input and outputs. {@code in} is text from a pipe; {@code raw} is the exec channel's own stdin
 * (fd 0 of the whole command, shared by nested {@code sh -c}), null inside a pipe or when the channel has none.
 */
record Io(String in, Sink out, Sink err, Stdin raw) {
    Io redirect(List<Redir> redirs) {
        Sink[] fds = {out, err};
        for (Redir r : redirs) fds[r.fd() - 1] = r.to() == 0 ? Sink.NULL : fds[r.to() - 1];
        return new Io(in, fds[0], fds[1], raw);
    }

    /** An output stream of the shell; a null buffer is /dev/null. */
    record Sink(StringBuilder sb) {
        static final Sink NULL = new Sink(null);

        void add(String text) {
            if (sb != null) sb.append(text);
        }

        String text() {
            return sb == null ? "" : sb.toString();
        }
    }

    /** The exec channel's standard input, consumed in order by whatever reads it (as a real fd 0). */
    static final class Stdin {
        private final InputStream in;

        Stdin(InputStream in) {
            this.in = in;
        }

        /** Up to {@code n} bytes into {@code buf}: fewer only at end of input (dd's iflag=fullblock). */
        synchronized int read(byte[] buf, int n) throws IOException {
            return in.readNBytes(buf, 0, n);
        }
    }
}
