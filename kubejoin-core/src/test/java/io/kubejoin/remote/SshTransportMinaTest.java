package io.kubejoin.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubejoin.util.SecureFiles;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.sshd.server.session.ServerSession;
import org.apache.sshd.sftp.server.SftpEventListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

@Timeout(60)
class SshTransportMinaTest {
    static final Duration T = Duration.ofSeconds(20);

    @TempDir
    static Path keys;
    static Path clientKey;
    /** SFTP sessions the node saw: a push must open none (its files ride on an exec channel's stdin). */
    static final AtomicInteger sftpSessions = new AtomicInteger();
    static MinaNode node;
    static Path shims;

    @TempDir
    Path dir;
    Path knownHosts;
    SshConnector connector;

    @BeforeAll
    static void startServer() throws Exception {
        clientKey = TestKeys.generate(keys, "ed25519", "");
        shims = keys.resolve("shims");
        Files.createDirectories(shims);
        // stands in for sudo (not installed here, and the test runs as root): logs and runs what follows "-n"
        Path sudo = shims.resolve("sudo");
        Files.writeString(sudo, "#!/bin/sh\n[ \"$1\" = -n ] || { echo 'sudo: a password is required' >&2; exit 1; }\n"
                + "shift\necho \"$*\" >> " + keys.resolve("sudo.log") + "\nexec \"$@\"\n");
        Files.setPosixFilePermissions(sudo, SecureFiles.permissions(0755));
        SftpEventListener counter = new SftpEventListener() {
            @Override
            public void initialized(ServerSession session, int version) {
                sftpSessions.incrementAndGet();
            }
        };
        node = new MinaNode(List.of(TestKeys.publicKey(clientKey)), shims, counter);
    }

    @AfterAll
    static void stopServer() throws IOException {
        if (node != null) node.close();
    }

