package io.kubejoin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubejoin.render.NodeFiles;
import io.kubejoin.sandbox.Sandbox;
import io.kubejoin.sandbox.kubelet.SimulatedKubelet;
import io.kubejoin.testing.Cli;
import io.kubejoin.testing.Cli.Run;
import java.io.StringWriter;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code kubejoin remove} over SSH against a joined sandbox with workloads, budgets, tokens and pending CSRs. */
@Timeout(180)
class RemoveCommandTest {
    @TempDir
    Path dir;
    Sandbox sandbox;
    KubernetesClient admin;

    @AfterEach
    void stop() {
        if (sandbox != null) sandbox.close();
    }

    private List<String> start(int nodes) throws Exception {
        sandbox = Sandbox.start(dir.resolve("sandbox"), Sandbox.Options.defaults(nodes));
        Run join = Cli.kubejoin("join", "-f", sandbox.inventoryFile().toString(), "--kubeconfig",
                sandbox.adminKubeconfig().toString(), "--plain", "--ready-timeout", "60s");
        assertThat(join.exit()).as(join.toString()).isZero();
        admin = sandbox.api().adminClient();
        sandbox.api().workloads().delays(Duration.ofMillis(50), Duration.ofMillis(50), Duration.ofMillis(100));
        return new ArrayList<>(sandbox.nodes().keySet());
    }

    private Run remove(String... args) {
        List<String> a = new ArrayList<>(List.of("remove", "-f", sandbox.inventoryFile().toString(), "--kubeconfig",
                sandbox.adminKubeconfig().toString()));
        a.addAll(List.of(args));
        return Cli.kubejoin(a.toArray(String[]::new));
    }

