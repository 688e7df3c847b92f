package io.kubejoin.remote;

import java.io.IOException;
import java.io.WriteAbortedException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.sshd.common.FactoryManager;
import org.apache.sshd.common.future.CloseFuture;
import org.apache.sshd.common.io.IoHandler;
import org.apache.sshd.common.io.IoServiceFactory;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.io.nio2.Nio2CompletionHandler;
import org.apache.sshd.common.io.nio2.Nio2DefaultIoWriteFuture;
import org.apache.sshd.common.io.nio2.Nio2Service;
import org.apache.sshd.common.io.nio2.Nio2ServiceFactory;
import org.apache.sshd.common.io.nio2.Nio2ServiceFactoryFactory;
import org.apache.sshd.common.io.nio2.Nio2Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.threads.CloseableExecutorService;
import org.apache.sshd.core.CoreModuleProperties;

/**
 * MINA's NIO2 transport with one change: the packets a session queued while its previous socket write was in flight
 * go out together, copied into one pooled direct buffer, in one write. MINA's {@code Nio2Session} writes each SSH
 * packet (32 KiB of a binary push) by itself from a heap array: a write(2) per packet, the JDK's copy into its own
 * temporary direct buffer, and, for a packet written by a node's thread, the completion handed to an I/O thread
 * (a wake-up and a context switch per packet). Here the copy into the direct buffer is the same one the JDK made, but
 * several packets share a write(2), a completion and the loopback's per-segment work. Order is MINA's: packets are
 * queued as {@code writeBuffer} is called (MINA calls it in sequence-number order under its encode lock), a batch is
 * written whole before the next starts, and a shutdown of the output waits for what was queued before it.
 */
final class GatheringNio2 {
    /** Bytes per write at most: 8 of OpenSSH's 32 KiB packets. */
    static final int BATCH = 256 * 1024;
    /** Direct buffers kept for reuse: one is held only while its batch is being written. */
    private static final ConcurrentLinkedQueue<ByteBuffer> POOL = new ConcurrentLinkedQueue<>();
    private static final int POOL_MAX = 64;
    /** Writes and the packets they carried, since start (PushCpuMeasurement, GatheringNio2Test). */
    static final AtomicLong BATCHES = new AtomicLong();
    static final AtomicLong PACKETS = new AtomicLong();

    private GatheringNio2() {
    }

    /** For {@code SshClient.setIoServiceFactoryFactory}: MINA's NIO2 factory, sessions from {@link Session}. */
    static final class FactoryFactory extends Nio2ServiceFactoryFactory {
        @Override
        public IoServiceFactory create(FactoryManager manager) {
            return new Factory(manager, newExecutor(), newExecutor());
        }
    }

    private static final class Factory extends Nio2ServiceFactory {
        Factory(FactoryManager manager, CloseableExecutorService executors, CloseableExecutorService resuming) {
            super(manager, executors, resuming);
        }

        @Override
        public Nio2Session createSession(Nio2Service service, IoHandler handler, AsynchronousSocketChannel socket,
                SocketAddress acceptanceAddress) throws Throwable {
            return new Session(service, getFactoryManager(), handler, socket, acceptanceAddress);
        }
    }

    /** A queued packet, or (buffer null) the output's shutdown. */
    private record Pending(ByteBuffer bytes, Nio2DefaultIoWriteFuture future) {
    }

    static final class Session extends Nio2Session {
        private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
        private final Object writeLock = new Object();
        private boolean writing; // guarded by writeLock: a batch is in flight (or being started)
        private volatile List<Pending> inFlight = List.of();
        private final long writeTimeoutMillis;

        Session(Nio2Service service, FactoryManager manager, IoHandler handler, AsynchronousSocketChannel socket,
                SocketAddress acceptanceAddress) throws IOException {
            super(service, manager, handler, socket, acceptanceAddress);
            this.writeTimeoutMillis = CoreModuleProperties.NIO2_MIN_WRITE_TIMEOUT.getRequired(manager).toMillis();
        }

