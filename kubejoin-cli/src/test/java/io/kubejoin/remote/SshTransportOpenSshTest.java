package io.kubejoin.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubejoin.bench.OpenSshNode;
import io.kubejoin.util.SecureFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Against Debian's OpenSSH server: the implementation kubejoin meets on real nodes. */
@Timeout(60)
class SshTransportOpenSshTest {
    static final Duration T = Duration.ofSeconds(20);

    @TempDir
    static Path base;
    static OpenSshNode sshd;
    static Path knownHosts;

    @BeforeAll
    static void start() throws Exception {
        OpenSshRequirements.requireSshd();
        Path keys = Files.createDirectories(base.resolve("keys"));
        List<Path> pubs = new ArrayList<>();
        for (String type : List.of("ed25519", "rsa", "ecdsa")) {
            pubs.add(Path.of(TestKeys.generate(keys, type, "") + ".pub"));
        }
        sshd = new OpenSshNode(Files.createDirectories(base.resolve("sshd")), pubs);
        knownHosts = base.resolve("known_hosts");
        Files.writeString(knownHosts, sshd.knownHostsLine());
    }

    @AfterAll
    static void stop() throws Exception {
        if (sshd != null) sshd.close();
    }

    static SshTarget target(String keyType) {
        return new SshTarget("127.0.0.1", sshd.port, "root", base.resolve("keys/id_" + keyType), knownHosts);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ed25519", "rsa", "ecdsa"})
    void logsInWithEachKeyTypeRunsCommandsAndNegotiatesCurve25519(String type) throws Exception {
        try (SshConnector c = new SshConnector(SshOptions.defaults());
                SshTransport t = c.open(target(type))) {
            ExecResult r = t.exec("echo \"$HOME\"; exit 7", T);
            assertThat(r.exitCode()).isEqualTo(7);
            assertThat(r.stdout().strip()).isEqualTo(sshd.dir.resolve("home").toString());
            Negotiated n = t.negotiated().orElseThrow();
            System.out.println("[measure] OpenSSH, " + type + " client key: " + n);
            assertThat(n.kex()).isEqualTo("curve25519-sha256");
            assertThat(n.hostKeyType()).isEqualTo("ssh-ed25519");
            // AES-GCM where this JVM runs it on AES-NI (surefire's JVM: C2), else ChaCha20 (the launcher's C1)
            assertThat(n.cipher()).isEqualTo(io.kubejoin.util.AesHardware.inThisJvm() ? "aes128-gcm@openssh.com"
                    : "chacha20-poly1305@openssh.com");
        }
    }

    @Test
    void pushCycleNewUnchangedChangedWithBackup(@TempDir Path dir) throws Exception {
        List<RemoteFile> files = new ArrayList<>(List.of(
                new RemoteFile(dir + "/etc/kubernetes/bootstrap.kubeconfig", 0600, bytes("secret\n")),
                new RemoteFile(dir + "/etc/kubernetes/kubelet-config.yaml", 0644, bytes("a: 1\n")),
                new RemoteFile(dir + "/opt/k8s/bin/kubelet", 0755, new byte[200_000])));
        try (SshConnector c = new SshConnector(SshOptions.defaults());
                SshTransport t = c.open(target("ed25519"))) {
            assertThat(t.push(files).changed()).hasSize(3);
            assertThat(SecureFiles.mode(Path.of(files.get(0).path()))).isEqualTo(0600);
            assertThat(SecureFiles.mode(Path.of(files.get(2).path()))).isEqualTo(0755);
            assertThat(SecureFiles.mode(dir.resolve("opt/k8s"))).isEqualTo(0755);
            assertThat(Files.readAllBytes(Path.of(files.get(2).path()))).hasSize(200_000);

            assertThat(t.push(files).anyChanged()).isFalse();

            files.set(1, new RemoteFile(files.get(1).path(), 0644, bytes("a: 2\n")));
            PushResult r = t.push(files);
            assertThat(r.changed()).containsExactly(files.get(1).path());
            assertThat(Files.readString(Path.of(files.get(1).path()))).isEqualTo("a: 2\n");
            assertThat(Files.readString(Path.of(files.get(1).path() + ".kubejoin-bak"))).isEqualTo("a: 1\n");
            assertThat(t.sha256(List.of(files.get(1).path()))).containsEntry(files.get(1).path(),
                    files.get(1).sha256());
        }
    }

    /**
     * A release binary's stdin to OpenSSH's sshd: in flight at most the limit (sshd's buffer for the command's stdin
     * then grows in a few steps instead of ~115), never dropped (sshd gives back as its command reads), every byte
     * there.
     */
    @Test
    void aBinarysStdinKeepsAtMostTheLimitInFlight(@TempDir Path dir) throws Exception {
        byte[] bytes = new byte[24 * 1024 * 1024 + 4321];
        new java.util.Random(7).nextBytes(bytes);
        FileBytes bin = FileBytes.map(Files.write(dir.resolve("kubelet-source"), bytes));
        Path dest = dir.resolve("opt/k8s/bin/kubelet");
        try (SshConnector c = new SshConnector(SshOptions.defaults());
                SshTransport t = c.open(target("ed25519"))) {
            assertThat(t.push(List.of(new RemoteFile(dest.toString(), 0755, bin, bin.sha256()))).changed()).hasSize(1);
            SshTransport.StdinPacing p = t.lastPacing();
            assertThat(p).isNotNull();
            assertThat(p.limit()).isEqualTo(MappedStdinWriter.IN_FLIGHT);
            assertThat(p.limitDropped()).isFalse();
            assertThat(p.maxInFlight()).isPositive().isLessThanOrEqualTo(p.limit());
            assertThat(Files.readAllBytes(dest)).isEqualTo(bytes);

            // a re-run: the survey hashes the binary (its size is the source's) and finds it unchanged
            assertThat(t.push(List.of(new RemoteFile(dest.toString(), 0755, bin, bin.sha256()))).anyChanged()).isFalse();
            // another release, another size: changed without hashing the old one, and the new one is there
            byte[] other = java.util.Arrays.copyOf(bytes, bytes.length - 1000);
            FileBytes next = FileBytes.map(Files.write(dir.resolve("kubelet-next"), other));
            assertThat(t.push(List.of(new RemoteFile(dest.toString(), 0755, next, next.sha256()))).changed()).hasSize(1);
            assertThat(Files.readAllBytes(dest)).isEqualTo(other);
        }
    }

    @Tag("hostile")
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void theFixTheUnknownKeyMessageSuggestsWorksPlainAndHashed(boolean hashed, @TempDir Path dir) throws Exception {
        Path kh = dir.resolve("known_hosts");
        SshTarget t = new SshTarget("127.0.0.1", sshd.port, "root", base.resolve("keys/id_ed25519"), kh);
        String command;
        try (SshConnector c = new SshConnector(SshOptions.defaults())) {
            HostKeyException e = org.junit.jupiter.api.Assertions.assertThrows(HostKeyException.class, () -> c.open(t));
            String m = e.getMessage();
            command = m.substring(m.indexOf("`ssh-keyscan") + 1, m.indexOf('`', m.indexOf("`ssh-keyscan") + 1));
        }
        // run it as a user would (ssh-keyscan -H hashes the names, as Debian's HashKnownHosts does)
        String run = hashed ? command.replace("ssh-keyscan ", "ssh-keyscan -H ") : command;
        var r = io.kubejoin.testing.Processes.run(List.of("sh", "-c", run));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        if (hashed) assertThat(Files.readString(kh)).startsWith("|1|");
        try (SshConnector c = new SshConnector(SshOptions.defaults()); SshTransport tr = c.open(t)) {
            assertThat(tr.exec("true", T).ok()).isTrue();
        }
    }

    @Test
    void defaultKeyExchangeIsWhatMinaPrefersAndStillWorks() throws Exception {
        try (SshConnector c = new SshConnector(SshOptions.defaults().withPreferCurve25519(false));
                SshTransport t = c.open(target("ed25519"))) {
            assertThat(t.exec("true", T).ok()).isTrue();
            Negotiated n = t.negotiated().orElseThrow();
            System.out.println("[measure] OpenSSH, MINA default kex order: " + n);
            assertThat(n.kex()).isNotEqualTo("curve25519-sha256");
        }
    }

    @Tag("hostile")
    @Test
    void killingTheNodesSessionMidUploadLeavesNoPartialFileAndTheRetryCompletes(@TempDir Path dir) throws Exception {
        Path dest = dir.resolve("opt/k8s/bin/kubelet");
        Files.createDirectories(dest.getParent());
        Files.writeString(dest, "old kubelet\n");
        byte[] big = new byte[64 * 1024 * 1024];
        new java.util.Random(7).nextBytes(big);
        List<RemoteFile> files = List.of(new RemoteFile(dest.toString(), 0755, big));
        Path tmp = dest.resolveSibling(".kubelet.kubejoin-tmp");
        try (SshConnector c = new SshConnector(SshOptions.defaults());
                SshTransport t = c.open(target("ed25519"))) {
            var push = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return t.push(files);
                } catch (TransportException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!(Files.exists(tmp) && Files.size(tmp) > 1_000_000) && !push.isDone()
                    && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            assertThat(push.isDone()).as("upload still running when the session is killed").isFalse();
            // the per-connection sshd processes are children of the sshd this test started
            sshd.sessionProcesses().forEach(ProcessHandle::destroyForcibly);
            assertThatThrownBy(push::join).hasCauseInstanceOf(TransportException.class)
                    .cause().satisfies(e -> assertThat(((TransportException) e).isTransient()).isTrue());
            assertThat(Files.readString(dest)).isEqualTo("old kubelet\n");
            assertThat(Files.size(tmp)).isLessThan(big.length);

            PushResult retry = t.push(files);
            assertThat(retry.changed()).containsExactly(dest.toString());
            assertThat(Files.readAllBytes(dest)).isEqualTo(big);
            assertThat(Files.readString(dest.resolveSibling("kubelet.kubejoin-bak"))).isEqualTo("old kubelet\n");
            assertThat(tmp).doesNotExist();
        }
    }

    @Test
    void keepaliveNoticesANodeThatStoppedAnsweringAndTheNextCallReconnects() throws Exception {
        try (SshConnector c = new SshConnector(SshOptions.defaults().withKeepalive(Duration.ofMillis(200)));
                SshTransport t = c.open(target("ed25519"))) {
            assertThat(t.exec("true", T).ok()).isTrue();
            List<ProcessHandle> frozen = sshd.sessionProcesses();
            assertThat(frozen).isNotEmpty();
            signal("STOP", frozen); // the node hangs: TCP stays up, nothing answers
            try {
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (t.isConnected() && System.nanoTime() < deadline) Thread.sleep(50);
                assertThat(t.isConnected()).as("closed after unanswered keepalives").isFalse();
            } finally {
                signal("CONT", frozen);
            }
            assertThat(t.exec("echo back", T).stdout()).isEqualTo("back\n");
        }
    }

    /** kill -SIG to exactly the given PIDs (children of the sshd this test started). */
    private static void signal(String sig, List<ProcessHandle> processes) {
        List<String> cmd = new ArrayList<>(List.of("kill", "-" + sig));
        processes.forEach(p -> cmd.add(Long.toString(p.pid())));
        io.kubejoin.testing.Processes.run(cmd); // some may have exited already: the exit code does not matter
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
