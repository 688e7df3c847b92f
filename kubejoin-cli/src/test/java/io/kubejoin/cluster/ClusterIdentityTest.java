package io.kubejoin.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.pki.Certificates;
import io.kubejoin.sandbox.Sandbox;
import io.kubejoin.testing.Cli;
import io.kubejoin.testing.Cli.Run;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * Two sandbox clusters; the admin kubeconfig of one, the inventory of the other: every command that uses both
 * refuses with exit 2 before writing anything, and names both servers and both CA fingerprints.
 */
@Timeout(240)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterIdentityTest {
    Sandbox ours;
    Sandbox other;

    @BeforeAll
    void start(@TempDir Path dir) throws IOException {
        ours = Sandbox.start(dir.resolve("ours"), Sandbox.Options.defaults(1));
        other = Sandbox.start(dir.resolve("other"), Sandbox.Options.defaults(1));
    }

    @AfterAll
    void stop() {
        if (ours != null) ours.close();
        if (other != null) other.close();
    }

    private static String fingerprint(Sandbox s) {
        return Certificates.sha256Fingerprint(s.api().ca().certificate());
    }

    @Tag("hostile")
    @Test
    void wrongKubeconfigIsRefusedByEveryCommandAndNothingIsCreatedInEitherCluster() {
        List<String> oursBefore = ours.api().storedObjects();
        List<String> otherBefore = other.api().storedObjects();
        List<String> filesBefore = files(ours.node("node-1").root());
        String inv = ours.inventoryFile().toString();
        String wrong = other.adminKubeconfig().toString();
        List<List<String>> commands = List.of(
                List.of("join", "-f", inv, "--kubeconfig", wrong, "--plain"),
                List.of("preflight", "-f", inv, "--kubeconfig", wrong),
                List.of("status", "-f", inv, "--kubeconfig", wrong),
                List.of("reset", "node-1", "-f", inv, "--kubeconfig", wrong, "--no-wait"),
                List.of("approve", "--once", "-f", inv, "--kubeconfig", wrong),
                List.of("token", "create", "--node", "node-1", "-f", inv, "--kubeconfig", wrong));
        for (List<String> args : commands) {
            Run r = Cli.kubejoin(args.toArray(String[]::new));
            assertThat(r.exit()).as(args + ": " + r.out() + r.err()).isEqualTo(2);
            assertThat(r.err()).as(args.get(0))
                    .contains("do not reach the inventory's cluster").contains("nothing was changed")
                    .contains(other.api().url()).contains(ours.api().url())
                    .contains(fingerprint(other)).contains(fingerprint(ours))
                    .contains("refused a client certificate issued by pki.caCert (401 Unauthorized)");
            assertThat(r.out()).as(args.get(0)).doesNotContain("missing").doesNotContain("kubejoin reset");
        }
        // listed, so that a failure shows what was created where
        assertThat(ours.api().storedObjects()).isEqualTo(oursBefore);
        assertThat(other.api().storedObjects()).isEqualTo(otherBefore);
        assertThat(files(ours.node("node-1").root())).isEqualTo(filesBefore);
    }

    private static List<String> files(Path root) {
        try (var walk = Files.walk(root)) {
            return walk.map(p -> root.relativize(p).toString()).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void rightKubeconfigPasses() {
        Run r = Cli.kubejoin("preflight", "-f", ours.inventoryFile().toString(), "--kubeconfig", ours.adminKubeconfig().toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.err()).doesNotContain("warning");
    }

    @Tag("hostile")
    @Test
    void inventoryApiServerWhoseCertificateTheCaDoesNotVerifyIsRefused() throws IOException {
        // our kubeconfig and CA, but apiServer is the other cluster: the nodes would be sent there
        Path inv = ours.dir().resolve("mixed.yaml");
        Files.writeString(inv, Files.readString(ours.inventoryFile())
                .replace("apiServer: " + ours.api().url(), "apiServer: " + other.api().url())); // beside the sandbox's own: the same relative paths
        List<String> before = other.api().storedObjects();
        Run r = Cli.kubejoin("preflight", "-f", inv.toString(), "--kubeconfig", ours.adminKubeconfig().toString());
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err()).contains("the inventory's apiServer " + other.api().url())
                .contains("presents a serving certificate that pki.caCert does not verify");
        assertThat(other.api().storedObjects()).isEqualTo(before);
    }

    @Test
    void unreachableInventoryApiServerIsAWarningWhenTheKubeconfigServerProvedItself() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Path inv = ours.dir().resolve("vip.yaml");
        Files.writeString(inv, Files.readString(ours.inventoryFile())
                .replace("apiServer: " + ours.api().url(), "apiServer: https://127.0.0.1:" + port)); // beside the sandbox's own: the same relative paths
        Run r = Cli.kubejoin("preflight", "-f", inv.toString(), "--kubeconfig", ours.adminKubeconfig().toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.err()).contains("warning: could not reach the inventory's apiServer https://127.0.0.1:" + port);
    }
}