        @Override
        public IoWriteFuture writeBuffer(Buffer buffer) throws IOException {
            ByteBuffer bytes = ByteBuffer.wrap(buffer.array(), buffer.rpos(), buffer.available());
            Nio2DefaultIoWriteFuture future = new Nio2DefaultIoWriteFuture(getRemoteAddress(), null, bytes);
            if (isClosing()) {
                Throwable exc = new ClosedChannelException();
                future.setException(exc);
                exceptionCaught(exc);
                return future;
            }
            queue.add(new Pending(bytes, future));
            writeNext();
            return future;
        }

        @Override
        public void shutdownOutputStream() throws IOException {
            queue.add(new Pending(null, null));
            writeNext();
        }

        /** Starts the next batch unless one is in flight; its completion calls this again. */
        private void writeNext() {
            synchronized (writeLock) {
                if (writing || queue.isEmpty()) return;
                writing = true;
            }
            Pending head = queue.peek();
            if (head.bytes() == null) {
                queue.poll();
                try {
                    super.shutdownOutputStream(); // MINA's own queue is empty: shuts the output down now
                } catch (IOException | RuntimeException e) {
                    // the socket is closed already
                }
                done();
                return;
            }
            List<Pending> batch = new ArrayList<>();
            ByteBuffer out;
            if (head.bytes().remaining() > BATCH) {
                batch.add(queue.poll());
                out = head.bytes(); // larger than a batch (never an OpenSSH channel packet): as MINA writes it
            } else {
                out = take();
                for (Pending p = queue.peek(); p != null && p.bytes() != null
                        && p.bytes().remaining() <= out.remaining(); p = queue.peek()) {
                    queue.poll();
                    out.put(p.bytes().duplicate());
                    batch.add(p);
                }
                out.flip();
            }
            write(out, batch);
        }

        private void write(ByteBuffer out, List<Pending> batch) {
            inFlight = batch;
            BATCHES.incrementAndGet();
            PACKETS.addAndGet(batch.size());
            Nio2CompletionHandler<Integer, Object> handler = new Nio2CompletionHandler<>() {
                @Override
                protected void onCompleted(Integer result, Object attachment) {
                    if (out.hasRemaining()) {
                        try {
                            getSocket().write(out, writeTimeoutMillis, TimeUnit.MILLISECONDS, null, this);
                        } catch (Throwable t) {
                            onFailed(t, attachment);
                        }
                        return;
                    }
                    give(out);
                    for (Pending p : batch) p.future().setWritten();
                    done();
                }

                @Override
                protected void onFailed(Throwable exc, Object attachment) {
                    for (Pending p : batch) p.future().setException(exc);
                    exceptionCaught(exc);
                    done();
                }
            };
            try {
                getSocket().write(out, writeTimeoutMillis, TimeUnit.MILLISECONDS, null, handler);
            } catch (Throwable t) {
                for (Pending p : batch) p.future().setException(t);
                exceptionCaught(t);
                done();
            }
        }

        private void done() {
            synchronized (writeLock) {
                writing = false;
            }
            writeNext();
        }

        @Override
        protected CloseFuture doCloseGracefully() {
            List<Nio2DefaultIoWriteFuture> pending = new ArrayList<>();
            for (Pending p : inFlight) pending.add(p.future());
            for (Pending p : queue) if (p.future() != null) pending.add(p.future());
            Object closeId = toString();
            return builder().when(closeId, pending).run(closeId, () -> {
                try {
                    getSocket().shutdownOutput();
                } catch (IOException e) {
                    // closing anyway
                }
            }).build().close(false);
        }

        @Override
        protected void doCloseImmediately() {
            for (Pending p; (p = queue.poll()) != null; ) {
                if (p.future() != null && !p.future().isDone()) {
                    p.future().setException(
                            new WriteAbortedException("Write request aborted due to immediate session close", null));
                }
            }
            super.doCloseImmediately();
        }
    }

    private static ByteBuffer take() {
        ByteBuffer b = POOL.poll();
        return b != null ? b.clear() : ByteBuffer.allocateDirect(BATCH);
    }

    private static void give(ByteBuffer b) {
        if (b.isDirect() && b.capacity() == BATCH && POOL.size() < POOL_MAX) POOL.add(b);
    }
}
