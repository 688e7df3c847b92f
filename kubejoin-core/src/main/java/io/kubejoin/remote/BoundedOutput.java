package io.kubejoin.remote;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Keeps the first {@code limit} bytes of a command's output and counts the rest: a runaway command (an unbounded
 * journalctl, say) on one of 1,000 nodes must not fill the heap.
 */
final class BoundedOutput extends OutputStream {
    static final int DEFAULT_LIMIT = 4 * 1024 * 1024;

    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final int limit;
    private long dropped;

    BoundedOutput(int limit) {
        this.limit = limit;
    }

    @Override
    public synchronized void write(int b) {
        if (kept.size() < limit) kept.write(b);
        else dropped++;
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        int take = Math.max(0, Math.min(len, limit - kept.size()));
        kept.write(b, off, take);
        dropped += len - take;
    }

    synchronized String text() {
        String s = kept.toString(StandardCharsets.UTF_8);
        return dropped == 0 ? s : s + "\n[kubejoin: " + dropped + " more bytes of output dropped]\n";
    }
}
