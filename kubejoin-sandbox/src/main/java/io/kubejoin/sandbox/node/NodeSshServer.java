package io.kubejoin.sandbox.node;

import io.kubejoin.remote.ExecResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.sshd.client.config.hosts.KnownHostHashValue;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.file.FileSystemFactory;
import org.apache.sshd.common.file.root.RootedFileSystemProvider;
import org.apache.sshd.common.io.IoAcceptor;
import org.apache.sshd.common.io.IoSession;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.kex.KeyExchangeFactory;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionContext;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.threads.CloseableExecutorService;
import org.apache.sshd.common.util.threads.SshThreadPoolExecutor;
import org.apache.sshd.common.util.threads.ThreadUtils;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.ServerBuilder;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.forward.RejectAllForwardingFilter;
import org.apache.sshd.server.session.ServerSession;
import org.apache.sshd.sftp.server.FileHandle;
import org.apache.sshd.sftp.server.SftpEventListener;
import org.apache.sshd.sftp.server.SftpSubsystem;
import org.apache.sshd.sftp.server.SftpSubsystemConfigurator;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;

/**
 * The SSH side of the sandbox's simulated nodes: ONE MINA {@link SshServer} listening on every node's own loopback
 * address (127.x.y.z, all on the same port), which picks per connection, by the address the client connected to,
 * the node's host key, its file system root (for SFTP) and its command handler (for exec channels).
 *
 * <p>Threads are shared by all nodes, however many: the NIO2 group ({@code cores + 1}), one timer, one pool for exec
 * commands ({@code sandbox-node-exec-N}: a thread per command running at the moment, idle ones reused and ended
 * after 30 s; a command is a process of its own on a real node, so one that waits — verify's poll for kube-proxy's
 * first sync, a {@code sleep} — must not hold up other nodes' commands, as a fixed pool of 32 threads did once 32
 * nodes polled at once; the clients' own parallelism bounds them) and one for SFTP requests
 * ({@value #SFTP_THREADS} threads, {@code sandbox-node-sftp-N}). MINA's own SFTP subsystem parks one thread per open
 * SFTP channel for the channel's lifetime (a blocking {@code take()} loop), and kubejoin's client keeps its SFTP
 * channel open as long as its connection, so with MINA's default 1,000 connected nodes would hold 1,000 threads:
 * here each SFTP channel instead drains its request queue as a task on the shared pool only while it has requests.
 */
public final class NodeSshServer implements AutoCloseable {
    /** One simulated node as the server sees it. */
    public interface Endpoint {
        /** Its loopback address, "127.0.1.7"; the server listens on it. */
        String address();

        /** Its host key (ed25519); read at each new connection, so a test can rotate it. */
        KeyPair hostKey();

        /** The node's "/": SFTP paths resolve below it, nothing outside is reachable. */
        Path root();

        /** Runs an exec channel's command (blocking; may take seconds), on the shared exec pool. */
        ExecResult exec(String command);

        /** As {@link #exec(String)}, with the channel's data as the command's stdin. */
        default ExecResult exec(String command, InputStream stdin) {
            return exec(command);
        }
    }

    /**
     * Counters since start.
     *
     * @param sessionsOpened   TCP connections that became SSH sessions (refused connections are not counted)
     * @param execs            exec channel commands handed to an endpoint
     * @param sftpBytesWritten bytes SFTP wrote to files, all endpoints together
     */
    public record Stats(long sessionsOpened, long execs, long sftpBytesWritten) {
    }

    static final int SFTP_THREADS = 8;
    private static final int BIND_ATTEMPTS = 5;
    private static final AttributeRepository.AttributeKey<Endpoint> ENDPOINT = new AttributeRepository.AttributeKey<>();
    private static final AttributeRepository.AttributeKey<KeyPair> HOST_KEY = new AttributeRepository.AttributeKey<>();