    /** A bootstrap token for {@code node} and a CSR it filed that nobody approved: returns the token id and CSR name. */
    private String[] tokenAndPendingCsr(String node) throws Exception {
        Run t = Cli.kubejoin("token", "create", "--node", node, "--kubeconfig", sandbox.adminKubeconfig().toString(),
                "-f", sandbox.inventoryFile().toString());
        assertThat(t.exit()).as(t.toString()).isZero();
        String token = t.out().trim();
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        var kp = g.generateKeyPair();
        var req = new JcaPKCS10CertificationRequestBuilder(new X500Name("O=system:nodes,CN=system:node:" + node), kp.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate()));
        StringWriter pem = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(pem)) {
            w.writeObject(req);
        }
        String name = "csr-pending-" + node;
        try (KubernetesClient boot = sandbox.api().clientWithToken(token)) {
            boot.certificates().v1().certificateSigningRequests().resource(new CertificateSigningRequestBuilder()
                    .withNewMetadata().withName(name).endMetadata().withNewSpec()
                    .withRequest(Base64.getEncoder().encodeToString(pem.toString().getBytes()))
                    .withSignerName("kubernetes.io/kube-apiserver-client-kubelet")
                    .withUsages("digital signature", "client auth").endSpec().build()).create();
        }
        return new String[] {token.substring(0, 6), name};
    }

    private boolean tokenExists(String id) {
        return admin.secrets().inNamespace("kube-system").withName("bootstrap-token-" + id).get() != null;
    }

    private boolean csrExists(String name) {
        return admin.certificates().v1().certificateSigningRequests().withName(name).get() != null;
    }




    private Path file(String node, String nodePath) {
        return sandbox.node(node).root().resolve(nodePath.substring(1));
    }

    @Test
    void removesOneNodeDrainedAndLeavesTheOthersAlone() throws Exception {
        List<String> names = start(3);
        String gone = names.get(0);
        sandbox.api().workloads().replicaSet("default", "web", 3, false);
        sandbox.api().workloads().daemonSet("kube-system", "agent");
        ClusterLook.await("workloads running", () -> ClusterLook.running(admin, "web").size() == 3 && ClusterLook.running(admin, "agent").size() == 3);
        String webOnIt = ClusterLook.running(admin, "web").stream().filter(p -> gone.equals(p.getSpec().getNodeName())).findFirst()
                .orElseThrow().getMetadata().getName();
        String agentOnIt = ClusterLook.running(admin, "agent").stream().filter(p -> gone.equals(p.getSpec().getNodeName())).findFirst()
                .orElseThrow().getMetadata().getName();
        String[] mine = tokenAndPendingCsr(gone);
        String[] other = tokenAndPendingCsr(names.get(1));
        NodeFiles paths = new NodeFiles(sandbox.inventory().paths());

        Run r = remove("--drain-timeout", "30s", gone);

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains(gone + ": node/" + gone + " cordoned")
                .contains(gone + ": pod/default/" + webOnIt + " evicted")
                .contains("ignoring DaemonSet-managed pod kube-system/" + agentOnIt)
                .contains("Node " + gone + " deleted")
                .contains("pending CSRs deleted: " + mine[1])
                .containsPattern("(?m)^" + gone + " +removed$");
        assertThat(admin.nodes().withName(gone).get()).isNull();
        // the ReplicaSet's pod was evicted and replaced elsewhere; the DaemonSet's was left to its controller
        ClusterLook.await("web replaced", () -> ClusterLook.running(admin, "web").size() == 3);
        assertThat(ClusterLook.running(admin, "web")).extracting(p -> p.getSpec().getNodeName()).doesNotContain(gone);
        assertThat(admin.pods().inNamespace("kube-system").withName(agentOnIt).get()).as("not evicted").isNotNull();
        // the machine: services stopped, files, binaries and data folders gone
        assertThat(sandbox.node(gone).kubelet().state()).isEqualTo(SimulatedKubelet.State.STOPPED);
        assertThat(file(gone, "/etc/systemd/system/kubelet.service")).doesNotExist();
        assertThat(file(gone, "/etc/systemd/system/kube-proxy.service")).doesNotExist();
        assertThat(file(gone, paths.kubeletKubeconfig())).doesNotExist();
        assertThat(file(gone, paths.kubeProxyConfig())).doesNotExist();
        assertThat(file(gone, paths.kubeletBinary())).doesNotExist();
        assertThat(file(gone, paths.kubeletRootDir())).doesNotExist();
        // the cluster: that node's token and pending CSR gone, the other node's kept
        assertThat(tokenExists(mine[0])).isFalse();
        assertThat(csrExists(mine[1])).isFalse();
        assertThat(tokenExists(other[0])).isTrue();
        assertThat(csrExists(other[1])).isTrue();
        for (String n : names.subList(1, names.size())) {
            assertThat(admin.nodes().withName(n).get()).as(n).isNotNull();
            assertThat(ClusterLook.unschedulable(admin, n)).as(n).isFalse();
            assertThat(file(n, "/etc/systemd/system/kubelet.service")).as(n).exists();
            assertThat(file(n, paths.kubeletBinary())).as(n).exists();
            assertThat(sandbox.node(n).kubelet().state()).as(n).isNotEqualTo(SimulatedKubelet.State.STOPPED);
        }
    }

    @Test
    void aBudgetThatBlocksStopsTheNodeCordonedWithNothingRemoved() throws Exception {
        List<String> names = start(2);
        String node = names.get(0);
        sandbox.api().workloads().replicaSet("default", "web", 2, false);
        sandbox.api().workloads().podDisruptionBudget("default", "web-pdb", "web", "2", null);
        ClusterLook.await("workloads running", () -> ClusterLook.running(admin, "web").size() == 2);
        ClusterLook.await("web on " + node, () -> ClusterLook.running(admin, "web").stream().anyMatch(p -> node.equals(p.getSpec().getNodeName())));

        long t0 = System.nanoTime();
        Run r = remove("--drain-timeout", "2s", node);

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains(node + ": FAILED: drain of node " + node + " did not finish within 2 s")
                .contains("web-pdb").contains("the node stays cordoned").contains("nothing was removed")
                .containsPattern("(?m)^" + node + " +FAILED");
        assertThat(admin.nodes().withName(node).get()).isNotNull();
        assertThat(ClusterLook.unschedulable(admin, node)).isTrue();
        assertThat(file(node, "/etc/systemd/system/kubelet.service")).exists();
        assertThat(sandbox.node(node).kubelet().state()).isNotEqualTo(SimulatedKubelet.State.STOPPED);
    }

    @Test
    void anUnreachableNodeFailsUnlessForcedThenOnlyTheClusterForgetsIt() throws Exception {
        List<String> names = start(2);
        String node = names.get(0);
        String[] mine = tokenAndPendingCsr(node);

        Run typo = remove(node + "x");
        assertThat(typo.exit()).as(typo.toString()).isEqualTo(2);
        assertThat(typo.err()).contains("'" + node + "x' is not a node of").contains("did you mean '" + node + "'?").contains("nothing was changed");

        sandbox.ssh().setUnreachable(sandbox.node(node).address(), true);
        Run refused = remove(node);
        assertThat(refused.exit()).as(refused.toString()).isEqualTo(1);
        assertThat(refused.out()).contains(node + ": FAILED: cannot reach the node over SSH").contains("nothing was changed")
                .contains("--force");
        assertThat(admin.nodes().withName(node).get()).isNotNull();
        assertThat(ClusterLook.unschedulable(admin, node)).isFalse();
        assertThat(tokenExists(mine[0])).isTrue();
        assertThat(csrExists(mine[1])).isTrue();

        Run forced = remove("--force", node);
        assertThat(forced.exit()).as(forced.toString()).isZero();
        assertThat(admin.nodes().withName(node).get()).isNull();
        assertThat(tokenExists(mine[0])).isFalse();
        assertThat(csrExists(mine[1])).isFalse();
        assertThat(forced.out()).contains(node + ": stays: the files kubejoin installed: ")
                .contains("/etc/systemd/system/kubelet.service").contains(node + ": stays: kubelet and kube-proxy, enabled")
                .contains("removed from the cluster only");
        assertThat(file(node, "/etc/systemd/system/kubelet.service")).as("the machine was not touched").exists();
        assertThat(admin.nodes().withName(names.get(1)).get()).isNotNull();
    }
}
