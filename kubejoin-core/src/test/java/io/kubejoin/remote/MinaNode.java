package io.kubejoin.remote;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.forward.AcceptAllForwardingFilter;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.sftp.server.SftpEventListener;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;

/**
 * An in-process MINA SSH server on 127.0.0.1: real SFTP on this machine's file system and real commands through
 * {@code sh -c} (tests only use paths under their temp folders). Records every command it runs.
 */
final class MinaNode implements AutoCloseable {
    final SshServer server;
    final KeyPair hostKey;
    final List<String> commands = new CopyOnWriteArrayList<>();
    private final String pathPrefix;
    /**
     * When set: the connection drops (no goodbye) once this many bytes of a command's stdin have arrived (the first
     * command that gets that many).
     */
    volatile long dropStdinAfter = -1;

    MinaNode(List<PublicKey> authorized, Path extraPath, SftpEventListener listener) throws Exception {
        this(authorized, extraPath, listener, false);
    }

    /** forwarding: act as a bastion (allow direct-tcpip channels, as ProxyJump uses). */
    MinaNode(List<PublicKey> authorized, Path extraPath, SftpEventListener listener, boolean forwarding)
            throws Exception {
        this.hostKey = KeyUtils.generateKeyPair(KeyPairProvider.ECDSA_SHA2_NISTP256, 256);
        this.pathPrefix = extraPath == null ? "" : extraPath + ":";
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.setPublickeyAuthenticator((user, key, session) ->
                authorized.stream().anyMatch(a -> KeyUtils.compareKeys(a, key)));
        server.setCommandFactory((channel, command) -> {
            commands.add(command);
            return new ShCommand(command, pathPrefix, this);
        });
        SftpSubsystemFactory sftp = new SftpSubsystemFactory.Builder().build();
        if (listener != null) sftp.addSftpEventListener(listener);
        server.setSubsystemFactories(List.of(sftp));
        if (forwarding) server.setForwardingFilter(AcceptAllForwardingFilter.INSTANCE);
        CoreModuleProperties.TCP_NODELAY.set(server, true); // else every exec waits on Nagle (stack notes)
        CoreModuleProperties.NIO_WORKERS.set(server, 2);
        server.start();
    }

    int port() {
        return server.getPort();
    }

    String knownHostsLine() {
        return TestKeys.knownHostsLine("127.0.0.1", port(), hostKey.getPublic());
    }

    @Override
    public void close() throws IOException {
        server.stop(true);
    }

    /** {@code sh -c command} as a child process, streams copied both ways. */
    static final class ShCommand implements Command {
        private final String command;
        private final String pathPrefix;
        private InputStream in;
        private OutputStream out;
        private OutputStream err;
        private ExitCallback exit;
        private volatile Process process;

        private final MinaNode node;

        ShCommand(String command, String pathPrefix, MinaNode node) {
            this.command = command;
            this.pathPrefix = pathPrefix;
            this.node = node;
        }

        @Override public void setInputStream(InputStream in) { this.in = in; }
        @Override public void setOutputStream(OutputStream out) { this.out = out; }
        @Override public void setErrorStream(OutputStream err) { this.err = err; }
        @Override public void setExitCallback(ExitCallback callback) { this.exit = callback; }

        @Override
        public void start(ChannelSession channel, Environment env) throws IOException {
            ProcessBuilder pb = new ProcessBuilder("sh", "-c", command);
            Map<String, String> e = pb.environment();
            e.put("PATH", pathPrefix + e.getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
            process = pb.start();
            Thread stdin = new Thread(() -> {
                try (OutputStream to = process.getOutputStream()) {
                    long drop = node.dropStdinAfter;
                    if (in != null && drop >= 0) {
                        byte[] got = in.readNBytes((int) drop);
                        to.write(got);
                        if (got.length == drop) { // a command with less input (a survey) passes: the drop waits
                            node.dropStdinAfter = -1;
                            channel.getServerSession().close(true); // as a network failure, mid-stream
                        }
                    } else if (in != null) {
                        in.transferTo(to);
                    }
                } catch (IOException ignored) {
                    // the process ended without reading it all, or the channel closed
                }
            }, "test-sh-in");
            stdin.setDaemon(true);
            stdin.start();
            Thread t = new Thread(() -> {
                try {
                    Thread e2 = pump(process.getErrorStream(), err);
                    process.getInputStream().transferTo(out);
                    e2.join(10_000);
                    out.flush();
                    boolean done = process.waitFor(60, TimeUnit.SECONDS);
                    exit.onExit(done ? process.exitValue() : 255);
                } catch (IOException | InterruptedException ex) {
                    exit.onExit(255, String.valueOf(ex));
                }
            }, "test-sh");
            t.setDaemon(true);
            t.start();
        }

        private static Thread pump(InputStream in, OutputStream out) {
            Thread t = new Thread(() -> {
                try {
                    in.transferTo(out);
                    out.flush();
                } catch (IOException ignored) {
                    // channel closed
                }
            }, "test-sh-err");
            t.setDaemon(true);
            t.start();
            return t;
        }

        @Override
        public void destroy(ChannelSession channel) {
            Process p = process;
            if (p != null) p.destroyForcibly();
        }
    }
}
