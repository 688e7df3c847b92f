package io.kubejoin.remote;

import io.kubejoin.util.AesHardware;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.apache.sshd.client.ClientBuilder;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.future.AuthFuture;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.kex.KeyExchangeFactory;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.core.CoreModuleProperties;

/**
 * The one MINA {@link SshClient} of a run: its NIO2 threads, timer and parsed keys are shared by every node, so a
 * run of 1,000 nodes uses {@link SshOptions#ioThreads()} I/O threads plus a timer, not threads per node.
 */
public final class SshConnector implements AutoCloseable {
    private final SshClient client;
    private final SshOptions options;
    private final Identities identities;

    public SshConnector(SshOptions options) {
        this(options, true);
    }

    /** {@code gathering} false: MINA's own NIO2 sessions, a write(2) per packet (for PushCpuMeasurement's A/B). */
    SshConnector(SshOptions options, boolean gathering) {
        this.options = options;
        this.identities = new Identities(options.passphrase());
        SshClient c = SshClient.setUpDefaultClient();
        // only what the target says (SshConfig has applied the ssh config file already): no ~/.ssh/id_* keys of
        // MINA's own choosing, no password prompts
        c.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        c.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        c.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
        c.setServerKeyVerifier(new HostKeyVerifier());
        // ssh-agent's keys first, then the key files (MINA's order, and OpenSSH's); none without SSH_AUTH_SOCK
        if (options.agentSocket() != null) c.setAgentFactory(new UnixAgent.Factory(options.agentSocket()));
        if (options.preferCurve25519()) c.setKeyExchangeFactories(curve25519First(c.getKeyExchangeFactories()));
        c.setCipherFactories(preferredCiphers(c.getCipherFactories(), AesHardware.inThisJvm()));
        // packets queued during a socket write leave in one write (GatheringNio2), not one write(2) each
        if (gathering) c.setIoServiceFactoryFactory(new GatheringNio2.FactoryFactory());
        // without TCP_NODELAY each exec waits 40-80 ms on Nagle's algorithm (measured, stack notes)
        CoreModuleProperties.TCP_NODELAY.set(c, true);
        CoreModuleProperties.NIO_WORKERS.set(c, options.ioThreads());
        CoreModuleProperties.HEARTBEAT_INTERVAL.set(c, options.keepalive());
        CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(c, 3);
        CoreModuleProperties.IO_CONNECT_TIMEOUT.set(c, options.connectTimeout());
        CoreModuleProperties.AUTH_TIMEOUT.set(c, options.authTimeout());
        c.start();
        this.client = c;
    }

    /** curve25519-sha256 (and its libssh alias) first, then MINA's remaining defaults as a fallback. */
    static List<KeyExchangeFactory> curve25519First(List<KeyExchangeFactory> defaults) {
        List<String> first = List.of(BuiltinDHFactories.curve25519.getName(),
                BuiltinDHFactories.curve25519_libssh.getName());
        List<KeyExchangeFactory> out = new ArrayList<>(NamedFactory.setUpTransformedFactories(false,
                List.of(BuiltinDHFactories.curve25519, BuiltinDHFactories.curve25519_libssh), ClientBuilder.DH2KEX));
        for (KeyExchangeFactory f : defaults) {
            if (!first.contains(f.getName())) out.add(f);
        }
        return out;
    }

    /**
     * AES-GCM first where this JVM runs it on the CPU's AES instructions (C2: ≈8× MINA's pure-Java
     * ChaCha20-Poly1305, which took two thirds of the join's CPU), ChaCha20-Poly1305 first where it does not (C1
     * only: there AES-GCM is ≈3× slower); then MINA's remaining defaults. The node picks the first of ours it has.
     */
    static List<NamedFactory<Cipher>> preferredCiphers(List<NamedFactory<Cipher>> defaults, boolean aesHardware) {
        List<BuiltinCiphers> order = aesHardware
                ? List.of(BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm, BuiltinCiphers.cc20p1305_openssh)
                : List.of(BuiltinCiphers.cc20p1305_openssh, BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm);
        List<NamedFactory<Cipher>> out = new ArrayList<>(NamedFactory.setUpBuiltinFactories(false, order));
        List<String> first = out.stream().map(NamedFactory::getName).toList();
        for (NamedFactory<Cipher> f : defaults) {
            if (!first.contains(f.getName())) out.add(f);
        }
        return out;
    }

    public SshOptions options() {
        return options;
    }

    /** Connects and logs in now (so an unreachable node fails here, fast); reconnects later if the link drops. */
    public SshTransport open(SshTarget target) throws TransportException {
        SshTransport t = new SshTransport(this, target);
        t.session(); // connect eagerly
        return t;
    }

