package io.kubejoin.cli;

import io.kubejoin.util.ExitCodes;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.testing.Processes;
import io.kubejoin.util.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * {@code kubejoin render} in a child JVM, as a user runs it: a heap far smaller than all nodes' files together (the
 * render streams node by node), a umask of 000 (folders holding secrets are 0700 all the same), and a heap too small
 * for anything (one line with the fix). Not timed: memory figures are in scripts/measure-render-memory.sh.
 */
@Tag("hostile")
class RenderInSmallHeapTest {
    private static final int NODES = 2000;

    @TempDir
    Path tmp;
    Path inventory;

    @BeforeEach
    void inventory() throws IOException {
        for (String f : List.of("ca.pem", "ca-key.pem", "ca-config.json")) Files.copy(Path.of("examples/pki", f), tmp.resolve(f));
        StringBuilder y = new StringBuilder("""
                kubernetesVersion: "1.34.2"
                apiServer: https://10.0.0.10:6443
                pki: { caCert: ca.pem, caKey: ca-key.pem, caConfig: ca-config.json, profile: kubernetes }
                runtime: containerd
                nodes:
                """);
        for (int i = 1; i <= NODES; i++) {
            y.append("  - { name: worker-").append(i).append(", address: 10.200.").append(i / 256).append('.').append(i % 256).append(" }\n");
        }
        inventory = Files.writeString(tmp.resolve("inventory.yaml"), y);
    }

    private Processes.Result render(String heap, Path out) {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "umask 000 && exec \"$0\" \"$@\"",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + heap, "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "render", "-f", inventory.toString(), "-o", out.toString()));
        return Processes.run(cmd, Duration.ofMinutes(10));
    }

    @Test
    void twoThousandNodesRenderInA48MiBHeapUnderUmask000WithPrivateFolders() throws Exception {
        Path out = tmp.resolve("out");
        Processes.Result r = render("48m", out);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stdout()).contains("Rendered " + (NODES * 10) + " files for " + NODES + " node(s)");
        // umask 000 would have made these 0777 and the secrets' folders open to planting
        for (Path d : List.of(out, out.resolve("worker-1"), out.resolve("worker-1/etc/kubernetes"),
                out.resolve("worker-" + NODES + "/etc/kubernetes/cert"), out.resolve("cluster"),
                tmp.resolve(".kubejoin"), tmp.resolve(".kubejoin/inventory"))) {
            assertThat(SecureFiles.mode(d)).as(d.toString()).isEqualTo(0700);
        }
        assertThat(SecureFiles.mode(out.resolve("worker-1/etc/kubernetes/kubelet-bootstrap.kubeconfig"))).isEqualTo(0600);
        assertThat(SecureFiles.mode(out.resolve("worker-1/etc/kubernetes/kubelet-config.yaml"))).isEqualTo(0644);
        assertThat(SecureFiles.mode(tmp.resolve(".kubejoin/inventory/tokens.json"))).isEqualTo(0600);
        assertThat(SecureFiles.mode(tmp.resolve(".kubejoin/inventory/kube-proxy-key.pem"))).isEqualTo(0600);
    }

    @Test
    void aHeapTooSmallEndsInOneLineWithTheFix() {
        Processes.Result r = render("8m", tmp.resolve("out"));
        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILED);
        assertThat(r.stderr()).hasLineCount(1).startsWith("kubejoin: out of memory (heap ")
                .contains("KUBEJOIN_JAVA_OPTS=-Xmx").doesNotContain("\tat ");
    }
}
