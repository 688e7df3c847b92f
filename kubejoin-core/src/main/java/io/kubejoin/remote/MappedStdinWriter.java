package io.kubejoin.remote;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.AbstractChannel;
import org.apache.sshd.common.channel.RemoteWindow;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.core.CoreModuleProperties;

/**
 * A mapped file's bytes (a release binary, {@link FileBytes}) on a command's stdin as SSH_MSG_CHANNEL_DATA packets
 * built here: each packet's payload is copied once, from the mapping straight into a packet buffer of a small
 * per-channel pool, which MINA encrypts in place and writes. Through MINA's {@code ChannelOutputStream} the bytes
 * were copied twice (mapping to a chunk, chunk to a packet) into a new, zeroed 32 KiB array per packet, 4.5 GB of
 * garbage in a 50-node bench ssh.
 *
 * <p>A buffer goes back to the pool when its write future completes: MINA encodes the packet in place (the buffer is
 * sized by {@link Session#createBuffer} for the padding and tag, so never replaced), and its future completes once the
 * whole packet reached the socket (or, during a key exchange, once the queued packet was written after it), after
 * which MINA never reads it again. A failed write's buffer is not reused: the writer stops instead. The window is
 * honoured as {@code ChannelOutputStream.flush} does: wait for space, a packet of at most the space, the peer's maximum
 * packet size and {@value #MAX_PAYLOAD} bytes, consumed before the packet is written.
 *
 * <p>Pacing as {@link PacedStreamWriter}: at most {@value #POOL} packets queued per channel; a writer that found none
 * free is woken once {@value #RESUME_AT} are free again, not once per packet. The buffers live as long as the push, so
 * they are promoted once instead of being young garbage each.
 *
 * <p>In flight: with a limit ({@link #inFlightLimit}: OpenSSH nodes), at most that many bytes are sent and not yet
 * given back by the node's window adjustments, although its window allows more. OpenSSH's sshd since 8.9 grows a
 * channel's buffer for the command's stdin 32 KiB at a time, each step a new allocation, a copy of all it holds and
 * the old one zeroed and unmapped: a sender that keeps the 2 MiB window full makes it grow to ~4 MiB in ~115 steps
 * (strace: that many mmap/munmap pairs), copying and faulting in ~240 MB to pass a 90 MB binary, half the node's CPU
 * of a push. Kept to 512 KiB it grows in a few steps. sshd gives back what its command read after 3 packets, so on a
 * network the limit caps a node at 512 KiB a round trip (128 MiB/s at 4 ms, 17 MiB/s at 30 ms); the window alone
 * allows 4 times that. A node that gives back nothing for {@link #LIMIT_WAIT} while the limit holds (a stalled
 * command, or a server by another rule) gets the whole window from then on, as without a limit.
 */
final class MappedStdinWriter {
    /** OpenSSH's maximum packet (and RFC 4254's every peer must accept): bounds the pool's heap per channel. */
    static final int MAX_PAYLOAD = 32 * 1024;
    /** Packets queued per channel at most: 256 KiB per channel, allocated once per push. */
    static final int POOL = 8;
    /** A writer that found no free buffer goes on when this many are free. */
    static final int RESUME_AT = POOL / 2;
    /** Bytes in flight at most to an OpenSSH node ({@link #inFlightLimit}). */
    static final long IN_FLIGHT = 512 * 1024;
    /** How long the writer waits for a node to give back enough window for the limit, before it drops the limit. */
    static final Duration LIMIT_WAIT = Duration.ofSeconds(2);

    private final AbstractChannel channel;
    private final RemoteWindow window;
    private final Duration waitTimeout;
    private final long limit;
    private final Duration limitWait;
    private long peakWindow; // the largest window seen: the node's whole window once all was given back
    private long maxInFlight; // the most bytes sent and not given back, for the report and tests
    private boolean limitDropped;
    private final Object lock = new Object();
    private final ArrayDeque<Buffer> free = new ArrayDeque<>(POOL); // guarded by lock
    private int created; // guarded by lock
    private Throwable failure; // guarded by lock

    /** @param limit bytes in flight at most ({@link #inFlightLimit}), 0 for the node's whole window */
    MappedStdinWriter(AbstractChannel channel, long limit) {
        this(channel, limit, LIMIT_WAIT);
    }

    MappedStdinWriter(AbstractChannel channel, long limit, Duration limitWait) {
        this.channel = channel;
        this.window = channel.getRemoteWindow();
        this.waitTimeout = CoreModuleProperties.WAIT_FOR_SPACE_TIMEOUT.getRequired(channel);
        this.limit = limit;
        this.limitWait = limitWait;
    }