    ClientSession connect(SshTarget target) throws TransportException {
        if (target.jump() == null) return connect(target, target.host(), target.port());
        // ProxyJump: a local port forwarded through the last bastion's session to the node, then an ordinary
        // connection to that port; the node's host key is still checked under the node's own name. A bastion behind
        // another is reached the same way, so every hop's host key is checked against its known_hosts.
        ClientSession bastion;
        try {
            bastion = bastion(target.jump());
        } catch (HostKeyException e) {
            throw new HostKeyException(e.kind(), target.display(), e.keyType(), e.fingerprint(),
                    "through bastion " + e.getMessage());
        } catch (TransportException e) {
            throw new TransportException(e.kind(), target.display(), "through bastion " + e.getMessage(), e);
        }
        SshdSocketAddress local;
        try {
            local = bastion.startLocalPortForwarding(new SshdSocketAddress("127.0.0.1", 0),
                    new SshdSocketAddress(target.host(), target.port()));
        } catch (IOException e) {
            throw new TransportException(TransportException.Kind.CONNECTION_LOST, target.display(),
                    "cannot forward a port through the bastion " + target.jump().display() + ": " + e.getMessage(), e);
        }
        try {
            ClientSession s = connect(target, local.getHostName(), local.getPort());
            s.addCloseFutureListener(f -> {
                try {
                    bastion.stopLocalPortForwarding(local);
                } catch (IOException ignored) {
                    // the bastion session is closing too
                }
            });
            return s;
        } catch (TransportException e) {
            try {
                bastion.stopLocalPortForwarding(local);
            } catch (IOException ignored) {
                // best effort
            }
            throw e;
        }
    }

    /** One session per bastion (and the chain before it), shared by all nodes behind it (each a channel on it). */
    private ClientSession bastion(SshTarget jump) throws TransportException {
        String key = jump.display() + " " + jump.identityFiles();
        synchronized (bastions) {
            ClientSession s = bastions.get(key);
            if (s == null || !s.isOpen() || s.isClosing()) {
                s = connect(jump);
                bastions.put(key, s);
            }
            return s;
        }
    }

    private final java.util.Map<String, ClientSession> bastions = new java.util.HashMap<>();

    /**
     * The target's key files that exist, each parsed once per run. A missing one is skipped, as OpenSSH skips
     * missing IdentityFiles, unless there is nothing else to log in with: no other key file and no agent.
     */
    private List<KeyPair> keys(SshTarget target) throws TransportException {
        List<KeyPair> keys = new ArrayList<>();
        TransportException missing = null;
        for (Path f : target.identityFiles()) {
            try {
                keys.addAll(identities.load(f, target.display()));
            } catch (TransportException e) {
                if (!java.nio.file.Files.notExists(f)) throw e; // unreadable, encrypted without passphrase, damaged
                if (missing == null) missing = e;
            }
        }
        if (keys.isEmpty() && missing != null && options.agentSocket() == null) throw missing;
        return keys;
    }

    private ClientSession connect(SshTarget target, String host, int port) throws TransportException {
        String who = target.display();
        List<KeyPair> keys = keys(target);
        HostKeyVerifier.Attempt attempt = new HostKeyVerifier.Attempt(target.knownHosts(), options.acceptNewHostKeys(),
                target.host(), target.port());
        ClientSession session = null;
        try {
            ConnectFuture cf = client.connect(target.user(), host, port,
                    AttributeRepository.ofKeyValuePair(HostKeyVerifier.ATTEMPT, attempt), null);
            if (!cf.await(options.connectTimeout())) {
                cf.cancel();
                throw new TransportException(TransportException.Kind.CONNECT_TIMEOUT, who,
                        "no TCP connection within " + options.connectTimeout().toSeconds() + " s");
            }
            session = cf.getSession(); // throws the connect failure, if any
            for (KeyPair kp : keys) session.addPublicKeyIdentity(kp);
            AuthFuture af = session.auth();
            if (!af.await(options.authTimeout())) {
                throw refusalOr(attempt, target, new TransportException(TransportException.Kind.CONNECT_TIMEOUT, who,
                        "key exchange and login did not finish within " + options.authTimeout().toSeconds() + " s"));
            }
            af.verify(); // throws the login failure, if any
            ClientSession done = session;
            session = null;
            return done;
        } catch (TransportException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw refusalOr(attempt, target, classify(e, target, options.agentSocket()));
        } finally {
            if (session != null) session.close(true);
        }
    }

