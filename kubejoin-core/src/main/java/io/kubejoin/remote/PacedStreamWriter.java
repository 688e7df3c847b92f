package io.kubejoin.remote;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
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
 * writer waits for the queued packets to reach the socket first; the kernel's socket buffers, not the heap, keep the
 * pipe full. A full queue wakes the writer only once drained to {@value #RESUME_AT}, not once per packet.
 */
final class PacedStreamWriter implements ChannelStreamWriter {
    /**
     * Packets queued per channel at most (32 KiB each with OpenSSH): 128 KiB, 6.4 MiB for 50 nodes at once, which the
     * young generation's survivor space (5.3 MiB of a 160 MiB heap) nearly holds; 8 a channel still promoted ~12 MiB
     * per young collection at 50 nodes (34 Full collections in a 50-node bench ssh).
     */
    static final int MAX_PENDING = 4;
    /** A writer that found the queue full goes on when it is down to this. */
    static final int RESUME_AT = MAX_PENDING / 2;
    static final ChannelStreamWriterResolver RESOLVER = (channel, cmd) -> new PacedStreamWriter(channel);

    private final Channel channel;
    private final Object lock = new Object();
    private int pending; // guarded by lock
    private volatile boolean closed;

    PacedStreamWriter(Channel channel) {
        this.channel = channel;
    }

    @Override
    public IoWriteFuture writeData(Buffer buffer) throws IOException {
        if (closed) throw new EOFException("stdin of " + channel + " is closed");
        synchronized (lock) {
            if (pending >= MAX_PENDING) {
                // a write future completes (or fails) when its packet reaches the socket or the session closes;
                // the check each second only ends a wait on a channel that is gone
                while (pending > RESUME_AT) {
                    if (closed || !channel.isOpen() || channel.isClosing()) {
                        throw new EOFException("channel " + channel + " closed while writing its stdin");
                    }
                    try {
                        lock.wait(1000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while writing the stdin of " + channel);
                    }
                }
            }
            pending++;
        }
        IoWriteFuture f;
        try {
            f = channel.writePacket(buffer);
        } catch (IOException | RuntimeException e) {
            done();
            throw e;
        }
        f.addListener(x -> done());
        return f;
    }

    private void done() {
        synchronized (lock) {
            if (--pending == RESUME_AT) lock.notifyAll();
        }
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
