package io.kubejoin.sandbox.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubejoin.remote.ExecResult;
import io.kubejoin.remote.HostKeyException;
import io.kubejoin.remote.Negotiated;
import io.kubejoin.remote.PushResult;
import io.kubejoin.remote.RemoteFile;
import io.kubejoin.remote.SshConnector;
import io.kubejoin.remote.SshOptions;
import io.kubejoin.remote.SshTarget;
import io.kubejoin.remote.SshTransport;
import io.kubejoin.remote.TransportException;
import io.kubejoin.testing.Processes;
import io.kubejoin.util.SecureFiles;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link NodeSshServer} driven by kubejoin's real SSH client (SshConnector / SshTransport). */
@Timeout(120)
class NodeSshServerTest {
    static {
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.sshd", "warn");
    }

    static final Duration T = Duration.ofSeconds(20);
    /** A range of 127/8 nothing else here uses (all of 127/8 is routed to lo on Linux). */
    static final String A = "127.66.0.1";
    static final String B = "127.66.0.2";

    @TempDir
    static Path keys;
    static Path clientKey;
    static PublicKey clientPublic;

    @TempDir
    Path dir;
    Path knownHosts;
    SshConnector connector;
    NodeSshServer server;
    final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void clientKey() throws Exception {
        clientKey = keys.resolve("id_ed25519");
        Processes.Result r = Processes.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "nodesshtest",
                "-f", clientKey.toString()));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        clientPublic = AuthorizedKeyEntry.parseAuthorizedKeyEntry(Files.readString(Path.of(clientKey + ".pub")).strip())
                .resolvePublicKey(null, PublicKeyEntryResolver.FAILING);
    }

    @BeforeEach
    void setUp() {
        knownHosts = dir.resolve("known_hosts");
        connector = new SshConnector(SshOptions.defaults().withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5)));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose) c.close();
        connector.close();
        if (server != null) server.close();
    }

    /** A node whose commands run in {@code sh} with every quoted absolute path moved below its root. */
    static class FakeNode implements NodeSshServer.Endpoint {
        final String address;
        final Path root;
        volatile KeyPair key = NodeSshServer.generateHostKey();
        final List<String> commands = new CopyOnWriteArrayList<>();
        volatile long delayMs;

        FakeNode(String address, Path root) throws IOException {
            this.address = address;
            this.root = Files.createDirectories(root);
        }

        @Override public String address() { return address; }
        @Override public KeyPair hostKey() { return key; }
        @Override public Path root() { return root; }

        @Override
        public ExecResult exec(String command) {
            return exec(command, null);
        }

        @Override
        public ExecResult exec(String command, java.io.InputStream stdin) {
            commands.add(command);
            try {
                if (delayMs > 0) Thread.sleep(delayMs);
                return RootedSh.run(root, command, stdin);
            } catch (IOException e) {
                return new ExecResult(127, "", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new ExecResult(130, "", "interrupted");
            }
        }
    }

    /**
     * Runs kubejoin's commands against a folder instead of "/": kubejoin quotes every path it sends ('/etc/x'), so
     * '/ becomes '<root>/ in the command and <root> is cut from the output. Good enough for a test stub only.
     */
    static final class RootedSh {
        static ExecResult run(Path root, String command, java.io.InputStream stdin) throws IOException, InterruptedException {
            String inner = command.startsWith("sh -c '") && command.endsWith("'")
                    ? command.substring(7, command.length() - 1).replace("'\\''", "'") : command;
            String r = root.toString();
            Path out = Files.createTempFile("nodesshtest", ".out");
            Path err = Files.createTempFile("nodesshtest", ".err");
            try {
                ProcessBuilder pb = new ProcessBuilder("sh", "-c", inner.replace("'/", "'" + r + "/"))
                        .redirectOutput(out.toFile()).redirectError(err.toFile());
                if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
                Process p = pb.start();
                if (stdin != null) MinaStdin.pump(stdin, p);
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return new ExecResult(124, "", "timed out");
                }
                return new ExecResult(p.exitValue(), Files.readString(out).replace(r, ""),
                        Files.readString(err).replace(r, ""));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        }
    }

    /** Copies an exec channel's stdin into a child process until end of input (test servers only). */
    static final class MinaStdin {
        static void pump(java.io.InputStream in, Process p) {
            Thread t = new Thread(() -> {
                try (java.io.OutputStream to = p.getOutputStream()) {
                    in.transferTo(to);
                } catch (IOException ignored) {
                    // the process ended without reading it all, or the channel closed
                }
            }, "test-sh-in");
            t.setDaemon(true);
            t.start();
        }
    }

    FakeNode node(String address) throws IOException {
        return new FakeNode(address, dir.resolve("nodes").resolve(address));
    }

    NodeSshServer start(List<FakeNode> nodes) throws IOException {
        server = NodeSshServer.start(nodes, 0, clientPublic);
        Files.writeString(knownHosts, String.join("\n", server.knownHostsLines()) + "\n");
        return server;
    }

    SshTarget target(String address) {
        return new SshTarget(address, server.port(), "root", clientKey, knownHosts);
    }

    SshTransport open(String address) throws TransportException {
        SshTransport t = connector.open(target(address));
        toClose.add(t);
        return t;
    }

    /** A destination no real machine has, so a path that escaped the root would show up on this one. */
    static String unique(String rel) {
        return "/etc/kubejoin-nodesshtest-" + UUID.randomUUID() + "/" + rel;
    }

    static Path under(FakeNode n, String absolute) {
        return n.root.resolve(absolute.substring(1));
    }

    static RemoteFile file(String path, int mode, String content) {
        return new RemoteFile(path, mode, content.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * One wildcard listener for all nodes (the benchmark's 10,000 machines) is loopback-only only in a network
     * namespace with loopback alone: where this machine has another interface, it is refused before anything listens.
     */
    @Test
    void oneWildcardListenerIsRefusedWhereAnotherInterfaceCouldReachIt() throws Exception {
        List<String> others = new ArrayList<>();
        for (java.net.NetworkInterface i : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            if (!i.isLoopback()) others.add(i.getName());
        }
        org.junit.jupiter.api.Assumptions.assumeFalse(others.isEmpty(), "only loopback here: the wildcard would be allowed");
        FakeNode a = new FakeNode(A, dir.resolve("a"));
        assertThatThrownBy(() -> NodeSshServer.start(List.of(a), 0, clientPublic, true))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("reachable through [" + others.get(0))
                .hasMessageContaining("unshare --net");
    }

    @Test
    void execReturnsExitCodeAndBothStreamsFromTheNodeThatWasConnectedTo() throws Exception {
        FakeNode a = node(A);
        FakeNode b = node(B);
        start(List.of(a, b));
        SshTransport t = open(B);
        ExecResult r = t.exec("echo out; echo err >&2; exit 3", T);
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
        assertThat(b.commands).containsExactly("sh -c 'echo out; echo err >&2; exit 3'");
        assertThat(a.commands).isEmpty();
        assertThat(t.negotiated()).get().satisfies(n -> {
            assertThat(n.kex()).isEqualTo("curve25519-sha256");
            assertThat(n.hostKeyType()).isEqualTo("ssh-ed25519");
        });
        assertThat(server.stats().execs()).isEqualTo(1);
        assertThat(server.stats().sessionsOpened()).isEqualTo(1);
        assertThat(Thread.getAllStackTraces().keySet()).anyMatch(th -> th.getName().startsWith("sandbox-node-exec-"));
    }

    @Test
    void pushLandsUnderTheNodesRootWithItsModesAndNowhereElse() throws Exception {
        FakeNode a = node(A);
        FakeNode b = node(B);
        start(List.of(a, b));
        String key = unique("pki/kubelet.key");
        String conf = RemotePathsTestSupport.sibling(key, "../kubelet.conf");
        List<RemoteFile> files = List.of(file(key, 0600, "KEY\n"), file(conf, 0644, "kind: Config\n"));
        PushResult r = open(A).push(files);
        assertThat(r.changed()).containsExactlyInAnyOrder(key, conf);
        assertThat(Files.readString(under(a, key))).isEqualTo("KEY\n");
        assertThat(Files.readString(under(a, conf))).isEqualTo("kind: Config\n");
        assertThat(SecureFiles.mode(under(a, key))).isEqualTo(0600);
        assertThat(SecureFiles.mode(under(a, conf))).isEqualTo(0644);
        assertThat(Files.exists(Path.of(key).getParent().getParent())).as("nothing outside the root").isFalse();
        assertThat(Files.exists(under(b, key).getParent().getParent())).as("nothing on the other node").isFalse();
        assertThat(tempFiles(a.root)).isEmpty();
        // small files ride on the finishing command's stdin, not SFTP
        assertThat(server.stats().sftpBytesWritten()).isZero();

        // the other node gets its own copy, in its own root
        assertThat(open(B).push(List.of(file(key, 0640, "B\n"))).changed()).containsExactly(key);
        assertThat(Files.readString(under(b, key))).isEqualTo("B\n");
        assertThat(SecureFiles.mode(under(b, key))).isEqualTo(0640);
        assertThat(Files.readString(under(a, key))).isEqualTo("KEY\n");
        // pushing the same bytes again changes nothing (the survey ran under the root too)
        assertThat(open(A).push(files).anyChanged()).isFalse();
    }

    @Test
    void eachAddressPresentsItsOwnHostKey() throws Exception {
        FakeNode a = node(A);
        FakeNode b = node(B);
        start(List.of(a, b));
        assertThat(server.knownHostsLines()).hasSize(2).allMatch(l -> l.contains(" ssh-ed25519 AAAA"));
        assertThat(server.knownHostsLines().get(0)).startsWith("[" + A + "]:" + server.port() + " ");
        assertThat(open(A).exec("true", T).ok()).isTrue();
        assertThat(open(B).exec("true", T).ok()).isTrue();

        // B listed with A's key: B's own key is presented, so the client refuses it
        String aKeyUnderB = server.knownHostsLines().get(0).replace("[" + A + "]", "[" + B + "]");
        Files.writeString(knownHosts, aKeyUnderB + "\n");
        assertThatThrownBy(() -> open(B)).isInstanceOfSatisfying(HostKeyException.class,
                e -> assertThat(e.kind()).isEqualTo(TransportException.Kind.HOST_KEY_CHANGED));
    }

    @Test
    void aChangedHostKeyIsRefused() throws Exception {
        FakeNode a = node(A);
        start(List.of(a));
        try (SshTransport t = connector.open(target(A))) {
            assertThat(t.exec("true", T).ok()).isTrue();
        }
        a.key = NodeSshServer.generateHostKey(); // "reinstalled"
        assertThatThrownBy(() -> open(A)).isInstanceOfSatisfying(HostKeyException.class, e -> {
            assertThat(e.kind()).isEqualTo(TransportException.Kind.HOST_KEY_CHANGED);
            assertThat(e.getMessage()).contains("HOST KEY CHANGED");
        });
        assertThat(a.commands).containsExactly("sh -c 'true'");
        // the server's known_hosts lines follow the rotation
        Files.writeString(knownHosts, String.join("\n", server.knownHostsLines()) + "\n");
        assertThat(open(A).exec("true", T).ok()).isTrue();
    }

    @Test
    void onlyRootWithTheAuthorizedKeyLogsIn() throws Exception {
        start(List.of(node(A)));
        SshTarget other = target(A).withUser("admin");
        assertThatThrownBy(() -> connector.open(other)).isInstanceOfSatisfying(TransportException.class,
                e -> assertThat(e.kind()).isEqualTo(TransportException.Kind.AUTH_FAILED));
        Path stranger = keys.resolve("id_stranger");
        Processes.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", stranger.toString()));
        assertThatThrownBy(() -> connector.open(target(A).withIdentityFile(stranger)))
                .isInstanceOfSatisfying(TransportException.class,
                        e -> assertThat(e.kind()).isEqualTo(TransportException.Kind.AUTH_FAILED));
    }

    @Test
    void anUnreachableNodeRefusesConnectionsWhileTheOthersWork() throws Exception {
        FakeNode a = node(A);
        FakeNode b = node(B);
        start(List.of(a, b));
        SshTransport before = open(A);
        server.setUnreachable(A, true);
        assertThatThrownBy(() -> open(A)).isInstanceOfSatisfying(TransportException.class, e -> {
            assertThat(e.kind()).isEqualTo(TransportException.Kind.UNREACHABLE);
            assertThat(e.isTransient()).isTrue();
        });
        assertThat(open(B).exec("echo b", T).stdout()).isEqualTo("b\n");
        assertThat(before.exec("echo still", T).stdout()).as("open connections stay up").isEqualTo("still\n");
        server.setUnreachable(A, false);
        assertThat(open(A).exec("echo back", T).stdout()).isEqualTo("back\n");
    }

    @Test
    void aConnectionDroppedDuringAPushLeavesOnlyTheTempFileAndARetrySucceeds() throws Exception {
        droppedPushLeavesOnlyTheTempFile(512 * 1024); // on the finishing command's stdin
    }

    @Test
    void aConnectionDroppedDuringABinarysUploadLeavesOnlyTheTempFileAndARetrySucceeds() throws Exception {
        // over INLINE_MAX: survey first, then the finishing command with the binary on its stdin (dd count_bytes)
        droppedPushLeavesOnlyTheTempFile(io.kubejoin.remote.SshTransport.INLINE_MAX + 512 * 1024);
        assertThat(server.stats().sftpBytesWritten()).as("no SFTP").isZero();
    }

    private void droppedPushLeavesOnlyTheTempFile(int size) throws Exception {
        FakeNode a = node(A);
        start(List.of(a));
        String dest = unique("bin/kubelet");
        byte[] big = new byte[size];
        new java.util.Random(7).nextBytes(big);
        RemoteFile f = new RemoteFile(dest, 0755, big);
        server.dropConnectionDuringNextPush(A, 40_000);
        SshTransport t = open(A);
        assertThatThrownBy(() -> t.push(List.of(f))).isInstanceOfSatisfying(TransportException.class, e -> {
            System.out.println("[message] " + e.getMessage());
            assertThat(e.kind()).isEqualTo(TransportException.Kind.CONNECTION_LOST);
            assertThat(e.isTransient()).isTrue();
        });
        assertThat(Files.exists(under(a, dest))).as("destination untouched").isFalse();
        Path tmp = under(a, dest).resolveSibling(".kubelet.kubejoin-tmp");
        // the node's shell goes on after the drop with the input it got (as under sshd), so wait for its dd
        for (int i = 0; i < 100 && (!Files.exists(tmp) || Files.size(tmp) < 40_000); i++) Thread.sleep(50);
        assertThat(tmp).exists();
        assertThat(Files.size(tmp)).isBetween(40_000L, (long) big.length - 1);

        // the retry reconnects (the fault fired once) and completes
        PushResult r = t.push(List.of(f));
        assertThat(r.changed()).containsExactly(dest);
        assertThat(Files.readAllBytes(under(a, dest))).isEqualTo(big);
        assertThat(SecureFiles.mode(under(a, dest))).isEqualTo(0755);
        assertThat(tmp).doesNotExist();
        assertThat(server.stats().sessionsOpened()).isEqualTo(2);
    }

    @Test
    void commandsThatWaitOnManyNodesHoldUpNoOtherNodesCommand() throws Exception {
        // 64 nodes each run a command that waits (as verify's poll for kube-proxy's first sync does) until another
        // node's command has answered: on real machines nothing ties them; a fixed pool of 32 threads never answered
        int waiting = 64;
        List<FakeNode> nodes = new ArrayList<>();
        java.util.concurrent.CountDownLatch answered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch allStarted = new java.util.concurrent.CountDownLatch(waiting);
        for (int i = 0; i < waiting; i++) {
            nodes.add(new FakeNode("127.66.9." + (i + 1), dir.resolve("nodes").resolve("w" + i)) {
                @Override
                public ExecResult exec(String command, java.io.InputStream stdin) {
                    allStarted.countDown();
                    try {
                        return answered.await(60, TimeUnit.SECONDS) ? new ExecResult(0, "synced\n", "")
                                : new ExecResult(1, "", "timed out");
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return new ExecResult(130, "", "interrupted");
                    }
                }
            });
        }
        FakeNode other = node(A);
        List<FakeNode> all = new ArrayList<>(nodes);
        all.add(other);
        start(all);
        ExecutorService pool = Executors.newFixedThreadPool(waiting);
        List<SshTransport> open = new CopyOnWriteArrayList<>();
        try {
            List<Future<ExecResult>> polls = new ArrayList<>();
            for (FakeNode n : nodes) {
                polls.add(pool.submit(() -> {
                    SshTransport t = connector.open(target(n.address));
                    open.add(t);
                    return t.exec("until ready; do sleep 0.2; done", java.time.Duration.ofSeconds(90));
                }));
            }
            assertThat(allStarted.await(60, TimeUnit.SECONDS)).as("all 64 commands running").isTrue();
            SshTransport t = open(other.address);
            assertThat(t.exec("echo hi", java.time.Duration.ofSeconds(20)).stdout()).isEqualTo("hi\n");
            answered.countDown();
            for (Future<ExecResult> f : polls) assertThat(f.get(60, TimeUnit.SECONDS).stdout()).isEqualTo("synced\n");
        } finally {
            answered.countDown();
            pool.shutdownNow();
            open.forEach(SshTransport::close);
        }
    }

    @Test
    void threeHundredNodesOnOnePortShareTheServersThreads() throws Exception {
        int n = 300;
        List<FakeNode> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) nodes.add(node("127.77." + (i / 200) + "." + (i % 200 + 1)));
        long t0 = System.nanoTime();
        start(nodes);
        System.out.printf("[measure] bound %d addresses on port %d in %d ms%n", n, server.port(),
                (System.nanoTime() - t0) / 1_000_000);
        assertThat(server.addresses()).hasSize(n);
        for (int i : new int[] {0, 150, 299}) {
            FakeNode node = nodes.get(i);
            assertThat(open(node.address).exec("echo hi", T).stdout()).isEqualTo("hi\n");
            assertThat(node.commands).hasSize(1);
        }

        // session setup cost: connect + key exchange + auth, sequentially, on loopback
        int rounds = 40;
        for (int i = 0; i < 5; i++) connector.open(target(nodes.get(i).address)).close(); // warm-up
        long c0 = System.nanoTime();
        for (int i = 0; i < rounds; i++) connector.open(target(nodes.get(10 + i).address)).close();
        System.out.printf("[measure] connect+auth: %.1f ms per connection (%d sequential)%n",
                (System.nanoTime() - c0) / 1e6 / rounds, rounds);

        // 50 concurrent sessions, each an SFTP push and an exec, all left open: threads stay bounded
        int concurrent = 50;
        nodes.forEach(x -> x.delayMs = 200);
        AtomicInteger peak = new AtomicInteger();
        AtomicInteger peakServer = new AtomicInteger();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                peak.accumulateAndGet(ManagementFactory.getThreadMXBean().getThreadCount(), Math::max);
                peakServer.accumulateAndGet((int) serverThreads().values().stream().mapToLong(Long::longValue).sum(),
                        Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "test-sampler");
        int before = ManagementFactory.getThreadMXBean().getThreadCount();
        sampler.start();
        ExecutorService pool = Executors.newFixedThreadPool(concurrent);
        List<SshTransport> open = new CopyOnWriteArrayList<>();
        long p0 = System.nanoTime();
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < concurrent; i++) {
                FakeNode node = nodes.get(100 + i);
                fs.add(pool.submit(() -> {
                    SshTransport t = connector.open(target(node.address));
                    open.add(t);
                    List<RemoteFile> files = new ArrayList<>();
                    String base = "/etc/kubernetes/";
                    for (int k = 0; k < 5; k++) files.add(file(base + "f" + k, 0644, node.address + " " + k));
                    assertThat(t.push(files).changed()).hasSize(5);
                    assertThat(t.exec("echo " + node.address, T).stdout()).isEqualTo(node.address + "\n");
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
            long wall = (System.nanoTime() - p0) / 1_000_000;
            sampling.set(false);
            sampler.join();
            Map<String, Long> groups = serverThreads();
            System.out.println("[measure] threads: " + Thread.getAllStackTraces().keySet().stream()
                    .map(th -> th.getName().replaceAll("[0-9]+$", "N")).collect(
                            java.util.stream.Collectors.groupingBy(x -> x, TreeMap::new,
                                    java.util.stream.Collectors.counting())));
            System.out.printf("[measure] %d concurrent sessions (push of 5 files + exec, 200 ms per command) in %d ms;"
                    + " JVM threads before %d, peak %d (ThreadMXBean), activeCount now %d; server threads peak %d,"
                    + " now %s%n", concurrent, wall, before, peak.get(), Thread.activeCount(), peakServer.get(),
                    groups);
            for (int i = 0; i < concurrent; i++) {
                FakeNode node = nodes.get(100 + i);
                assertThat(Files.readString(node.root.resolve("etc/kubernetes/f3"))).isEqualTo(node.address + " 3");
            }
            // NIO workers (cores + 1) + timer + a thread per command running at once + the SFTP pool: nothing per
            // session or per node
            long cap = Runtime.getRuntime().availableProcessors() + 1 + 1 + concurrent + NodeSshServer.SFTP_THREADS;
            assertThat((long) peakServer.get()).isLessThanOrEqualTo(cap);
            assertThat(groups.getOrDefault("sftp", 0L)).isLessThanOrEqualTo(NodeSshServer.SFTP_THREADS);
            assertThat(groups).doesNotContainKey("sftp-per-channel");
            assertThat(server.stats().sessionsOpened()).isEqualTo(3 + 5 + rounds + concurrent);
        } finally {
            sampling.set(false);
            pool.shutdownNow();
            open.forEach(SshTransport::close);
        }
        server.close();
        server = null;
        Thread.sleep(200);
        assertThat(Thread.getAllStackTraces().keySet()).as("close() frees the threads")
                .noneMatch(th -> th.isAlive() && th.getName().startsWith("sandbox-node-"));
    }

    /** Server-side threads by kind: MINA's (its thread names carry "SshServer") and the two shared pools. */
    static Map<String, Long> serverThreads() {
        Map<String, Long> m = new TreeMap<>();
        for (Thread th : Thread.getAllStackTraces().keySet()) {
            String name = th.getName();
            String kind = name.startsWith("sandbox-node-exec-") ? "exec"
                    : name.startsWith("sandbox-node-sftp-") ? "sftp"
                    : name.contains("SshServer") ? (name.contains("timer") ? "mina-timer" : "mina-nio")
                    // MINA's default: a thread per SFTP channel, "sshd-SftpSubsystem-<nanos>-thread-1"
                    : name.contains("SftpSubsystem") ? "sftp-per-channel" : null;
            if (kind != null) m.merge(kind, 1L, Long::sum);
        }
        return m;
    }

    static List<Path> tempFiles(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".kubejoin-tmp")).toList();
        }
    }

    /** Path arithmetic for the test's destinations. */
    static final class RemotePathsTestSupport {
        static String sibling(String path, String rel) {
            return Path.of(path).getParent().resolve(rel).normalize().toString();
        }
    }
}