    /** A refused host key explains a failed connection better than MINA's generic "key did not validate". */
    private static TransportException refusalOr(HostKeyVerifier.Attempt a, SshTarget t, TransportException other) {
        if (a.refusal == null || a.presented == null) return other;
        String type = org.apache.sshd.common.config.keys.KeyUtils.getKeyType(a.presented);
        String fp = HostKeyVerifier.fingerprint(a.presented);
        String kh = a.knownHosts.toString();
        String scan = "ssh-keyscan -p " + t.port() + " " + t.host() + " >> " + kh;
        String msg = switch (a.refusal) {
            case UNKNOWN -> "host key " + type + " " + fp + " of " + t.knownHostsName() + " is not in " + kh
                    + ". Compare it with the node's own key (on the node: ssh-keygen -lf /etc/ssh/ssh_host_"
                    + shortType(type) + "_key.pub), then add it with `" + scan
                    + "`, or run with --accept-new-host-keys to record new keys on first use";
            case CHANGED -> "HOST KEY CHANGED for " + t.knownHostsName() + ": " + kh + " has "
                    + (a.expected == null ? "another key" : HostKeyVerifier.fingerprint(a.expected))
                    + " but the node presented " + type + " " + fp
                    + ". This is either a reinstalled node or someone intercepting the connection; kubejoin never "
                    + "accepts a changed key (not even with --accept-new-host-keys). If the node was reinstalled, "
                    + "remove the old entry with `ssh-keygen -R '" + t.knownHostsName() + "' -f " + kh
                    + "`, verify the new key, then `" + scan + "`";
            case REVOKED -> "host key " + type + " " + fp + " of " + t.knownHostsName() + " is marked @revoked in "
                    + kh;
            case UNRECORDABLE -> "cannot record host key " + type + " " + fp + " of " + t.knownHostsName() + " to "
                    + kh + " (" + a.recordFailure + "); a key accepted on first use must be recorded, so it was "
                    + "refused: make " + kh + " writable";
        };
        return new HostKeyException(a.refusal == HostKeyVerifier.Refusal.UNKNOWN
                || a.refusal == HostKeyVerifier.Refusal.UNRECORDABLE
                ? TransportException.Kind.HOST_KEY_UNKNOWN : TransportException.Kind.HOST_KEY_CHANGED,
                t.display(), type, fp, msg);
    }

    private static String shortType(String type) {
        if (type.contains("ed25519")) return "ed25519";
        if (type.contains("ecdsa")) return "ecdsa";
        return "rsa";
    }

    static TransportException classify(Throwable e, SshTarget t, Path agent) {
        String who = t.display();
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof ConnectException || c instanceof NoRouteToHostException) {
                return new TransportException(TransportException.Kind.UNREACHABLE, who,
                        "cannot connect (" + c.getMessage() + "); is sshd running and port " + t.port() + " open?", e);
            }
            if (c instanceof UnknownHostException || c instanceof UnresolvedAddressException) {
                return new TransportException(TransportException.Kind.UNKNOWN_HOST, who,
                        "host name " + t.host() + " does not resolve", e);
            }
            if (c instanceof SocketTimeoutException || c instanceof TimeoutException) {
                return new TransportException(TransportException.Kind.CONNECT_TIMEOUT, who, "timed out connecting", e);
            }
        }
        String m = String.valueOf(e.getMessage());
        if (m.contains("No more authentication methods") || m.contains("authentication")) {
            return new TransportException(TransportException.Kind.AUTH_FAILED, who,
                    "the node refused " + (t.moreIdentityFiles().isEmpty() ? "key " + named(t.identityFile())
                            : "keys " + t.identityFiles().stream().map(SshConnector::named).toList())
                            + (agent == null ? "" : " and the keys of ssh-agent at " + agent) + " for user " + t.user()
                            + " (is its public key in that user's authorized_keys?)", e);
        }
        return new TransportException(TransportException.Kind.CONNECTION_LOST, who,
                "connection closed while connecting: " + m, e);
    }

    /** A key file as the refusal names it: a missing one (skipped while an agent offers keys) says so. */
    private static String named(Path key) {
        return java.nio.file.Files.notExists(key) ? key + " (not there)" : key.toString();
    }

    /** Threads the shared client uses (for the measurement in the report; stable however many nodes). */
    public static long clientThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().contains("SshClient")).count();
    }

    @Override
    public void close() {
        synchronized (bastions) {
            bastions.values().forEach(s -> s.close(true));
            bastions.clear();
        }
        try {
            client.stop();
        } catch (RuntimeException ignored) {
            // best effort at the end of a run
        }
    }
}
