package io.kubejoin.remote;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.throttle.ChannelStreamWriter;
import org.apache.sshd.common.channel.throttle.ChannelStreamWriterResolver;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * A command's stdin writer that keeps at most {@value #MAX_PENDING} packets queued in MINA per channel. MINA's
 * {@code ChannelOutputStream} does not wait for its writes: it encrypts and queues packets as long as the node's
 * window allows (OpenSSH's: 2 MiB), so a binary push kept up to ~1-2 MiB of encrypted packets queued per node, all
 * live at every young collection: copied, overflowing the survivor space, promoted, and then Full collections to
 * free them (bench ssh, 20 nodes, 50+40 MiB: 53 collections, 8 of them Full, 1.6 s of the join's 10.9 s CPU). Here the
 * writer waits for the oldest packets to reach the socket first; the kernel's socket buffers, not the heap, keep the
 * pipe full.
 */
final class PacedStreamWriter implements ChannelStreamWriter {
    /** Packets queued per channel at most (32 KiB each with OpenSSH): 256 KiB. */
    static final int MAX_PENDING = 8;
    static final ChannelStreamWriterResolver RESOLVER = (channel, cmd) -> new PacedStreamWriter(channel);

    private final Channel channel;
    private final Semaphore slots = new Semaphore(MAX_PENDING);
    private volatile boolean closed;

    PacedStreamWriter(Channel channel) {
        this.channel = channel;
    }

    @Override
    public IoWriteFuture writeData(Buffer buffer) throws IOException {
        if (closed) throw new EOFException("stdin of " + channel + " is closed");
        try {
            // a write future completes (or fails) when its packet reaches the socket or the session closes;
            // the check each second only ends a wait on a channel that is gone
            while (!slots.tryAcquire(1, TimeUnit.SECONDS)) {
                if (closed || !channel.isOpen() || channel.isClosing()) {
                    throw new EOFException("channel " + channel + " closed while writing its stdin");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing the stdin of " + channel);
        }
        IoWriteFuture f;
        try {
            f = channel.writePacket(buffer);
        } catch (IOException | RuntimeException e) {
            slots.release();
            throw e;
        }
        f.addListener(done -> slots.release());
        return f;
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        closed = true;
    }
}
