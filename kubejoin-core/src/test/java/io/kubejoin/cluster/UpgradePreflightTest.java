package io.kubejoin.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.VersionInfo;
import io.kubejoin.inventory.InvalidInputException;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.InventoryLoader;
import io.kubejoin.inventory.Problem;
import io.kubejoin.util.UserFacingException;
import io.kubejoin.version.KubeVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upgrade preflight against fabric8's mock API server in CRUD mode: kube-apiserver's /version and Nodes whose
 * kubelets report their versions, with the examples/current inventory (workers 1–3) at the target release.
 */
@Timeout(30)
class UpgradePreflightTest {
    final MockCluster cluster = new MockCluster();
    final KubeConnection conn = cluster.connect();
    @TempDir
    Path dir;

    @AfterEach
    void close() {
        conn.close();
        cluster.close();
    }

    Inventory inventory(String target) throws Exception {
        Path pki = Path.of("examples/pki").toAbsolutePath();
        Files.writeString(dir.resolve("inventory.yaml"), Files.readString(Path.of("examples/current/inventory.yaml"))
                .replace("../pki/", pki + "/").replace("kubernetesVersion: \"1.34.2\"", "kubernetesVersion: \"" + target + "\"")
                // nftables exists from 1.29 only; iptables in every release the tests name
                .replace("mode: nftables", "mode: iptables"));
        Inventory inv = InventoryLoader.load(dir.resolve("inventory.yaml"));
        assertThat(inv.kubernetesVersion()).isEqualTo(KubeVersion.parse(target));
        return inv;
    }

    void apiServer(String gitVersion) {
        KubeVersion v = KubeVersion.parse(gitVersion.replaceAll("[-+].*", ""));
        cluster.server.setVersionInfo(new VersionInfo.Builder().withMajor(String.valueOf(v.major()))
                .withMinor(String.valueOf(v.minor())).withGitVersion(gitVersion).build());
    }