    private final Map<String, Endpoint> endpoints; // by normalized address, in the caller's order
    private final Map<String, InetSocketAddress> bound = new ConcurrentHashMap<>();
    private final Set<String> unreachable = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicLong> dropAfter = new ConcurrentHashMap<>();
    private final LongAdder sessions = new LongAdder();
    private final LongAdder execs = new LongAdder();
    private final LongAdder sftpBytes = new LongAdder();
    private final ThreadPoolExecutor execPool;
    private final SshThreadPoolExecutor sftpPool;
    private final PublicKey authorizedKey;
    private final boolean oneListener;
    private SandboxSshServer server;
    private int port;

    private NodeSshServer(Map<String, Endpoint> endpoints, PublicKey authorizedKey, boolean oneListener) {
        this.endpoints = endpoints;
        this.authorizedKey = authorizedKey;
        this.oneListener = oneListener;
        this.execPool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
                new java.util.concurrent.SynchronousQueue<>(), daemonThreads("sandbox-node-exec-"));
        this.sftpPool = new SshThreadPoolExecutor(SFTP_THREADS, SFTP_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), daemonThreads("sandbox-node-sftp-"));
        this.sftpPool.allowCoreThreadTimeOut(true);
    }

    /**
     * Binds all endpoints' addresses on {@code port}; 0 picks one port (free on the first address, then bound on all
     * others; a clash there is retried with another port).
     */
    public static NodeSshServer start(Collection<? extends Endpoint> endpoints, int port, PublicKey authorizedKey)
            throws IOException {
        return start(endpoints, port, authorizedKey, false);
    }

    /**
     * As {@link #start(Collection, int, PublicKey)}; with {@code oneListener}, ONE socket on the wildcard address
     * instead of one per node (a node still known by the address the client connected to): a descriptor per node
     * less, which is what lets 10,000 machines fit in a process's 20,000 descriptors. Refused unless this process's
     * network namespace has loopback alone (the benchmark's {@code unshare --net}), so it is still reachable only
     * from this machine's loopback. An unreachable node's connections are then closed at once instead of refused.
     */
    public static NodeSshServer start(Collection<? extends Endpoint> endpoints, int port, PublicKey authorizedKey,
                                      boolean oneListener) throws IOException {
        Objects.requireNonNull(authorizedKey, "authorizedKey");
        if (endpoints.isEmpty()) throw new IllegalArgumentException("no endpoints");
        Map<String, Endpoint> byAddress = new LinkedHashMap<>();
        for (Endpoint e : endpoints) {
            InetAddress a = InetAddress.getByName(e.address());
            if (!a.isLoopbackAddress()) throw new IllegalArgumentException(e.address() + " is not a loopback address");
            if (byAddress.put(a.getHostAddress(), e) != null) {
                throw new IllegalArgumentException("address " + e.address() + " appears twice");
            }
        }
        if (oneListener) requireLoopbackOnly();
        NodeSshServer s = new NodeSshServer(Collections.unmodifiableMap(byAddress), authorizedKey, oneListener);
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    s.bindAll(port);
                    return s;
                } catch (BindException e) {
                    s.stopServer();
                    if (port != 0 || attempt >= BIND_ATTEMPTS) throw e;
                }
            }
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void bindAll(int wanted) throws IOException {
        SandboxSshServer sv = newServer();
        server = sv;
        // SshServer.start() splits the host list on commas and binds each address on the same port. The port is
        // picked here rather than by MINA (which would log it at INFO under this package's logger name): free on
        // the first address now; a clash on another address, or a race, is a BindException and a retry
        String first = oneListener ? "0.0.0.0" : endpoints.keySet().iterator().next();
        sv.setHost(oneListener ? first : String.join(",", endpoints.keySet()));
        sv.setPort(wanted != 0 ? wanted : freePort(first));
        sv.start();
        port = sv.getPort();
        bound.clear();
        if (oneListener) return;
        for (String a : endpoints.keySet()) bound.put(a, new InetSocketAddress(InetAddress.getByName(a), port));
        if (!sv.acceptor().getBoundAddresses().containsAll(bound.values())) {
            throw new IOException("not every address was bound: " + sv.acceptor().getBoundAddresses().size() + " of "
                    + bound.size());
        }
    }

    /** A wildcard listener is loopback-only only where loopback is the one interface (a private network namespace). */
    private static void requireLoopbackOnly() throws IOException {
        List<String> others = new ArrayList<>();
        for (java.net.NetworkInterface i : Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            if (!i.isLoopback()) others.add(i.getName());
        }
        if (!others.isEmpty()) {
            throw new IOException("one SSH listener on the wildcard address would be reachable through " + others
                    + "; it is allowed only in a network namespace with loopback alone (unshare --net)");
        }
    }

    private static int freePort(String address) throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(address))) {
            return probe.getLocalPort();
        }
    }

    private SandboxSshServer newServer() {
        SandboxSshServer sv = (SandboxSshServer) ServerBuilder.builder().factory(SandboxSshServer::new).build();
        CoreModuleProperties.NIO_WORKERS.set(sv, Runtime.getRuntime().availableProcessors() + 1);
        // without it every exec waits 40-80 ms on Nagle's algorithm (stack notes)
        CoreModuleProperties.TCP_NODELAY.set(sv, true);
        sv.setKeyExchangeFactories(curve25519First(sv.getKeyExchangeFactories()));
        sv.setCipherFactories(preferredCiphers(sv.getCipherFactories()));
        sv.setKeyPairProvider(new PerNodeHostKey());
        sv.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
        sv.setPasswordAuthenticator(null);
        sv.setKeyboardInteractiveAuthenticator(null);
        sv.setGSSAuthenticator(null);
        sv.setHostBasedAuthenticator(null);
        sv.setPublickeyAuthenticator((user, key, session) -> "root".equals(user)
                && KeyUtils.compareKeys(authorizedKey, key));
        sv.setForwardingFilter(RejectAllForwardingFilter.INSTANCE);
        sv.setFileSystemFactory(new PerNodeRoot());
        sv.setCommandFactory((channel, command) -> new ExecCommand(endpointOf(channel.getSession()), command));
        SftpSubsystemFactory sftp = new SharedPoolSftpFactory(sftpPool);
        sftp.setExecutorServiceProvider(() -> ThreadUtils.noClose(sftpPool));
        sftp.addSftpEventListener(new WriteWatcher());
        sv.setSubsystemFactories(List.of(sftp));
        sv.addSessionListener(new SessionListener() {
            @Override
            public void sessionCreated(Session session) {
                Endpoint e = endpointOf(session);
                if (e == null || unreachable.contains(addressOf(session))) {
                    session.close(true);
                    return;
                }
                sessions.increment();
            }
        });
        return sv;
    }

    /** curve25519-sha256 first (≈10 ms of CPU per handshake against ≈34 ms for sntrup761x25519), then the rest. */
    private static List<KeyExchangeFactory> curve25519First(List<KeyExchangeFactory> defaults) {
        List<KeyExchangeFactory> out = new ArrayList<>(NamedFactory.setUpTransformedFactories(false,
                List.of(BuiltinDHFactories.curve25519, BuiltinDHFactories.curve25519_libssh), ServerBuilder.DH2KEX));
        List<String> first = out.stream().map(KeyExchangeFactory::getName).toList();
        for (KeyExchangeFactory f : defaults) {
            if (!first.contains(f.getName())) out.add(f);
        }
        return out;
    }

    private static List<NamedFactory<Cipher>> preferredCiphers(List<NamedFactory<Cipher>> defaults) {
        List<NamedFactory<Cipher>> out = new ArrayList<>(NamedFactory.setUpBuiltinFactories(false,
                List.of(BuiltinCiphers.cc20p1305_openssh, BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm)));
        List<String> first = out.stream().map(NamedFactory::getName).toList();
        for (NamedFactory<Cipher> f : defaults) {
            if (!first.contains(f.getName())) out.add(f);
        }
        return out;
    }

    public int port() {
        return port;
    }

    /** The addresses listened on, normalized ("127.0.1.7"), in the order the endpoints were given. */
    public List<String> addresses() {
        return List.copyOf(endpoints.keySet());
    }

    /** A fresh ed25519 host key (MINA's KeyUtils, Bouncy Castle underneath). */
    public static KeyPair generateHostKey() {
        try {
            return KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an ed25519 key (is Bouncy Castle on the classpath?)", e);
        }
    }

    /** known_hosts lines for every endpoint's current host key: {@code [127.0.1.7]:2222 ssh-ed25519 AAAA…}. */
    public List<String> knownHostsLines() {
        List<String> lines = new ArrayList<>(endpoints.size());
        endpoints.forEach((address, e) -> lines.add(KnownHostHashValue.createHostPattern(address, port) + " "
                + PublicKeyEntry.toString(e.hostKey().getPublic())));
        return lines;
    }

    /**
     * Fault: the next SFTP upload to this endpoint drops the whole SSH connection (TCP closed, no SSH disconnect
     * message) once at least {@code bytes} bytes were written to files (0 = at its first write) — once. The bytes
     * written so far stay where SFTP wrote them (the push's temp name).
     */
    public void dropConnectionDuringNextPush(String address, long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("bytes " + bytes);
        dropAfter.put(known(address), new AtomicLong(bytes));
    }

    /**
     * Fault: while set, connections to this address are refused (its listening socket is closed, so a client sees
     * "connection refused" as from a powered-off node); connections already open stay up.
     */
    public synchronized void setUnreachable(String address, boolean unreachable) {
        String a = known(address);
        InetSocketAddress where = bound.get(a);
        if (oneListener) {
            // the one listener serves every node: the session listener closes this node's new connections instead
            if (unreachable) this.unreachable.add(a);
            else this.unreachable.remove(a);
        } else if (unreachable) {
            if (this.unreachable.add(a)) server.acceptor().unbind(where);
        } else if (this.unreachable.remove(a)) {
            try {
                server.acceptor().bind(where);
            } catch (IOException e) {
                this.unreachable.add(a);
                throw new IllegalStateException("cannot listen on " + where + " again: " + e.getMessage(), e);
            }
        }
    }

    public Stats stats() {
        return new Stats(sessions.sum(), execs.sum(), sftpBytes.sum());
    }

    /** Stops listening, closes every session and frees the threads. */
    @Override
    public void close() {
        stopServer();
        execPool.shutdownNow();
        sftpPool.shutdownNow();
    }

    private void stopServer() {
        SandboxSshServer sv = server;
        server = null;
        if (sv == null) return;
        try {
            sv.stop(true);
        } catch (IOException ignored) {
            // best effort: the sockets are closed either way
        }
    }

    private String known(String address) {
        String a;
        try {
            a = InetAddress.getByName(address).getHostAddress();
        } catch (IOException e) {
            throw new IllegalArgumentException("not an address: " + address, e);
        }
        if (!endpoints.containsKey(a)) throw new IllegalArgumentException("no endpoint " + address);
        return a;
    }

    private static String addressOf(SessionContext context) {
        if (!(context instanceof Session s)) return null;
        IoSession io = s.getIoSession();
        SocketAddress local = io == null ? null : io.getLocalAddress();
        return local instanceof InetSocketAddress isa && isa.getAddress() != null ? isa.getAddress().getHostAddress()
                : null;
    }

    /** The endpoint a session belongs to: the one whose address the client connected to. */
    private Endpoint endpointOf(SessionContext context) {
        Endpoint e = context.getAttribute(ENDPOINT);
        if (e != null) return e;
        String a = addressOf(context);
        e = a == null ? null : endpoints.get(a);
        if (e != null) context.setAttribute(ENDPOINT, e);
        return e;
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * The server with its acceptor reachable, to stop and restart listening on one address. (MINA names its
     * threads and loggers after this class: "sshd-SandboxSshServer[…]-nio2-thread-N".)
     */
    private static final class SandboxSshServer extends SshServer {
        IoAcceptor acceptor() {
            return acceptor;
        }
    }

    /** Host key by the session's local address; read once per session so one handshake sees one key. */
    private final class PerNodeHostKey implements KeyPairProvider {
        @Override
        public Iterable<KeyPair> loadKeys(SessionContext session) {
            if (session == null) return List.of(); // no session, no node
            KeyPair kp = session.getAttribute(HOST_KEY);
            if (kp == null) {
                Endpoint e = endpointOf(session);
                if (e == null) return List.of();
                kp = e.hostKey();
                session.setAttribute(HOST_KEY, kp);
            }
            return List.of(kp);
        }
    }

    /** Each session's SFTP sees its node's root as "/" (MINA's RootedFileSystem: no way out of it). */
    private final class PerNodeRoot implements FileSystemFactory {
        @Override
        public Path getUserHomeDir(SessionContext session) {
            return null; // "/" of the rooted file system
        }

        @Override
        public FileSystem createFileSystem(SessionContext session) throws IOException {
            Endpoint e = endpointOf(session);
            if (e == null) throw new IOException("no node at " + addressOf(session));
            // a provider per file system, as MINA's VirtualFileSystemFactory does: one provider remembers its roots
            return new RootedFileSystemProvider().newFileSystem(e.root(), Collections.emptyMap());
        }
    }

    /** Counts written bytes and trips the "drop during push" fault. */
    private final class WriteWatcher implements SftpEventListener {
        @Override
        public void written(ServerSession session, String remoteHandle, FileHandle localHandle, long offset,
                byte[] data, int dataOffset, int dataLen, Throwable thrown) {
            if (thrown != null) return;
            sftpBytes.add(dataLen);
            countPushed(session, dataLen);
        }
    }

    /** Pushed bytes the armed "drop during push" fault still lets through on this session's node; -1: not armed. */
    private long dropBudget(ServerSession session) {
        String a = addressOf(session);
        AtomicLong left = a == null ? null : dropAfter.get(a);
        return left == null ? -1 : left.get();
    }

    /**
     * Counts pushed bytes (SFTP writes, a command's stdin) against the fault. When it trips, it does as a network
     * failure: the TCP connection closes at once, no SSH_MSG_DISCONNECT, and no further request of this channel is
     * processed (SFTP's drain stops on a closing session; a command reads end of input).
     */
    private void countPushed(ServerSession session, long n) {
        String a = addressOf(session);
        AtomicLong left = a == null ? null : dropAfter.get(a);
        if (left != null && left.addAndGet(-n) <= 0 && dropAfter.remove(a, left)) session.close(true);
    }

    /**
     * A command's stdin, counted against the "drop during push" fault like SFTP's writes: when it trips, the command
     * reads end of input, as a node's shell does when the network fails in the middle of a push.
     */
    private final class DropWatchingInput extends java.io.FilterInputStream {
        private final ServerSession session;

        DropWatchingInput(InputStream in, ServerSession session) {
            super(in);
            this.session = session;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (!session.isOpen()) return -1;
            long budget = dropBudget(session); // what comes before the failure is all the command gets
            int n = super.read(b, off, budget < 0 ? len : (int) Math.max(1, Math.min(len, budget)));
            if (n > 0) countPushed(session, n);
            return n;
        }
    }

    /** An exec channel's command, run on the shared exec pool; the exit callback is called from there. */
    private final class ExecCommand implements Command {
        private final Endpoint endpoint;
        private final String command;
        private InputStream in;
        private OutputStream out;
        private OutputStream err;
        private ExitCallback exit;
        private ServerSession session;
        private volatile Future<?> running;

        ExecCommand(Endpoint endpoint, String command) {
            this.endpoint = endpoint;
            this.command = command;
        }

        @Override
        public void setInputStream(InputStream in) {
            this.in = in; // read only by a command that reads stdin (a push's dd)
        }

        @Override
        public void setOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void setErrorStream(OutputStream err) {
            this.err = err;
        }

        @Override
        public void setExitCallback(ExitCallback callback) {
            this.exit = callback;
        }

        @Override
        public void start(ChannelSession channel, Environment env) throws IOException {
            if (endpoint == null) throw new IOException("no node for this session");
            session = channel.getServerSession();
            try {
                running = execPool.submit(this::run);
            } catch (RejectedExecutionException e) {
                throw new IOException("sandbox SSH server is closing", e);
            }
        }

        private void run() {
            execs.increment();
            ExecResult r;
            try {
                r = endpoint.exec(command, in == null ? null : new DropWatchingInput(in, session));
            } catch (RuntimeException e) {
                r = new ExecResult(255, "", "sandbox: " + e + "\n");
            }
            if (Thread.currentThread().isInterrupted()) return; // destroyed: the channel is gone
            try {
                if (!r.stdout().isEmpty()) {
                    out.write(r.stdout().getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                if (!r.stderr().isEmpty()) {
                    err.write(r.stderr().getBytes(StandardCharsets.UTF_8));
                    err.flush();
                }
            } catch (IOException e) {
                return; // the channel or connection closed meanwhile
            }
            exit.onExit(r.exitCode());
        }

        @Override
        public void destroy(ChannelSession channel) {
            Future<?> f = running;
            if (f != null) f.cancel(true);
        }
    }

    /** MINA's SFTP subsystem, with requests drained on the shared pool instead of a parked thread per channel. */
    private static final class SharedPoolSftpFactory extends SftpSubsystemFactory {
        private final CloseableExecutorService pool;

        SharedPoolSftpFactory(CloseableExecutorService pool) {
            this.pool = pool;
        }

        @Override
        public Command createSubsystem(ChannelSession channel) throws IOException {
            DrainingSftpSubsystem s = new DrainingSftpSubsystem(channel, this, pool);
            getRegisteredListeners().forEach(s::addSftpEventListener);
            return s;
        }
    }

    /**
     * {@link SftpSubsystem} whose request loop ({@code run()}: take, process, release window; on CLOSE close the
     * handles and exit) runs as a task on a shared pool whenever requests are queued, one task per channel at a
     * time so requests keep their order.
     */
    private static final class DrainingSftpSubsystem extends SftpSubsystem {
        private final CloseableExecutorService pool;
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private final AtomicBoolean finished = new AtomicBoolean();

        DrainingSftpSubsystem(ChannelSession channel, SftpSubsystemConfigurator configurator,
                CloseableExecutorService pool) {
            super(channel, configurator);
            this.pool = pool;
        }

        @Override
        public void start(ChannelSession channel, Environment env) {
            this.env = env; // and no thread: requests are drained as they come
        }

        @Override
        public int data(ChannelSession channel, byte[] buf, int start, int len) throws IOException {
            int n = super.data(channel, buf, start, len); // queues complete requests
            schedule();
            return n;
        }

        @Override
        public void close() throws IOException {
            super.close(); // queues CLOSE
            schedule();
        }

        @Override
        public void destroy(ChannelSession channel) {
            super.destroy(channel);
            requests.add(CLOSE); // handles must be closed even when the client never sent EOF
            schedule();
        }

        private void schedule() {
            if (finished.get() || !scheduled.compareAndSet(false, true)) return;
            try {
                pool.execute(this::drain);
            } catch (RejectedExecutionException e) {
                scheduled.set(false);
                finish(-1); // the server is closing
            }
        }

        private void drain() {
            try {
                var window = getServerChannelSession().getLocalWindow();
                Buffer b;
                while (!finished.get() && (b = requests.poll()) != null) {
                    if (closed.get() || !getServerSession().isOpen()) {
                        finish(-1); // the connection is gone: what is still queued is not run
                        return;
                    }
                    if (b == CLOSE) {
                        finish(0);
                        return;
                    }
                    int len = b.available();
                    process(b);
                    window.release(len);
                }
            } catch (Throwable t) {
                if (!closed.get()) {
                    error("drain({}) {} caught in SFTP subsystem: {}", getServerSession(),
                            t.getClass().getSimpleName(), t.getMessage(), t);
                }
                finish(-1);
            } finally {
                scheduled.set(false);
                if (!finished.get() && !requests.isEmpty()) schedule();
            }
        }

        private void finish(int exitCode) {
            if (!finished.compareAndSet(false, true)) return;
            requests.clear();
            closeAllHandles();
            ExitCallback cb = callback;
            if (cb != null) cb.onExit(exitCode, exitCode != 0);
        }
    }
}
