package io.kubejoin.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.io.AbstractIoWriteFuture;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.junit.jupiter.api.Test;

/**
 * A command's stdin keeps at most {@link PacedStreamWriter#MAX_PENDING} packets queued in MINA: MINA's own writer
 * queues as many as the node's window allows (2 MiB per node with OpenSSH), all of it live in the heap.
 */
class PacedStreamWriterTest {
    static final class Pending extends AbstractIoWriteFuture {
        Pending() {
            super("packet", null);
        }
    }

    final List<Pending> queued = new CopyOnWriteArrayList<>();
    volatile boolean open = true;

    Channel channel() {
        return (Channel) Proxy.newProxyInstance(Channel.class.getClassLoader(), new Class<?>[] {Channel.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "writePacket" -> {
                        Pending p = new Pending();
                        queued.add(p);
                        yield p;
                    }
                    case "isOpen" -> open;
                    case "isClosing" -> !open;
                    case "toString" -> "channel";
                    case "hashCode" -> 1;
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    private static void awaitBlocked(Thread t) throws InterruptedException {
        for (int i = 0; i < 1000 && t.getState() != Thread.State.TIMED_WAITING; i++) Thread.sleep(5);
        assertThat(t.getState()).as("the writer waits for a slot").isEqualTo(Thread.State.TIMED_WAITING);
    }

    @Test
    void theNextPacketWaitsUntilAQueuedOneIsWrittenOrFailed() throws Exception {
        PacedStreamWriter w = (PacedStreamWriter) PacedStreamWriter.RESOLVER.resolveChannelStreamWriter(channel(), (byte) 94);
        for (int i = 0; i < PacedStreamWriter.MAX_PENDING; i++) w.writeData(new ByteArrayBuffer(new byte[16]));
        assertThat(queued).hasSize(PacedStreamWriter.MAX_PENDING);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Thread[] writer = new Thread[1];
            Future<?> next = pool.submit(() -> {
                writer[0] = Thread.currentThread();
                return w.writeData(new ByteArrayBuffer(new byte[16]));
            });
            while (writer[0] == null) Thread.sleep(1);
            awaitBlocked(writer[0]);
            assertThat(queued).as("nothing more queued while " + PacedStreamWriter.MAX_PENDING + " are").hasSize(
                    PacedStreamWriter.MAX_PENDING);
            // one packet written: the writer waits on, so that it is woken once per few packets, not once per packet
            queued.get(0).setValue(Boolean.TRUE); // reached the socket
            awaitBlocked(writer[0]);
            assertThat(queued).hasSize(PacedStreamWriter.MAX_PENDING);
            for (int i = 1; i < PacedStreamWriter.MAX_PENDING - PacedStreamWriter.RESUME_AT; i++) {
                queued.get(i).setValue(Boolean.TRUE);
            }
            next.get(10, TimeUnit.SECONDS); // down to RESUME_AT: it goes on
            assertThat(queued).hasSize(PacedStreamWriter.MAX_PENDING + 1);

            // failed writes (the session closed) free their slots too
            int start = queued.size();
            for (int i = PacedStreamWriter.RESUME_AT + 1; i < PacedStreamWriter.MAX_PENDING; i++) {
                w.writeData(new ByteArrayBuffer(new byte[16])); // room up to MAX_PENDING: no wait
            }
            Future<?> another = pool.submit(() -> w.writeData(new ByteArrayBuffer(new byte[16])));
            awaitBlocked(writer[0]);
            int from = PacedStreamWriter.MAX_PENDING - PacedStreamWriter.RESUME_AT;
            for (int i = from; i < from + PacedStreamWriter.MAX_PENDING - PacedStreamWriter.RESUME_AT; i++) {
                queued.get(i).setValue(new java.io.IOException("session closed"));
            }
            another.get(10, TimeUnit.SECONDS);
            assertThat(queued).hasSize(start + PacedStreamWriter.MAX_PENDING - PacedStreamWriter.RESUME_AT);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aWaitOnAChannelThatClosesEnds() throws Exception {
        PacedStreamWriter w = new PacedStreamWriter(channel());
        for (int i = 0; i < PacedStreamWriter.MAX_PENDING; i++) w.writeData(new ByteArrayBuffer(new byte[16]));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> next = pool.submit(() -> w.writeData(new ByteArrayBuffer(new byte[16])));
            open = false;
            try {
                next.get(10, TimeUnit.SECONDS);
                throw new AssertionError("the write went through on a closed channel");
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(EOFException.class).hasMessageContaining("closed");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
