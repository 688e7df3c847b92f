package io.kubejoin.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on 127.0.0.1 in front of one node's sshd that counts the bytes each way: the one count that is the
 * same for every SSH client (OpenSSH's sshd logs its byte counters only when the server ends a connection, and an
 * OpenSSH client ends it itself; pssh's scp runs with -q). It runs in the benchmark's JVM, so its CPU is in neither
 * tool's figures. The counts are TCP payload: SSH packets, encrypted, with their padding and MACs.
 */
final class ByteCountingRelay implements AutoCloseable {
    private final ServerSocket server;
    private final int target;
    private final AtomicLong toNode = new AtomicLong();
    private final AtomicLong fromNode = new AtomicLong();
    private final Thread acceptor;

    ByteCountingRelay(int targetPort) throws IOException {
        this.target = targetPort;
        this.server = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "relay-" + targetPort);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Bytes the clients sent to the node. */
    long toNode() {
        return toNode.get();
    }

    long fromNode() {
        return fromNode.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket node = new Socket();
                try {
                    node.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 10_000);
                } catch (IOException e) {
                    client.close();
                    node.close();
                    continue;
                }
                client.setTcpNoDelay(true);
                node.setTcpNoDelay(true);
                AtomicInteger open = new AtomicInteger(2);
                pump(client, node, toNode, open);
                pump(node, client, fromNode, open);
            } catch (IOException e) {
                // closed: the relay is done
            }
        }
    }

    /**
     * Copies one direction; at its end passes the end on (shutdownOutput), and the second direction to end closes both
     * sockets.
     */
    private static void pump(Socket from, Socket to, AtomicLong count, AtomicInteger open) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 << 10];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (int r; (r = in.read(buf)) > 0; ) {
                    out.write(buf, 0, r);
                    count.addAndGet(r);
                }
            } catch (IOException e) {
                // a reset or a close from the other side: this direction is over
            }
            try {
                to.shutdownOutput();
            } catch (IOException e) {
                // already closed
            }
            if (open.decrementAndGet() == 0) closeQuietly(from, to);
        }, "relay-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket a, Socket b) {
        try {
            a.close();
        } catch (IOException e) {
            // nothing to do
        }
        try {
            b.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
