package io.kubejoin.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kubejoin.bench.OpenSshNode;
import io.kubejoin.util.SecureFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * sudo with a password (--ask-become-pass / KUBEJOIN_BECOME_PASSWORD) against Debian's real sshd and real sudo: the
 * node is an isolated sshd whose overlaid /etc has a user "deploy" whose sudo wants its password, and a user "ops"
 * with NOPASSWD. Both exist only in that node's mount namespace.
 */
@Timeout(90)
class SudoPasswordOpenSshTest {
    static final Duration T = Duration.ofSeconds(20);
    static final String PASSWORD = "correct horse 'battery' $staple";

    @TempDir
    static Path base;
    static OpenSshNode node;
    static Path key;
    static Path knownHosts;

    @BeforeAll
    static void start() throws Exception {
        OpenSshRequirements.requireSshd();
        OpenSshRequirements.requireIsolation();
        OpenSshRequirements.requireSudo();
        key = TestKeys.generate(Files.createDirectories(base.resolve("keys")), "ed25519", "");
        Path dir = Files.createDirectories(base.resolve("node"));
        OpenSshNode.addUser(dir, "deploy", 23450, PASSWORD, "deploy ALL=(ALL:ALL) ALL");
        OpenSshNode.addUser(dir, "ops", 23451, "unused-ops-password", "ops ALL=(ALL:ALL) NOPASSWD: ALL");
        node = OpenSshNode.isolated(dir, List.of(Path.of(key + ".pub")));
        knownHosts = Files.writeString(base.resolve("known_hosts"), node.knownHostsLine());
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) node.close();
    }

    static SshTarget as(String user) {
        return new SshTarget("127.0.0.1", node.port, user, key, knownHosts);
    }

    static Supplier<String> counting(String password, AtomicInteger asked) {
        return () -> {
            asked.incrementAndGet();
            return password;
        };
    }

    @Test
    void theBecomePasswordOpensSudoAndNeverReachesTheCommandsStdin() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        try (SshConnector c = new SshConnector(SshOptions.defaults().withAgentSocket(null)
                .withBecomePassword(counting(PASSWORD, asked)));
                SshTransport t = c.open(as("deploy"))) {
            ExecResult id = t.exec("id -u; cat", T); // cat: whatever is left on stdin would show here
            assertThat(id.stdout()).isEqualTo("0\n");
            // a push's bytes travel on stdin after the password line: they land exactly, as root, 0600
            byte[] content = "apiVersion: v1\nkind: Config\n".getBytes();
            String dest = "/etc/kubernetes/bootstrap.kubeconfig";
            assertThat(t.push(List.of(new RemoteFile(dest, 0600, content))).changed()).containsExactly(dest);
            Path landed = node.root().resolve("etc/kubernetes/bootstrap.kubeconfig");
            assertThat(Files.readAllBytes(landed)).isEqualTo(content);
            assertThat(SecureFiles.mode(landed)).isEqualTo(0600);
            assertThat(Files.getOwner(landed).getName()).isEqualTo("root");
            assertThat(t.exec("id -u", T).stdout()).isEqualTo("0\n");
        }
        assertThat(asked).as("asked once, however many commands").hasValue(1);
        assertThat(node.log()).doesNotContain(PASSWORD);
    }

    @Tag("hostile")
    @Test
    void aWrongPasswordFailsTheNodeOnceWithSudosReason() throws Exception {
        String wrong = "not-the-password";
        try (SshConnector c = new SshConnector(SshOptions.defaults().withAgentSocket(null)
                .withBecomePassword(() -> wrong));
                SshTransport t = c.open(as("deploy"))) {
            long start = System.nanoTime();
            TransportException e = assertThrows(TransportException.class, () -> t.exec("true", T));
            assertThat(e.getMessage()).contains("sudo: incorrect password for user deploy").doesNotContain(wrong);
            assertThat(e.kind()).isEqualTo(TransportException.Kind.REMOTE_FAILURE);
            assertThat(e.isTransient()).as("no retries").isFalse();
            // one attempt: PAM's delay after a failure is about 2 s; three attempts would take 6 s or more
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
        }
    }

    @Test
    void withoutAPasswordTheMessageSaysHowToGiveOne() throws Exception {
        try (SshConnector c = new SshConnector(SshOptions.defaults().withAgentSocket(null));
                SshTransport t = c.open(as("deploy"))) {
            TransportException e = assertThrows(TransportException.class, () -> t.push(List.of(
                    new RemoteFile("/etc/kubernetes/x.yaml", 0644, "a: 1\n".getBytes()))));
            assertThat(e.getMessage()).contains("--ask-become-pass").contains(SshOptions.BECOME_PASSWORD_ENV);
            assertThat(t.exec("id -u", T).ok()).isFalse(); // sudo -n: refused, never prompts
        }
    }

    @Test
    void aNopasswdNodeKeepsSudoNAndNeverAsks() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        List<String> seen = new ArrayList<>();
        try (SshConnector c = new SshConnector(SshOptions.defaults().withAgentSocket(null)
                .withBecomePassword(counting(PASSWORD, asked)));
                SshTransport t = c.open(as("ops"))) {
            seen.add(t.exec("id -u", T).stdout());
        }
        assertThat(seen).containsExactly("0\n");
        assertThat(asked).hasValue(0);
    }
}