    @BeforeEach
    void setUp() throws IOException {
        knownHosts = dir.resolve("known_hosts");
        Files.writeString(knownHosts, node.knownHostsLine());
        connector = new SshConnector(SshOptions.defaults().withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5)));
        node.commands.clear();
        node.dropStdinAfter = -1;
        sftpSessions.set(0);
    }

    @AfterEach
    void tearDown() {
        connector.close();
    }

    SshTarget target() {
        return new SshTarget("127.0.0.1", node.port(), "root", clientKey, knownHosts);
    }

    RemoteFile file(String rel, int mode, String content) {
        return new RemoteFile(dir.resolve(rel).toString(), mode, content.getBytes(StandardCharsets.UTF_8));
    }

    static String read(Path p) throws IOException {
        return Files.readString(p);
    }

    @Test
    void pushesNewFilesWithModesThenNothingThenOnlyTheChangedOneWithABackup() throws Exception {
        List<RemoteFile> files = List.of(
                file("etc/kubernetes/bootstrap.kubeconfig", 0600, "token: secret\n"),
                file("etc/kubernetes/kubelet-config.yaml", 0644, "kind: KubeletConfiguration\n"),
                file("etc/systemd/system/kubelet.service", 0644, "[Unit]\n"));
        try (SshTransport t = connector.open(target())) {
            PushResult first = t.push(files);
            assertThat(first.changed()).hasSize(3);
            assertThat(read(dir.resolve("etc/kubernetes/bootstrap.kubeconfig"))).isEqualTo("token: secret\n");
            assertThat(SecureFiles.mode(dir.resolve("etc/kubernetes/bootstrap.kubeconfig"))).isEqualTo(0600);
            assertThat(SecureFiles.mode(dir.resolve("etc/kubernetes/kubelet-config.yaml"))).isEqualTo(0644);
            assertThat(SecureFiles.mode(dir.resolve("etc/systemd"))).isEqualTo(0755);
            assertThat(Files.getOwner(dir.resolve("etc/kubernetes/kubelet-config.yaml")).getName()).isEqualTo("root");
            assertThat(first.files()).noneMatch(PushResult.FileOutcome::backedUp);

            node.commands.clear();
            PushResult second = t.push(files);
            assertThat(second.anyChanged()).isFalse();
            // small files: one command that writes them from stdin and lets the node compare, nothing more
            assertThat(node.commands).hasSize(1).allMatch(c -> c.startsWith("sh -c 'umask 022") && c.contains("\ndd of="));

            List<RemoteFile> changed = new ArrayList<>(files);
            changed.set(1, file("etc/kubernetes/kubelet-config.yaml", 0644, "kind: KubeletConfiguration\nv: 2\n"));
            node.commands.clear();
            PushResult third = t.push(changed);
            assertThat(third.changed()).containsExactly(changed.get(1).path());
            assertThat(third.files().get(1).backedUp()).isTrue();
            assertThat(read(dir.resolve("etc/kubernetes/kubelet-config.yaml"))).endsWith("v: 2\n");
            assertThat(read(dir.resolve("etc/kubernetes/kubelet-config.yaml.kubejoin-bak")))
                    .isEqualTo("kind: KubeletConfiguration\n");
            assertThat(node.commands).as("one command writing from stdin and placing").hasSize(1);
            assertThat(leftoverTempFiles()).isEmpty();
        }
    }

    @Test
    void fixesAModeWithoutRewritingTheFile() throws Exception {
        RemoteFile key = file("cert/kube-proxy-key.pem", 0600, "KEY\n");
        try (SshTransport t = connector.open(target())) {
            t.push(List.of(key));
            Files.setPosixFilePermissions(Path.of(key.path()), SecureFiles.permissions(0644));
            PushResult r = t.push(List.of(key));
            assertThat(r.changed()).containsExactly(key.path());
            assertThat(SecureFiles.mode(Path.of(key.path()))).isEqualTo(0600);
            assertThat(Files.exists(Path.of(key.path() + ".kubejoin-bak"))).isFalse();
        }
    }

    @Test
    void execReturnsNonZeroExitAndBothStreams() throws Exception {
        try (SshTransport t = connector.open(target())) {
            ExecResult r = t.exec("echo out; echo err >&2; exit 3", T);
            assertThat(r.exitCode()).isEqualTo(3);
            assertThat(r.stdout()).isEqualTo("out\n");
            assertThat(r.stderr()).isEqualTo("err\n");
            assertThat(t.exec("cat", T).ok()).as("stdin is closed, so cat ends").isTrue();
            assertThat(t.negotiated()).get().extracting(Negotiated::kex).isEqualTo("curve25519-sha256");
        }
    }

    @Test
    void aesGcmFirstOnlyWhereTheJvmHasAesHardwareChachaTheFallback() {
        List<String> defaults = org.apache.sshd.client.SshClient.setUpDefaultClient().getCipherFactories().stream()
                .map(org.apache.sshd.common.NamedFactory::getName).toList();
        List<String> withAes = SshConnector.preferredCiphers(
                org.apache.sshd.client.SshClient.setUpDefaultClient().getCipherFactories(), true).stream()
                .map(org.apache.sshd.common.NamedFactory::getName).toList();
        List<String> without = SshConnector.preferredCiphers(
                org.apache.sshd.client.SshClient.setUpDefaultClient().getCipherFactories(), false).stream()
                .map(org.apache.sshd.common.NamedFactory::getName).toList();
        assertThat(withAes).startsWith("aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
                "chacha20-poly1305@openssh.com");
        assertThat(without).startsWith("chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com");
        assertThat(withAes).containsExactlyInAnyOrderElementsOf(defaults).doesNotHaveDuplicates();
        assertThat(without).containsExactlyInAnyOrderElementsOf(defaults).doesNotHaveDuplicates();
    }

    @Test
    void commandTimeoutIsATransientErrorAndTheConnectionStaysUsable() throws Exception {
        try (SshTransport t = connector.open(target())) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> t.exec("sleep 30", Duration.ofMillis(500)))
                    .isInstanceOfSatisfying(TransportException.class, e -> {
                        assertThat(e.kind()).isEqualTo(TransportException.Kind.COMMAND_TIMEOUT);
                        assertThat(e.isTransient()).isTrue();
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(t.exec("echo still", T).stdout()).isEqualTo("still\n");
        }
    }

    @Test
    void sha256OfManyFilesInOneCommandMissingOnesAbsent() throws Exception {
        Path a = dir.resolve("a");
        Files.writeString(a, "abc");
        try (SshTransport t = connector.open(target())) {
            node.commands.clear();
            var m = t.sha256(List.of(a.toString(), dir.resolve("missing").toString()));
            assertThat(m).containsOnlyKeys(a.toString());
            assertThat(m.get(a.toString())).isEqualTo(
                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
            assertThat(node.commands).hasSize(1);
        }
    }

    @Tag("hostile")
    @Test
    void readsTextFilesForPlanDiffsAndCapsRunawayOutput() throws Exception {
        Path a = dir.resolve("it's here.conf");
        Files.writeString(a, "line 1\nline 2\n");
        try (SshTransport t = connector.open(target())) {
            assertThat(t.readText(a.toString())).contains("line 1\nline 2\n");
            assertThat(t.readText(dir.resolve("missing").toString())).isEmpty();
            assertThat(t.readText(dir.toString())).as("a folder is not a file").isEmpty();
            ExecResult big = t.exec("head -c 5000000 /dev/zero | tr '\\0' x", T);
            assertThat(big.stdout()).hasSizeLessThan(BoundedOutput.DEFAULT_LIMIT + 100)
                    .endsWith("[kubejoin: " + (5_000_000 - BoundedOutput.DEFAULT_LIMIT) + " more bytes of output dropped]\n");
        }
    }

    @Tag("hostile")
    @Test
    void unknownHostKeyIsRefusedWithItsFingerprintAndTheFix() throws Exception {
        Files.delete(knownHosts);
        String fp = HostKeyVerifier.fingerprint(node.hostKey.getPublic());
        assertThatThrownBy(() -> connector.open(target()))
                .isInstanceOfSatisfying(HostKeyException.class, e -> {
                    System.out.println("[message] " + e.getMessage());
                    assertThat(e.kind()).isEqualTo(TransportException.Kind.HOST_KEY_UNKNOWN);
                    assertThat(e.isTransient()).isFalse();
                    assertThat(e.fingerprint()).isEqualTo(fp).startsWith("SHA256:");
                    assertThat(e.getMessage()).contains("127.0.0.1", fp,
                            "ssh-keyscan -p " + node.port() + " 127.0.0.1 >> " + knownHosts,
                            "--accept-new-host-keys");
                });
        assertThat(Files.exists(knownHosts)).as("nothing recorded without accept-new").isFalse();
        assertThat(node.commands).isEmpty();
    }

    @Tag("hostile")
    @Test
    void changedHostKeyIsRefusedEvenInAcceptNewMode() throws Exception {
        var other = org.apache.sshd.common.config.keys.KeyUtils.generateKeyPair("ecdsa-sha2-nistp256", 256);
        String line = TestKeys.knownHostsLine("127.0.0.1", node.port(), other.getPublic());
        Files.writeString(knownHosts, line);
        try (SshConnector tofu = new SshConnector(SshOptions.defaults().withAcceptNewHostKeys(true))) {
            assertThatThrownBy(() -> tofu.open(target()))
                    .isInstanceOfSatisfying(HostKeyException.class, e -> {
                        System.out.println("[message] " + e.getMessage());
                        assertThat(e.kind()).isEqualTo(TransportException.Kind.HOST_KEY_CHANGED);
                        assertThat(e.getMessage()).contains("HOST KEY CHANGED",
                                HostKeyVerifier.fingerprint(node.hostKey.getPublic()),
                                HostKeyVerifier.fingerprint(other.getPublic()), "ssh-keygen -R");
                    });
        }
        assertThat(Files.readString(knownHosts)).isEqualTo(line);
        assertThat(node.commands).isEmpty();
    }

    /** A fleet's known_hosts (one line per node) goes through the host index; the answers are the same. */
    @Test
    void largeKnownHostsFileVerifiesThroughTheIndex() throws Exception {
        var other = org.apache.sshd.common.config.keys.KeyUtils.generateKeyPair("ecdsa-sha2-nistp256", 256);
        StringBuilder fleet = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            fleet.append(TestKeys.knownHostsLine("127.0." + (i / 250) + "." + (i % 250 + 2), node.port(), other.getPublic()));
        }
        // same address, other port: must not be taken for this node
        fleet.append(TestKeys.knownHostsLine("127.0.0.1", node.port() + 1, other.getPublic()));
        Files.writeString(knownHosts, fleet + node.knownHostsLine());
        try (SshTransport t = connector.open(target())) {
            assertThat(t.exec("true", T).ok()).isTrue();
        }
        // the node's line replaced by another key: a changed key, not an unknown one
        Files.writeString(knownHosts, fleet + TestKeys.knownHostsLine("127.0.0.1", node.port(), other.getPublic()));
        assertThatThrownBy(() -> connector.open(target())).isInstanceOfSatisfying(HostKeyException.class,
                e -> assertThat(e.kind()).isEqualTo(TransportException.Kind.HOST_KEY_CHANGED));
        // a wildcard line is not indexed by name and still applies
        Files.writeString(knownHosts, fleet + "[127.0.0.*]:" + node.port() + " " + org.apache.sshd.common.config.keys.PublicKeyEntry
                .toString(node.hostKey.getPublic()).replace("\n", "") + "\n");
        try (SshTransport t = connector.open(target())) {
            assertThat(t.exec("true", T).ok()).isTrue();
        }
        Files.writeString(knownHosts, fleet.toString());
        assertThatThrownBy(() -> connector.open(target())).isInstanceOfSatisfying(HostKeyException.class,
                e -> assertThat(e.kind()).isEqualTo(TransportException.Kind.HOST_KEY_UNKNOWN));
    }

    /** Small files ride on the finishing command's stdin; cut short there, nothing is placed either. */
    @Tag("hostile")
    @Test
    void connectionDroppedMidStdinLeavesNoPartialFileAndTheNextPushCompletes() throws Exception {
        Path existing = dir.resolve("etc/kubernetes/kubelet-config.yaml");
        Files.createDirectories(existing.getParent());
        Files.writeString(existing, "old\n");
        List<RemoteFile> files = List.of(
                file("etc/kubernetes/kubelet-config.yaml", 0644, "new\n"),
                file("etc/kubernetes/bootstrap.kubeconfig", 0600, "token: secret-secret-secret\n"),
                file("etc/kubernetes/kube-proxy.kubeconfig", 0600, "proxy\n"));
        try (SshTransport t = connector.open(target())) {
            node.dropStdinAfter = 4 + 10; // all of the first file, 10 bytes of the second
            assertThatThrownBy(() -> t.push(files)).isInstanceOfSatisfying(TransportException.class, e -> {
                System.out.println("[message] " + e.getMessage());
                assertThat(e.kind()).isEqualTo(TransportException.Kind.CONNECTION_LOST);
                assertThat(e.isTransient()).isTrue();
            });
            // (this test server kills the command when the connection drops; the sandbox's node lets it run on
            // with the input it got, as sshd does: NodeSshServerTest covers that)
            assertThat(read(existing)).isEqualTo("old\n");
            assertThat(dir.resolve("etc/kubernetes/bootstrap.kubeconfig")).doesNotExist();
            assertThat(dir.resolve("etc/kubernetes/kube-proxy.kubeconfig")).doesNotExist();

            PushResult retry = t.push(files); // same transport: it reconnects
            assertThat(retry.changed()).hasSize(3);
            assertThat(read(existing)).isEqualTo("new\n");
            assertThat(read(dir.resolve("etc/kubernetes/bootstrap.kubeconfig"))).isEqualTo("token: secret-secret-secret\n");
            assertThat(SecureFiles.mode(dir.resolve("etc/kubernetes/bootstrap.kubeconfig"))).isEqualTo(0600);
            assertThat(leftoverTempFiles()).isEmpty();
        }
    }

    @Test
    void acceptNewRecordsTheKeyAndLaterConnectionsVerifyAgainstIt() throws Exception {
        Files.delete(knownHosts);
        try (SshConnector tofu = new SshConnector(SshOptions.defaults().withAcceptNewHostKeys(true));
                SshTransport t = tofu.open(target())) {
            assertThat(t.exec("true", T).ok()).isTrue();
        }
        assertThat(Files.readString(knownHosts)).contains("[127.0.0.1]:" + node.port(),
                org.apache.sshd.common.config.keys.PublicKeyEntry.toString(node.hostKey.getPublic()));
        try (SshTransport t = connector.open(target())) { // strict mode now trusts the recorded key
            assertThat(t.exec("true", T).ok()).isTrue();
        }
    }

    /**
     * Many new nodes recorded at once into a missing known_hosts: every node's line is there (MINA creates the file
     * with a truncating open when it finds it empty, decided outside its lock: two at once lost a line).
     */
    @Test
    void acceptNewRecordsEveryNodeWhenManyConnectAtOnceToAnEmptyFile() throws Exception {
        Files.delete(knownHosts);
        List<MinaNode> nodes = new ArrayList<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(12);
        try (SshConnector tofu = new SshConnector(SshOptions.defaults().withAcceptNewHostKeys(true))) {
            for (int i = 0; i < 12; i++) nodes.add(new MinaNode(List.of(TestKeys.publicKey(clientKey)), shims, null));
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<Boolean>> done = new ArrayList<>();
            for (MinaNode n : nodes) {
                done.add(pool.submit(() -> {
                    go.await();
                    try (SshTransport t = tofu.open(new SshTarget("127.0.0.1", n.port(), "root", clientKey, knownHosts))) {
                        return t.exec("true", T).ok();
                    }
                }));
            }
            go.countDown();
            for (java.util.concurrent.Future<Boolean> f : done) assertThat(f.get(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            String recorded = Files.readString(knownHosts);
            for (MinaNode n : nodes) {
                assertThat(recorded).contains("[127.0.0.1]:" + n.port() + " "
                        + org.apache.sshd.common.config.keys.PublicKeyEntry.toString(n.hostKey.getPublic()));
            }
        } finally {
            pool.shutdownNow();
            for (MinaNode n : nodes) n.close();
        }
    }

    @Test
    void acceptNewCreatesAMissingKnownHostsFolder() throws Exception {
        Path kh = dir.resolve("fresh-home/.ssh/known_hosts");
        SshTarget t = new SshTarget("127.0.0.1", node.port(), "root", clientKey, kh);
        try (SshConnector tofu = new SshConnector(SshOptions.defaults().withAcceptNewHostKeys(true));
                SshTransport tr = tofu.open(t)) {
            assertThat(tr.exec("true", T).ok()).isTrue();
        }
        assertThat(Files.readString(kh)).startsWith("[127.0.0.1]:" + node.port() + " ");
        assertThat(SecureFiles.mode(kh.getParent())).isEqualTo(0700);
    }

    @Tag("hostile")
    @Test
    void acceptNewRefusesAKeyItCannotRecord() throws Exception {
        Path blocker = dir.resolve("not-a-folder");
        Files.writeString(blocker, "x");
        Path kh = blocker.resolve("known_hosts"); // its parent is a file: nothing can be written there
        SshTarget t = new SshTarget("127.0.0.1", node.port(), "root", clientKey, kh);
        try (SshConnector tofu = new SshConnector(SshOptions.defaults().withAcceptNewHostKeys(true))) {
            assertThatThrownBy(() -> tofu.open(t)).isInstanceOfSatisfying(HostKeyException.class, e -> {
                System.out.println("[message] " + e.getMessage());
                assertThat(e.getMessage()).contains("cannot record host key", kh.toString());
            });
        }
        assertThat(node.commands).isEmpty();
    }

    @Test
    void unreachableNodeFailsFastWithATransientError() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        long start = System.nanoTime();
        SshTarget t = new SshTarget("127.0.0.1", closedPort, "root", clientKey, knownHosts);
        assertThatThrownBy(() -> connector.open(t))
                .isInstanceOfSatisfying(TransportException.class, e -> {
                    System.out.println("[message] " + e.getMessage());
                    assertThat(e.kind()).isEqualTo(TransportException.Kind.UNREACHABLE);
                    assertThat(e.isTransient()).isTrue();
                    assertThat(e.getMessage()).contains("root@127.0.0.1:" + closedPort, "cannot connect");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Tag("hostile")
    @Test
    void aKeyTheServerDoesNotKnowIsAnAuthFailureNotTransient() throws Exception {
        Path stranger = TestKeys.generate(dir, "ecdsa", "");
        assertThatThrownBy(() -> connector.open(target().withIdentityFile(stranger)))
                .isInstanceOfSatisfying(TransportException.class, e -> {
                    System.out.println("[message] " + e.getMessage());
                    assertThat(e.kind()).isEqualTo(TransportException.Kind.AUTH_FAILED);
                    assertThat(e.isTransient()).isFalse();
                    assertThat(e.getMessage()).contains(stranger.toString());
                });
    }

    @Tag("hostile")
    @Test
    void encryptedKeyUsesThePassphraseAndAWrongOneIsAClearErrorWithoutTheSecret() throws Exception {
        Path enc = TestKeys.generate(dir, "ed25519", "correct horse");
        try (MinaNode other = new MinaNode(List.of(TestKeys.publicKey(enc)), null, null)) {
            Files.writeString(knownHosts, other.knownHostsLine());
            SshTarget t = new SshTarget("127.0.0.1", other.port(), "root", enc, knownHosts);
            try (SshConnector c = new SshConnector(SshOptions.defaults().withPassphrase(() -> "correct horse"));
                    SshTransport tr = c.open(t)) {
                assertThat(tr.exec("echo ok", T).stdout()).isEqualTo("ok\n");
            }
            try (SshConnector c = new SshConnector(SshOptions.defaults().withPassphrase(() -> "wrong battery"))) {
                assertThatThrownBy(() -> c.open(t)).isInstanceOfSatisfying(TransportException.class, e -> {
                    System.out.println("[message] " + e.getMessage());
                    assertThat(e.kind()).isEqualTo(TransportException.Kind.IDENTITY);
                    assertThat(e.getMessage()).contains(enc.toString(), "passphrase").doesNotContain("wrong battery");
                });
            }
            try (SshConnector c = new SshConnector(SshOptions.defaults().withPassphrase(() -> null))) {
                assertThatThrownBy(() -> c.open(t)).isInstanceOfSatisfying(TransportException.class, e ->
                        assertThat(e.getMessage()).contains(SshOptions.PASSPHRASE_ENV));
            }
        }
    }

    /**
     * A release binary as the join holds it: mapped from its file, outside the heap ({@link FileBytes}), streamed on
     * the finishing command's stdin; the same bytes again are not sent.
     */
    @Test
    void aMappedBinaryIsPlacedExactlyAndNotSentAgain() throws Exception {
        byte[] bytes = new byte[3 * SshTransport.INLINE_MAX + 12345]; // not a multiple of the 32 KiB chunk
        new java.util.Random(7).nextBytes(bytes);
        Path source = Files.write(dir.resolve("kubelet-source"), bytes);
        FileBytes mapped = FileBytes.map(source);
        assertThat(mapped.sha256()).isEqualTo(RemoteFile.sha256(bytes));
        RemoteFile kubelet = new RemoteFile(dir.resolve("opt/k8s/bin/kubelet").toString(), 0755, mapped, mapped.sha256());
        try (SshTransport t = connector.open(target())) {
            assertThat(t.push(List.of(kubelet, file("etc/kubernetes/kubelet.conf", 0600, "k\n"))).changed()).hasSize(2);
            assertThat(Files.readAllBytes(dir.resolve("opt/k8s/bin/kubelet"))).isEqualTo(bytes);
            assertThat(SecureFiles.mode(dir.resolve("opt/k8s/bin/kubelet"))).isEqualTo(0755);
            assertThat(t.push(List.of(kubelet)).anyChanged()).isFalse();
        }
        assertThat(leftoverTempFiles()).isEmpty();
    }

    /** A binary rides on the finishing command's stdin after the small files; cut short inside it, nothing is placed. */
    @Tag("hostile")
    @Test
    void connectionDroppedMidPushLeavesNoPartialFileAndTheNextPushCompletes() throws Exception {
        Path existing = dir.resolve("etc/kubernetes/kubelet-config.yaml");
        Files.createDirectories(existing.getParent());
        Files.writeString(existing, "old\n");
        byte[] big = new byte[SshTransport.INLINE_MAX + 300 * 1024]; // over INLINE_MAX: survey, then the finish
        new java.util.Random(1).nextBytes(big);
        List<RemoteFile> files = List.of(
                file("etc/kubernetes/kubelet-config.yaml", 0644, "new\n"),
                file("etc/kubernetes/bootstrap.kubeconfig", 0600, "token: secret\n"),
                new RemoteFile(dir.resolve("opt/k8s/bin/kubelet").toString(), 0755, big),
                file("etc/kubernetes/kube-proxy.kubeconfig", 0600, "proxy\n"));
        try (SshTransport t = connector.open(target())) {
            node.dropStdinAfter = 4 + 14 + big.length / 2; // the small files before it, half the binary
            assertThatThrownBy(() -> t.push(files)).isInstanceOfSatisfying(TransportException.class, e -> {
                System.out.println("[message] " + e.getMessage());
                assertThat(e.kind()).isEqualTo(TransportException.Kind.CONNECTION_LOST);
                assertThat(e.isTransient()).isTrue();
            });
            assertThat(node.dropStdinAfter).as("the drop happened").isEqualTo(-1);
            // every destination is the old file or absent; the half-written bytes sit at most in a temp file
            assertThat(read(existing)).isEqualTo("old\n");
            assertThat(dir.resolve("opt/k8s/bin/kubelet")).doesNotExist();
            assertThat(dir.resolve("etc/kubernetes/kube-proxy.kubeconfig")).doesNotExist();
            assertThat(dir.resolve("etc/kubernetes/bootstrap.kubeconfig")).doesNotExist();
            Path partial = dir.resolve("opt/k8s/bin/.kubelet.kubejoin-tmp");
            if (Files.exists(partial)) assertThat(Files.size(partial)).isLessThan(big.length);

            PushResult retry = t.push(files); // same transport: it reconnects
            assertThat(retry.changed()).hasSize(4);
            assertThat(SecureFiles.mode(dir.resolve("etc/kubernetes/bootstrap.kubeconfig"))).isEqualTo(0600);
            assertThat(read(existing)).isEqualTo("new\n");
            assertThat(Files.readAllBytes(dir.resolve("opt/k8s/bin/kubelet"))).isEqualTo(big);
            assertThat(SecureFiles.mode(dir.resolve("opt/k8s/bin/kubelet"))).isEqualTo(0755);
            assertThat(leftoverTempFiles()).isEmpty();
        }
        assertThat(sftpSessions).as("no SFTP session: the binary went on the exec channel's stdin").hasValue(0);
    }

    /**
     * As another user every command, the finishing one with the binary on its stdin too, runs under sudo: root writes
     * the temp files in place, nothing is staged in the user's home, no SFTP.
     */
    @Test
    void nonRootUserPushesBinariesThroughSudoOnStdin() throws Exception {
        SshTarget deploy = target().withUser("deploy");
        byte[] binary = new byte[SshTransport.INLINE_MAX + 1]; // over INLINE_MAX: survey, then the finish
        new java.util.Random(3).nextBytes(binary);
        List<RemoteFile> files = List.of(
                file("etc/kubernetes/bootstrap.kubeconfig", 0600, "token\n"),
                new RemoteFile(dir.resolve("opt/bin/kubelet").toString(), 0755, binary),
                file("etc/systemd/system/kubelet.service", 0644, "[Unit]\n"));
        try (SshTransport t = connector.open(deploy)) {
            assertThat(t.exec("id -u", T).stdout()).isEqualTo("0\n");
            PushResult r = t.push(files);
            assertThat(r.changed()).hasSize(3);
            assertThat(read(dir.resolve("etc/kubernetes/bootstrap.kubeconfig"))).isEqualTo("token\n");
            assertThat(Files.readAllBytes(dir.resolve("opt/bin/kubelet"))).isEqualTo(binary);
            assertThat(SecureFiles.mode(dir.resolve("opt/bin/kubelet"))).isEqualTo(0755);
            assertThat(SecureFiles.mode(dir.resolve("etc/kubernetes/bootstrap.kubeconfig"))).isEqualTo(0600);
            assertThat(SecureFiles.mode(dir.resolve("etc/systemd/system/kubelet.service"))).isEqualTo(0644);
            assertThat(node.commands).allMatch(c -> c.startsWith("sudo -n sh -c "));
            assertThat(t.push(files).anyChanged()).isFalse();
            assertThat(leftoverTempFiles()).isEmpty();
        }
        assertThat(sftpSessions).hasValue(0);
    }

    @Tag("hostile")
    @Test
    void sudoThatWantsAPasswordIsAClearFailure() throws Exception {
        try (SshTransport t = connector.open(target().withUser("deploy"))) {
            // the shim refuses when -n is missing: prove the transport never leaves it out, then force the refusal
            Path sudoLog = keys.resolve("sudo.log");
            Files.deleteIfExists(sudoLog);
            t.exec("true", T);
            assertThat(Files.readString(sudoLog)).startsWith("sh -c");
            ExecResult r = t.execRaw("sudo true", T);
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stderr()).contains("password is required");
        }
    }

    @Tag("hostile")
    @Test
    void pushWithASudoThatWantsAPasswordFailsWithTheHint() throws Exception {
        Path strict = dir.resolve("strict-shims");
        Files.createDirectories(strict);
        Path sudo = strict.resolve("sudo");
        Files.writeString(sudo, "#!/bin/sh\necho 'sudo: a password is required' >&2\nexit 1\n");
        Files.setPosixFilePermissions(sudo, SecureFiles.permissions(0755));
        try (MinaNode strictNode = new MinaNode(List.of(TestKeys.publicKey(clientKey)), strict, null)) {
            Files.writeString(knownHosts, strictNode.knownHostsLine());
            SshTarget t = new SshTarget("127.0.0.1", strictNode.port(), "deploy", clientKey, knownHosts);
            try (SshTransport tr = connector.open(t)) {
                assertThatThrownBy(() -> tr.push(List.of(file("etc/x.conf", 0644, "x\n"))))
                        .isInstanceOfSatisfying(TransportException.class, e -> {
                            System.out.println("[message] " + e.getMessage());
                            assertThat(e.kind()).isEqualTo(TransportException.Kind.REMOTE_FAILURE);
                            assertThat(e.isTransient()).isFalse();
                            assertThat(e.getMessage()).contains("placing files", "password is required", "NOPASSWD");
                        });
                assertThatThrownBy(() -> tr.sha256(List.of("/etc/hostname")))
                        .as("not an empty map, as if the files were missing")
                        .isInstanceOfSatisfying(TransportException.class,
                                e -> assertThat(e.getMessage()).contains("NOPASSWD"));
                assertThat(dir.resolve("etc/x.conf")).doesNotExist();
            }
        }
    }

    @Test
    void threadsStayBoundedWithManyOpenConnections() throws Exception {
        int n = 40;
        connector.close(); // only the client under test may own "SshClient" threads while counting
        try (SshConnector c = new SshConnector(SshOptions.defaults().withIoThreads(2))) {
            List<SshTransport> open = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<SshTransport>> fs = new ArrayList<>();
                for (int i = 0; i < n; i++) fs.add(pool.submit(() -> c.open(target())));
                for (Future<SshTransport> f : fs) open.add(f.get());
                for (SshTransport t : open) assertThat(t.exec("true", T).ok()).isTrue();
                long threads = SshConnector.clientThreads();
                System.out.println("[measure] MINA client threads with " + n + " open connections: " + threads + " "
                        + Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                                .filter(x -> x.contains("SshClient")).sorted().toList());
                // per client: ioThreads NIO2 threads, as many resume threads, one timer; nothing per connection
                assertThat(threads).isLessThanOrEqualTo(2 * 2 + 1);
            } finally {
                pool.shutdownNow();
                open.forEach(SshTransport::close);
            }
        }
    }

    @Tag("hostile")
    @Test
    void reachesANodeThroughABastionCheckingBothHostKeysUnderTheirOwnNames() throws Exception {
        try (MinaNode bastion = new MinaNode(List.of(TestKeys.publicKey(clientKey)), null, null, true)) {
            Path bastionKnown = dir.resolve("bastion_known_hosts");
            Files.writeString(bastionKnown, bastion.knownHostsLine());
            SshTarget jump = new SshTarget("127.0.0.1", bastion.port(), "jumper", clientKey, bastionKnown);
            try (SshTransport t = connector.open(target().via(jump))) {
                assertThat(t.target()).contains("via jumper@127.0.0.1:" + bastion.port());
                assertThat(t.exec("echo through", T).stdout()).isEqualTo("through\n");
                assertThat(t.push(List.of(file("via/bastion.txt", 0640, "x\n"))).changed()).hasSize(1);
                assertThat(SecureFiles.mode(dir.resolve("via/bastion.txt"))).isEqualTo(0640);
            }
            assertThat(node.commands).contains("sh -c 'echo through'");
            assertThat(bastion.commands).as("the bastion only forwards").isEmpty();

            // accept-new through the bastion records the node under its own name, not the forwarding port
            Files.delete(knownHosts);
            try (SshConnector tofu = new SshConnector(SshOptions.defaults().withAcceptNewHostKeys(true));
                    SshTransport t = tofu.open(target().via(jump))) {
                assertThat(t.exec("true", T).ok()).isTrue();
            }
            assertThat(Files.readString(knownHosts)).startsWith("[127.0.0.1]:" + node.port() + " ");

            // a node key that is unknown is refused through the bastion as well
            Files.delete(knownHosts);
            assertThatThrownBy(() -> connector.open(target().via(jump))).isInstanceOfSatisfying(
                    HostKeyException.class, e -> assertThat(e.getMessage()).contains("[127.0.0.1]:" + node.port()));
        }
    }

    private List<Path> leftoverTempFiles() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".kubejoin-tmp")).toList();
        }
    }
}
