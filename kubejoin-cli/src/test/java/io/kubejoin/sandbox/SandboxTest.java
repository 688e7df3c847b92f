package io.kubejoin.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.inventory.InventoryLoader;
import io.kubejoin.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class SandboxTest {
    @TempDir
    Path dir;

    @Test
    void writesALoadableSandboxInventoryWithDistinctLoopbackAddressesAndHostKeys() throws Exception {
        try (Sandbox s = Sandbox.start(dir, Sandbox.Options.defaults(300))) {
            var inv = InventoryLoader.load(s.inventoryFile());
            assertThat(inv.sandbox()).isTrue();
            assertThat(inv.nodes()).hasSize(300);
            assertThat(inv.nodes().stream().map(n -> n.address()).distinct()).hasSize(300)
                    .allMatch(a -> a.startsWith("127.42.")).noneMatch(a -> a.endsWith(".0") || a.endsWith(".255"));
            assertThat(Files.readAllLines(s.dir().resolve("ssh/known_hosts"))).hasSize(300)
                    .extracting(l -> l.split(" ")[2]).doesNotHaveDuplicates();
            assertThat(Files.getPosixFilePermissions(s.dir().resolve("ssh/id_ed25519"))).hasSize(2);
            assertThat(Files.getPosixFilePermissions(s.dir().resolve("pki/ca-key.pem"))).hasSize(2);
        }
    }

    @Test
    void aSandboxStartedAgainInTheSameFolderStartsFresh() throws Exception {
        try (Sandbox s = Sandbox.start(dir, Sandbox.Options.defaults(1))) {
            assertThat(Cli.kubejoin("join", "-f", s.inventoryFile().toString(), "--plain").exit()).isZero();
        }
        Files.writeString(dir.resolve("notes.txt"), "mine");
        try (Sandbox s = Sandbox.start(dir, Sandbox.Options.defaults(1))) {
            // a new CA: the machine and the join state of the first sandbox are gone, so this join starts over
            assertThat(s.node("node-1").root().resolve("etc/kubernetes/kubelet.kubeconfig")).doesNotExist();
            Cli.Run again = Cli.kubejoin("join", "-f", s.inventoryFile().toString(), "--plain", "-o", "json");
            assertThat(again.exit()).as(again.toString()).isZero();
            assertThat(again.node("node-1").path("changedFiles").size()).isPositive();
        }
        assertThat(dir.resolve("notes.txt")).hasContent("mine");
    }

    /**
     * A kubelet restarted with another release's binary reports that release, as the real one reports the binary it
     * runs (version.Get()); nodeInfo.kubeProxyVersion is cleared from 1.33 (DisableNodeKubeProxyVersion on by
     * default) and kubelet's own version before.
     */
    @Test
    void aKubeletRestartedWithANewBinaryReportsItsRelease() throws Exception {
        try (Sandbox s = Sandbox.start(dir, Sandbox.Options.defaults(1).withVersion("1.34.2").withApiServerVersion("1.35.0"))) {
            Cli.Run join = Cli.kubejoin("join", "-f", s.inventoryFile().toString(), "--kubeconfig",
                    s.adminKubeconfig().toString(), "--plain", "--ready-timeout", "60s");
            assertThat(join.exit()).as(join.toString()).isZero();
            try (var admin = s.api().adminClient()) {
                var info = admin.nodes().withName("node-1").get().getStatus().getNodeInfo();
                assertThat(info.getKubeletVersion()).isEqualTo("v1.34.2");
                assertThat(admin.getKubernetesVersion().getGitVersion()).isEqualTo("v1.35.0");
                String binary = new io.kubejoin.render.NodeFiles(s.inventory().paths()).kubeletBinary();
                Path local = s.node("node-1").root().resolve(binary.substring(1));
                // a 1.35 stand-in as Sandbox writes them, put in place by hand
                Files.writeString(local, "#!/bin/sh\n# kubejoin sandbox stand-in for kubelet v1.35.0: the sandbox simulates it\nexit 1\n");
                assertThat(s.node("node-1").exec("systemctl restart kubelet").exitCode()).isZero();
                long end = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
                String reported = null;
                while (System.nanoTime() < end) {
                    reported = admin.nodes().withName("node-1").get().getStatus().getNodeInfo().getKubeletVersion();
                    if ("v1.35.0".equals(reported)) break;
                    Thread.sleep(100);
                }
                assertThat(reported).as("kubelet restarted with the 1.35.0 binary").isEqualTo("v1.35.0");
                assertThat(info.getKubeProxyVersion()).as("cleared from 1.33").isEmpty();
            }
        }
    }

    @Test
    void beforeOneThirtyThreeKubeletWritesItsOwnVersionAsKubeProxysAndStandInsNameTheirRelease() throws Exception {
        try (Sandbox s = Sandbox.start(dir, Sandbox.Options.defaults(1).withVersion("1.32.4"))) {
            Cli.Run join = Cli.kubejoin("join", "-f", s.inventoryFile().toString(), "--kubeconfig",
                    s.adminKubeconfig().toString(), "--plain", "--ready-timeout", "60s");
            assertThat(join.exit()).as(join.toString()).isZero();
            try (var admin = s.api().adminClient()) {
                assertThat(admin.nodes().withName("node-1").get().getStatus().getNodeInfo().getKubeProxyVersion()).isEqualTo("v1.32.4");
            }
        }
        Sandbox.writeBinaries(dir.resolve("other"), io.kubejoin.version.KubeVersion.parse("1.35.1"));
        assertThat(Sandbox.standInVersion(Files.readString(dir.resolve("other/kubelet")), "kubelet"))
                .contains(io.kubejoin.version.KubeVersion.parse("1.35.1"));
        assertThat(Sandbox.standInVersion(Files.readString(dir.resolve("other/kube-proxy")), "kubelet")).isEmpty();
        assertThat(Sandbox.standInVersion("#!/bin/sh\nexec /opt/kubelet\n", "kubelet")).isEmpty();
    }
}