    /**
     * The in-flight limit for a node: none (0) unless its server is OpenSSH, whose rule for giving window back is known
     * (an adjustment once more than 3 packets are out and any was read); else {@link #IN_FLIGHT} bytes, at least 8 of
     * its packets.
     *
     * @param serverVersion the node's SSH identification ("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3")
     */
    static long inFlightLimit(String serverVersion, long packetSize) {
        if (serverVersion == null || !serverVersion.startsWith("SSH-2.0-OpenSSH_")) return 0;
        return Math.max(IN_FLIGHT, 8 * packetSize);
    }

    long limit() {
        return limit;
    }

    /** The most bytes this writer had sent and not given back by the node. */
    long maxInFlight() {
        return maxInFlight;
    }

    /** Whether the node gave back too little for the limit, so the writer went on without it. */
    boolean limitDropped() {
        return limitDropped;
    }

    /** All of {@code bytes} (from its position to its limit, which stay as they are) on the channel's stdin. */
    void write(ByteBuffer bytes) throws IOException {
        Session session = channel.getSession();
        int pos = bytes.position();
        int end = bytes.limit();
        try {
            while (pos < end) {
                Buffer buf = take(session);
                session.resetIdleTimeout();
                long space = window.waitForSpace(waitTimeout); // WindowClosedException once the channel closes
                int len = (int) Math.min(Math.min(space, window.getPacketSize()), Math.min(end - pos, MAX_PAYLOAD));
                session.prepareBuffer(SshConstants.SSH_MSG_CHANNEL_DATA, buf);
                buf.putUInt(channel.getRecipient());
                buf.putUInt(len);
                buf.ensureCapacity(len);
                int w = buf.wpos();
                bytes.get(pos, buf.array(), w, len); // absolute: the mapping is shared by every node's thread
                buf.wpos(w + len);
                consume(len); // the space is there: this thread alone writes stdin now
                IoWriteFuture f;
                try {
                    f = channel.writePacket(buf); // a closing channel answers with a failed future
                } catch (IOException | RuntimeException e) {
                    failed(e);
                    throw e;
                }
                f.addListener(done -> {
                    Throwable t = done.getException();
                    if (t != null) failed(t);
                    else give(buf);
                });
                pos += len;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing the stdin of " + channel);
        }
    }

    /**
     * Consumes {@code len} bytes of the window, first waiting until no more than the limit minus {@code len} is in
     * flight. MINA waits only for a size: holding back the window above the limit is a wait for {@code len} plus that
     * part, which is then given back at once (this thread alone consumes this channel's window).
     */
    private void consume(int len) throws IOException, InterruptedException {
        long size = window.getSize();
        peakWindow = Math.max(peakWindow, size);
        long hold = limit > 0 && !limitDropped ? peakWindow - limit : 0;
        if (hold > 0) {
            try {
                window.waitAndConsume(len + hold, limitWait);
                window.expand(hold);
                maxInFlight = Math.max(maxInFlight, peakWindow - window.getSize());
                return;
            } catch (java.net.SocketTimeoutException e) {
                limitDropped = true; // a node that gives back only near the window's end: no limit for it
            }
        }
        window.waitAndConsume(len, waitTimeout);
        maxInFlight = Math.max(maxInFlight, peakWindow - window.getSize());
    }

    private Buffer take(Session session) throws IOException, InterruptedException {
        synchronized (lock) {
            if (free.isEmpty() && created == POOL) {
                // a write future completes (or fails) when its packet reaches the socket or the session closes;
                // the check each second only ends a wait on a channel that is gone
                while (free.size() < RESUME_AT && failure == null) {
                    requireOpen();
                    lock.wait(1000);
                }
            }
            if (failure != null) {
                throw (IOException) new EOFException("writing the stdin of " + channel + " failed: " + failure)
                        .initCause(failure);
            }
            requireOpen();
            Buffer b = free.poll();
            if (b != null) return b;
            created++;
        }
        return session.createBuffer(SshConstants.SSH_MSG_CHANNEL_DATA, 12 + MAX_PAYLOAD);
    }

    private void requireOpen() throws EOFException {
        if (!channel.isOpen() || channel.isClosing() || channel.isEofSent()) {
            throw new EOFException("channel " + channel + " closed while writing its stdin");
        }
    }

    private void give(Buffer b) {
        synchronized (lock) {
            free.add(b);
            if (free.size() == RESUME_AT) lock.notifyAll();
        }
    }

    private void failed(Throwable t) {
        synchronized (lock) {
            if (failure == null) failure = t;
            lock.notifyAll();
        }
    }
}
