package io.kubejoin.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.bench.OpenSshNode;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.InventoryLoader;
import io.kubejoin.join.Join;
import io.kubejoin.join.JoinRunner;
import io.kubejoin.join.Plan;
import io.kubejoin.render.RenderedFile;
import io.kubejoin.render.Renderer;
import io.kubejoin.sandbox.api.SandboxApiServer;
import io.kubejoin.state.RenderInputs;
import io.kubejoin.state.StateStore;
import io.kubejoin.util.SecureFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The join over real SSH: Debian's OpenSSH sshd per node on 127.0.0.1, each in its own mount namespace so the
 * absolute destinations (/etc/kubernetes, /etc/systemd/system, /opt/k8s) really land — in that node's overlay, never
 * on this machine — with systemctl/modprobe shims. The cluster side is the sandbox API server; the phases that need
 * a running kubelet (wait-ready, verify) and the checks of the host (node-preflight) are skipped here.
 */
@Timeout(180)
class JoinOverOpenSshTest {
    static final Set<String> NO_KUBELET = Set.of("node-preflight", "wait-ready", "verify");

    @TempDir
    Path dir;
    final List<OpenSshNode> nodes = new ArrayList<>();
    SandboxApiServer sandbox;
    KubeConnection conn;
    SshConnector ssh;
    Inventory inv;
    final List<String> progress = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        OpenSshRequirements.requireSshd();
        OpenSshRequirements.requireIsolation();
        Path key = TestKeys.generate(Files.createDirectories(dir.resolve("keys")), "ed25519", "");
        for (int i = 1; i <= 3; i++) {
            nodes.add(OpenSshNode.isolated(Files.createDirectories(dir.resolve("node-" + i)), List.of(Path.of(key + ".pub"))));
        }
        Path knownHosts = OpenSshInventory.writeKnownHosts(dir, nodes);
        Path bin = OpenSshInventory.standInBinaries(dir);
        sandbox = SandboxApiServer.start(SandboxApiServer.Options.defaults().withGitVersion("v1.33.4"));
        OpenSshInventory.write(dir, sandbox.url(), OpenSshInventory.keySsh(key, knownHosts), bin,
                OpenSshInventory.nodesOnLoopback(nodes));
        inv = InventoryLoader.load(dir.resolve("inventory.yaml"));
        Path kubeconfig = dir.resolve("admin.kubeconfig");
        sandbox.writeAdminKubeconfig(kubeconfig);
        conn = KubeConnection.open(kubeconfig, Duration.ofSeconds(10));
        ssh = new SshConnector(SshOptions.defaults());
    }

    @AfterEach
    void stop() throws Exception {
        if (ssh != null) ssh.close();
        if (conn != null) conn.close();
        if (sandbox != null) sandbox.close();
        for (OpenSshNode n : nodes) n.close();
    }

    private Join.Outcome join() throws InterruptedException {
        Join.Settings settings = new Join.Settings(NO_KUBELET, new JoinRunner.Options(8, 1, Duration.ofMillis(100), false),
                Duration.ofSeconds(30), false, Duration.ofDays(365));
        return Join.run(inv, conn, new StateStore(dir.resolve("state")), node -> ssh.open(SshTarget.of(node)), settings,
                Clock.systemUTC(), line -> { synchronized (progress) { progress.add(line); } });
    }

    @Test
    void joinLandsEveryFileOnEachNodeThenReRunAndPlanChangeNothing() throws Exception {
        Join.Outcome first = join();
        assertThat(first.allJoined()).as(String.join("\n", progress)).isTrue();
        for (OpenSshNode n : nodes) {
            Path root = n.root();
            assertThat(root.resolve("etc/kubernetes/kubelet-config.yaml")).exists();
            assertThat(SecureFiles.mode(root.resolve("etc/kubernetes/kubelet-bootstrap.kubeconfig"))).isEqualTo(0600);
            assertThat(SecureFiles.mode(root.resolve("etc/kubernetes/cert/kube-proxy-key.pem"))).isEqualTo(0600);
            assertThat(root.resolve("etc/systemd/system/kubelet.service")).exists();
            assertThat(root.resolve("etc/modules-load.d/kubejoin-kube-proxy.conf")).exists();
            assertThat(SecureFiles.mode(root.resolve("opt/k8s/bin/kubelet"))).isEqualTo(0755);
            assertThat(n.shimLog()).contains("systemctl restart kubelet", "systemctl restart kube-proxy",
                    "systemctl enable kubelet");
        }
        // the nodes' changes stayed in their namespaces
        assertThat(Path.of("/etc/kubernetes")).doesNotExist();
        assertThat(Path.of("/opt/k8s")).doesNotExist();

        progress.clear();
        Join.Outcome second = join();
        assertThat(second.allJoined()).as(String.join("\n", progress)).isTrue();
        assertThat(second.nodes()).allSatisfy(r -> assertThat(r.changed()).as(r.node() + " " + r.phases()).isFalse());
        for (OpenSshNode n : nodes) {
            assertThat(n.shimLog().stream().filter(l -> l.startsWith("systemctl restart"))).hasSize(2);
        }

        RenderInputs.Prepared in = RenderInputs.prepare(inv, new StateStore(dir.resolve("state")), Instant.now(),
                new SecureRandom());
        Map<String, List<RenderedFile>> files = Renderer.render(inv, in.material(), in.tokens()).byNode();
        assertThat(Plan.plan(inv, files, node -> ssh.open(SshTarget.of(node)), 4))
                .allSatisfy(p -> {
                    assertThat(p.error()).as(p.node()).isNull();
                    assertThat(p.pending()).as(p.node() + " " + p).isFalse();
                });
    }

    @Test
    void theConnectionUsesCurve25519() throws Exception {
        try (SshTransport t = ssh.open(SshTarget.of(inv.nodes().get(0)))) {
            assertThat(t.negotiated()).hasValueSatisfying(n -> assertThat(n.kex()).isEqualTo("curve25519-sha256"));
        }
    }
}