    /** A Node as a kubelet registers it; a null version: a Node without nodeInfo. */
    void node(String name, String kubeletVersion) {
        NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).endMetadata();
        if (kubeletVersion != null) {
            b.withNewStatus().withNewNodeInfo().withKubeletVersion(kubeletVersion).withKubeProxyVersion(kubeletVersion)
                    .endNodeInfo().endStatus();
        }
        conn.client().nodes().resource(b.build()).create();
    }

    String file() {
        return dir.resolve("inventory.yaml").toString();
    }

    static List<String> lines(UpgradePreflight.Result r) {
        return r.refusals().stream().map(Problem::format).toList();
    }

    @Test
    void aFleetWithinTheSkewGoesOnNodeByNodeSkippingMinorsWhereThePolicyAllows() throws Exception {
        apiServer("v1.34.3");
        node("worker-1", "v1.33.5");
        node("worker-2", "v1.34.2-eks-4a2c9f1");
        node("worker-3", "v1.31.0");
        UpgradePreflight.Result r = UpgradePreflight.run(conn, inventory("1.34.2"), List.of()).orThrow();

        assertThat(r.apiServer()).isEqualTo(KubeVersion.parse("1.34.3"));
        assertThat(r.steps()).extracting(s -> s.node().name() + " " + s.from() + "->" + s.to() + " drain=" + s.drain()
                        + " changes=" + s.changes())
                .containsExactly("worker-1 1.33.5->1.34.2 drain=true changes=true",
                        // a vendor's build of the release is the release
                        "worker-2 1.34.2->1.34.2 drain=false changes=false",
                        // three minors at once: the policy lets a kubelet go straight to any release within the skew
                        "worker-3 1.31.0->1.34.2 drain=true changes=true");
    }

    @Test
    void aPatchUpgradeNeedsNoDrain() throws Exception {
        apiServer("v1.34.3");
        node("worker-1", "v1.34.0");
        UpgradePreflight.Result r = UpgradePreflight.run(conn, inventory("1.34.2"), List.of("worker-1")).orThrow();
        assertThat(r.steps()).singleElement().satisfies(s -> {
            assertThat(s.drain()).isFalse();
            assertThat(s.changes()).isTrue();
        });
    }

    @Test
    void aTargetNewerThanKubeApiServerIsRefusedWithTheFix() throws Exception {
        apiServer("v1.33.1");
        for (String n : List.of("worker-1", "worker-2", "worker-3")) node(n, "v1.33.1");
        UpgradePreflight.Result r = UpgradePreflight.run(conn, inventory("1.34.2"), List.of());

        assertThat(lines(r)).containsExactly(file() + ":3: kubernetesVersion: kubelet and kube-proxy 1.34.2 would be "
                + "newer than kube-apiserver 1.33.1: the version-skew policy never allows a node newer than the control "
                + "plane — upgrade the control plane to 1.34 first, or set kubernetesVersion to 1.33 or older");
        assertThatThrownBy(r::orThrow).isInstanceOf(InvalidInputException.class)
                .hasMessage(lines(r).get(0));
    }

    @Test
    void threeMinorsBehindIsRefusedBelowA128KubeApiServerAndAllowedFrom128() throws Exception {
        apiServer("v1.27.16");
        node("worker-1", "v1.24.10");
        UpgradePreflight.Result old = UpgradePreflight.run(conn, inventory("1.24.17"), List.of("worker-1"));
        assertThat(lines(old)).containsExactly(file() + ":3: kubernetesVersion: kubelet and kube-proxy 1.24.17 would be "
                + "3 minor releases older than kube-apiserver 1.27.16: the version-skew policy allows 2 behind a 1.27 "
                + "kube-apiserver — set kubernetesVersion to 1.25 or newer (up to 1.27)");

        apiServer("v1.28.0");
        conn.client().nodes().withName("worker-1").delete();
        node("worker-1", "v1.25.3");
        UpgradePreflight.Result n3 = UpgradePreflight.run(conn, inventory("1.25.16"), List.of("worker-1"));
        assertThat(n3.refusals()).isEmpty();
        assertThat(n3.steps()).singleElement().satisfies(s -> assertThat(s.drain()).isFalse());

        UpgradePreflight.Result four = UpgradePreflight.run(conn, inventory("1.24.17"), List.of("worker-1"));
        assertThat(lines(four)).first().asString().contains("4 minor releases older than kube-apiserver 1.28.0: "
                + "the version-skew policy allows 3 behind a 1.28 kube-apiserver — set kubernetesVersion to 1.25 or newer");
    }

    @Test
    void aDowngradeIsRefusedAndSaysSoButABuildSuffixIsNoNewerRelease() throws Exception {
        apiServer("v1.34.3");
        node("worker-1", "v1.34.3");
        node("worker-2", "v1.34.2+k3s1");
        node("worker-3", "v1.33.0");
        UpgradePreflight.Result r = UpgradePreflight.run(conn, inventory("1.34.2"), List.of());

        assertThat(r.refusals()).singleElement().satisfies(p -> {
            assertThat(p.fieldPath()).isEqualTo("nodes[0]");
            assertThat(p.line()).isGreaterThan(3);
            assertThat(p.message()).isEqualTo("worker-1's kubelet runs v1.34.3, newer than kubernetesVersion 1.34.2: "
                    + "that would be a downgrade, which upgrade does not do");
            assertThat(p.fix()).isEqualTo("set kubernetesVersion to 1.34.3 or newer; to run 1.34.2 there, remove the "
                    + "node and join it again");
        });
        assertThat(r.steps()).extracting(s -> s.node().name()).containsExactly("worker-2", "worker-3");
    }

    @Test
    void aNodeThatIsNotJoinedIsToldToJoinFirst() throws Exception {
        apiServer("v1.34.3");
        node("worker-1", "v1.34.2");
        node("worker-2", null);
        UpgradePreflight.Result r = UpgradePreflight.run(conn, inventory("1.34.2"), List.of());

        assertThat(r.refusals()).extracting(Problem::fieldPath).containsExactly("nodes[1]", "nodes[2]");
        assertThat(r.refusals()).extracting(Problem::message).containsExactly(
                "worker-2 is not joined: its Node reports no kubelet version (status.nodeInfo.kubeletVersion is empty: "
                        + "no kubelet has posted its status)",
                "worker-3 is not joined: the cluster has no Node named worker-3");
        assertThat(r.refusals()).extracting(Problem::fix).containsOnly("join it first: kubejoin join -f inventory.yaml");
        assertThat(lines(r)).noneMatch(l -> l.contains("\n"));

        // only the named nodes are asked about
        assertThat(UpgradePreflight.run(conn, inventory("1.34.2"), List.of("worker-1")).refusals()).isEmpty();
        assertThat(lines(UpgradePreflight.run(conn, inventory("1.34.2"), List.of("worker-9"))))
                .containsExactly(file() + ": no node named worker-9 in the inventory — did you mean worker-1?");
    }

    @Test
    void aKubeletVersionThatIsNoReleaseIsNamed() throws Exception {
        apiServer("v1.34.3");
        node("worker-1", "unknown");
        UpgradePreflight.Result r = UpgradePreflight.run(conn, inventory("1.34.2"), List.of("worker-1"));
        assertThat(r.refusals()).singleElement().extracting(Problem::message)
                .isEqualTo("worker-1's Node reports kubelet version 'unknown', which is no Kubernetes release");
    }

    @Test
    void aKubeApiServerWithoutAReadableVersionStopsIt() throws Exception {
        cluster.server.setVersionInfo(new VersionInfo.Builder().withMajor("").withMinor("").withGitVersion("").build());
        Inventory inv = inventory("1.34.2");
        assertThatThrownBy(() -> UpgradePreflight.run(conn, inv, List.of()))
                .isInstanceOf(UserFacingException.class)
                .hasMessageContaining("the version-skew policy cannot be checked");
    }

    @Test
    void thePureCheckNeedsNoCluster() throws Exception {
        Inventory inv = inventory("1.35.0");
        UpgradePreflight.Result r = UpgradePreflight.check(inv, List.of("worker-1"), KubeVersion.parse("1.35.1"),
                Map.of("worker-1", new UpgradePreflight.Reported(true, "v1.32.9")));
        assertThat(r.refusals()).isEmpty();
        assertThat(r.steps()).singleElement().satisfies(s -> assertThat(s.drain()).isTrue());
        // 1.31 is four behind 1.35: the target itself is out of the skew
        assertThat(UpgradePreflight.check(inventory("1.31.0"), List.of("worker-1"), KubeVersion.parse("1.35.1"),
                Map.of("worker-1", new UpgradePreflight.Reported(true, "v1.31.0"))).refusals()).hasSize(1);
    }
}
