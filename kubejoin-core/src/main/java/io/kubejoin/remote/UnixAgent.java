package io.kubejoin.remote;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import java.util.Map;
import org.apache.sshd.agent.SshAgent;
import org.apache.sshd.agent.SshAgentFactory;
import org.apache.sshd.agent.SshAgentServer;
import org.apache.sshd.agent.common.AbstractAgentProxy;
import org.apache.sshd.common.FactoryManager;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * ssh-agent over its Unix-domain socket ({@code SSH_AUTH_SOCK}) with the JDK's own socket channels (JDK 16+), no
 * native library. MINA's {@link AbstractAgentProxy} writes and reads the agent protocol (draft-miller-ssh-agent:
 * REQUEST_IDENTITIES, SIGN_REQUEST with the rsa-sha2-256/512 flags); this class only carries its framed messages.
 * MINA tries the agent's keys before the key files, as OpenSSH does. Key material never leaves the agent, and
 * nothing here logs a key or a signature.
 */
final class UnixAgent extends AbstractAgentProxy {
    /** Messages from the agent are small (a few keys, one signature); more than this is not an agent. */
    private static final int MAX_MESSAGE = 256 * 1024;

    private final Path socket;
    private SocketChannel channel;

    UnixAgent(Path socket) {
        super(null);
        this.socket = socket;
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    /** An agent that cannot be reached offers no keys (OpenSSH goes on with the key files the same way). */
    @Override
    public Iterable<? extends Map.Entry<PublicKey, String>> getIdentities() throws IOException {
        try {
            return super.getIdentities();
        } catch (IOException e) {
            close();
            return List.of();
        }
    }

    @Override
    protected synchronized Buffer request(Buffer buffer) throws IOException {
        if (channel == null) {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                close();
                throw new IOException("cannot reach ssh-agent at " + socket + " (SSH_AUTH_SOCK): " + e.getMessage(), e);
            }
        }
        // the buffer is the whole message, its uint32 length already in front (AbstractAgentProxy.prepare)
        ByteBuffer out = ByteBuffer.wrap(buffer.array(), buffer.rpos(), buffer.available());
        while (out.hasRemaining()) channel.write(out);
        ByteBuffer len = ByteBuffer.allocate(4);
        readFully(len);
        int n = len.flip().getInt();
        if (n <= 0 || n > MAX_MESSAGE) throw new IOException("ssh-agent at " + socket + " sent a message of " + n + " bytes");
        ByteBuffer body = ByteBuffer.allocate(n);
        readFully(body);
        return new ByteArrayBuffer(body.array());
    }

    private void readFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) throw new EOFException("ssh-agent at " + socket + " closed the connection");
        }
    }

    @Override
    public synchronized void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing to keep
            }
            channel = null;
        }
    }

    /** One agent connection per login (MINA closes it when the login is done); no agent forwarding. */
    static final class Factory implements SshAgentFactory {
        private final Path socket;

        Factory(Path socket) {
            this.socket = socket;
        }

        @Override
        public List<ChannelFactory> getChannelForwardingFactories(FactoryManager manager) {
            return List.of();
        }

        @Override
        public SshAgent createClient(Session session, FactoryManager manager) {
            return new UnixAgent(socket);
        }

        @Override
        public SshAgentServer createServer(ConnectionService service) {
            throw new UnsupportedOperationException("kubejoin never forwards its agent to a node");
        }
    }
}
