package io.kubejoin.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.version.KubeVersion;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InventoryLoaderTest {
    private static final Path HOME = Path.of(System.getProperty("user.home"));

    /** An inventory's ssh section: the fields it wrote, and this machine's ~/.ssh/config when it has one. */
    private static Ssh ssh(String user, int port, Path identity, Path knownHosts, java.util.Set<String> written) {
        Path config = HOME.resolve(".ssh/config");
        return new Ssh(user, port, identity, knownHosts, null, java.nio.file.Files.isRegularFile(config) ? config : null,
                written);
    }

    static Path resource(String name) {
        try {
            return Path.of(InventoryLoaderTest.class.getResource("/inventory/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void fullInventoryLoadsEveryFieldAsWritten() {
        Path file = resource("full.yaml");
        Path dir = file.getParent();
        Inventory inv = InventoryLoader.load(file);

        assertThat(inv.source()).isEqualTo(file);
        assertThat(inv.kubernetesVersion()).isEqualTo(new KubeVersion(1, 32, 4));
        assertThat(inv.apiServer()).isEqualTo(URI.create("https://192.168.0.107:6443"));
        assertThat(inv.kubeconfig()).isEqualTo(dir.resolve("admin.kubeconfig"));
        assertThat(inv.pki()).isEqualTo(new Pki(dir.resolve("pki/ca.pem"), dir.resolve("pki/ca-key.pem"),
                dir.resolve("pki/ca-config.json"), "kubernetes", dir.resolve("pki/kube-proxy-csr.json")));
        assertThat(inv.network()).isEqualTo(new Network("172.30.0.0/16", "10.254.0.0/16", List.of("10.254.0.2"),
                "cluster.local"));
        assertThat(inv.paths()).isEqualTo(new NodePaths("/opt/k8s/bin", "/data/k8s/k8s", "/etc/kubernetes",
                "/etc/kubernetes/cert"));
        assertThat(inv.runtime()).isEqualTo(ContainerRuntime.containerd());
        assertThat(inv.kubelet().config()).containsExactly(
                Map.entry("maxPods", 220),
                Map.entry("serializeImagePulls", false),
                Map.entry("evictionHard", Map.of("memory.available", "100Mi", "nodefs.available", "10%")),
                Map.entry("enforceNodeAllocatable", List.of("pods")));
        assertThat(inv.kubelet().flags()).containsExactly(Map.entry("lock-file", "/var/run/kubelet.lock"));
        assertThat(inv.kubelet().verbosity()).isEqualTo(2);
        assertThat(inv.kubeProxy().mode()).isEqualTo(ProxyMode.IPVS);
        assertThat(inv.kubeProxy().ipvsScheduler()).isEqualTo("rr");
        assertThat(inv.kubeProxy().config()).isEqualTo(Map.of("clientConnection", Map.of("qps", 100, "burst", 200)));
        assertThat(inv.kubeProxy().verbosity()).isEqualTo(3);
        assertThat(inv.apiServerKubeletUser()).isEqualTo("kubernetes-api");
        assertThat(inv.bootstrap()).isEqualTo(new Bootstrap(Duration.ofMinutes(30), "kubejoin"));
        assertThat(inv.ssh()).isEqualTo(ssh("root", 22, HOME.resolve(".ssh/id_ed25519"),
                dir.resolve("keys/known_hosts"), java.util.Set.of("user", "port", "identityFile", "knownHosts")));
        assertThat(inv.sandbox()).isFalse();

        assertThat(inv.nodes()).extracting(Node::name, Node::address, Node::index)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("slave", "192.168.0.114", 0),
                        org.assertj.core.groups.Tuple.tuple("worker-2", "192.168.0.115", 1));
        Node slave = inv.nodes().get(0);
        assertThat(slave.labels()).containsExactly(Map.entry("disktype", "ssd"),
                Map.entry("node.kubernetes.io/pool", "infra"));
        assertThat(slave.taints()).containsExactly(new Taint("dedicated", "infra", "NoSchedule"));
        assertThat(slave.ssh()).isEqualTo(ssh("admin", 2222, HOME.resolve(".ssh/id_ed25519"),
                dir.resolve("keys/known_hosts"), java.util.Set.of("user", "port", "identityFile", "knownHosts")));
    }

    @Test
    void fieldLinesAreRecorded() {
        Inventory inv = InventoryLoader.load(resource("full.yaml"));
        SourceLocations at = inv.locations();
        assertThat(at.lineOf("kubernetesVersion")).isEqualTo(2);
        assertThat(at.lineOf("network.serviceCIDR")).isEqualTo(13);
        assertThat(at.lineOf("network.clusterDNS[0]")).isEqualTo(14);
        assertThat(at.lineOf("kubelet.config.maxPods")).isEqualTo(24);
        assertThat(at.lineOf("kubelet.config.evictionHard[\"memory.available\"]")).isEqualTo(27);
        assertThat(at.lineOf("nodes[0]")).isEqualTo(52);
        assertThat(at.lineOf("nodes[1].address")).isEqualTo(74);
        assertThat(at.lineOf("nodes[0].labels[\"node.kubernetes.io/pool\"]")).isEqualTo(56);
        assertThat(at.lineOf("nodes[0].taints[0].effect")).isEqualTo(58);
    }

    @Test
    void perNodeOverridesDeepMergeOverClusterWideOnes() {
        Inventory inv = InventoryLoader.load(resource("full.yaml"));
        Node slave = inv.nodes().get(0);
        // node wins, nested maps merge key by key, cluster-wide keys the node does not touch stay, in order
        assertThat(slave.kubelet().config()).containsExactly(
                Map.entry("maxPods", 110),
                Map.entry("serializeImagePulls", false),
                Map.entry("evictionHard", Map.of("memory.available", "200Mi", "nodefs.available", "10%")),
                Map.entry("enforceNodeAllocatable", List.of("pods")));
        assertThat(slave.kubelet().flags()).containsExactly(Map.entry("lock-file", "/var/run/kubelet.lock"),
                Map.entry("node-ip", "192.168.0.114"));
        assertThat(slave.kubeProxy().config()).isEqualTo(Map.of("clientConnection", Map.of("qps", 50, "burst", 200)));
        assertThat(slave.kubeProxy().mode()).isEqualTo(ProxyMode.IPVS);
        assertThat(slave.kubeProxy().verbosity()).isEqualTo(3);
        // the cluster-wide maps are not changed by the merge
        assertThat(inv.kubelet().config().get("maxPods")).isEqualTo(220);
        assertThat(inv.kubeProxy().config()).isEqualTo(Map.of("clientConnection", Map.of("qps", 100, "burst", 200)));

        Node plain = inv.nodes().get(1);
        assertThat(plain.kubelet().config()).isEqualTo(inv.kubelet().config());
        assertThat(plain.kubeProxy().config()).isEqualTo(inv.kubeProxy().config());
        assertThat(plain.ssh()).isEqualTo(inv.ssh());
        assertThat(plain.labels()).isEmpty();
        assertThat(plain.taints()).isEmpty();
    }

    @Test
    void nullInANodeOverrideRemovesTheClusterWideKey(@TempDir Path dir) {
        Inventory inv = InventoryLoader.load(InventoryFiles.write(dir, """
                kubernetesVersion: "1.32.4"
                apiServer: https://192.168.0.107:6443
                pki: { caCert: ca.pem, caKey: ca-key.pem }
                kubelet:
                  config: { maxPods: 220, featureGates: { A: true, B: false } }
                nodes:
                  - name: slave
                    address: 192.168.0.114
                    kubelet:
                      config: { maxPods: null, featureGates: { B: true } }
                      verbosity: 4
                """));
        Node node = inv.nodes().get(0);
        assertThat(node.kubelet().config()).containsExactly(Map.entry("featureGates", Map.of("A", true, "B", true)));
        assertThat(node.kubelet().verbosity()).isEqualTo(4);
        assertThat(inv.kubelet().verbosity()).isEqualTo(2);
    }

    @Test
    void minimalInventoryGetsEveryDefault() {
        Path file = resource("minimal.yaml");
        Path dir = file.getParent();
        Inventory inv = InventoryLoader.load(file);

        assertThat(inv.kubernetesVersion()).isEqualTo(new KubeVersion(1, 32, 0));
        assertThat(inv.kubeconfig()).isEqualTo(HOME.resolve(".kube/config"));
        assertThat(inv.pki()).isEqualTo(new Pki(dir.resolve("pki/ca.pem"), dir.resolve("pki/ca-key.pem"), null,
                "kubernetes", null));
        assertThat(inv.network()).isEqualTo(new Network("172.30.0.0/16", "10.254.0.0/16", List.of("10.254.0.2"),
                "cluster.local"));
        assertThat(inv.paths()).isEqualTo(new NodePaths("/opt/k8s/bin", "/data/k8s/k8s", "/etc/kubernetes",
                "/etc/kubernetes/cert"));
        assertThat(inv.runtime()).isEqualTo(new ContainerRuntime(ContainerRuntime.Kind.CONTAINERD,
                "unix:///run/containerd/containerd.sock"));
        assertThat(inv.kubelet()).isEqualTo(new KubeletSpec(Map.of(), Map.of(), 2));
        assertThat(inv.kubeProxy()).isEqualTo(new KubeProxySpec(ProxyMode.IPVS, "rr", Map.of(), 2));
        assertThat(inv.apiServerKubeletUser()).isEqualTo("kubernetes-api");
        assertThat(inv.bootstrap()).isEqualTo(new Bootstrap(Duration.ofHours(1), "kubejoin"));
        assertThat(inv.bootstrap().extraGroup()).isEqualTo("system:bootstrappers:kubejoin");
        Ssh ssh = ssh("root", 22, HOME.resolve(".ssh/id_ed25519"), HOME.resolve(".ssh/known_hosts"), java.util.Set.of());
        assertThat(inv.ssh()).isEqualTo(ssh);
        assertThat(inv.sandbox()).isFalse();
        assertThat(inv.nodes()).containsExactly(new Node("slave", "192.168.0.114", 0, Map.of(), List.of(),
                new KubeletSpec(Map.of(), Map.of(), 2), new KubeProxySpec(ProxyMode.IPVS, "rr", Map.of(), 2), ssh));
    }

    @Test
    void localPathsResolveAgainstTheInventoryFolderAndExpandTilde(@TempDir Path dir) throws Exception {
        Path sub = Files.createDirectories(dir.resolve("cluster"));
        Files.createDirectories(dir.resolve("shared"));
        Files.writeString(dir.resolve("shared/ca.pem"), "placeholder");
        Files.writeString(sub.resolve("ca-key.pem"), "placeholder");
        Path abs = dir.resolve("abs-config.json");
        Files.writeString(abs, "{}");
        Path file = sub.resolve("inventory.yaml");
        Files.writeString(file, """
                kubernetesVersion: "1.32.4"
                apiServer: https://192.168.0.107:6443
                kubeconfig: ~/admin.conf
                pki: { caCert: ../shared/ca.pem, caKey: ./ca-key.pem, caConfig: %s }
                ssh: { identityFile: keys/id_rsa, knownHosts: "~" }
                nodes:
                  - name: slave
                    address: 192.168.0.114
                    ssh: { identityFile: ~/.ssh/slave_key }
                """.formatted(abs));
        Inventory inv = InventoryLoader.load(file);
        assertThat(inv.kubeconfig()).isEqualTo(HOME.resolve("admin.conf"));
        assertThat(inv.pki().caCert()).isEqualTo(dir.resolve("shared/ca.pem"));
        assertThat(inv.pki().caKey()).isEqualTo(sub.resolve("ca-key.pem"));
        assertThat(inv.pki().caConfig()).isEqualTo(abs);
        assertThat(inv.ssh().identityFile()).isEqualTo(sub.resolve("keys/id_rsa"));
        assertThat(inv.ssh().knownHosts()).isEqualTo(HOME);
        assertThat(inv.nodes().get(0).ssh().identityFile()).isEqualTo(HOME.resolve(".ssh/slave_key"));
        assertThat(inv.nodes().get(0).ssh().knownHosts()).isEqualTo(HOME);
    }

    @Test
    void versionProblemsAreAddedUnlessTheSameFieldWasAlreadyReported() {
        Path f = Path.of("inventory.yaml");
        List<Problem> ours = new java.util.ArrayList<>(List.of(
                new Problem(f, 7, "runtime", "docker cannot be used", "use containerd")));
        InventoryLoader.addVersionProblems(ours, List.of(
                new Problem(f, 7, "runtime", "dockershim was removed", "cri-dockerd"),
                new Problem(f, 9, "kubelet.config.maxPodz", "not a field", "did you mean maxPods?"),
                new Problem(f, 9, "kubelet.config.maxPodz", "not a field", "did you mean maxPods?")));
        assertThat(ours).extracting(Problem::message)
                .containsExactly("docker cannot be used", "not a field", "not a field");
    }

    @Test
    void runtimeForms(@TempDir Path dir) {
        assertThat(runtime(dir, "docker", "1.23.0")).isEqualTo(ContainerRuntime.docker());
        assertThat(runtime(dir, "unix:///run/cri-dockerd.sock", "1.32.0"))
                .isEqualTo(new ContainerRuntime(ContainerRuntime.Kind.CRI, "unix:///run/cri-dockerd.sock"));
        // containerd's own socket written out is still containerd (so kubelet orders after containerd.service)
        assertThat(runtime(dir, "unix:///run/containerd/containerd.sock", "1.32.0"))
                .isEqualTo(ContainerRuntime.containerd());
    }

    private static ContainerRuntime runtime(Path dir, String runtime, String version) {
        return InventoryLoader.load(InventoryFiles.write(dir, InventoryFiles.VALID
                .replace("1.32.4", version) + "runtime: " + runtime + "\n")).runtime();
    }

    @Test
    void sandboxInventoriesMayUseLoopbackAddresses(@TempDir Path dir) {
        Inventory inv = InventoryLoader.load(InventoryFiles.write(dir, InventoryFiles.VALID
                .replace("192.168.0.114", "127.0.0.1") + "sandbox: true\n"));
        assertThat(inv.sandbox()).isTrue();
        assertThat(inv.nodes().get(0).address()).isEqualTo("127.0.0.1");
    }

    @Test
    void sandboxNodesMayShareAnAddressWhenTheirSshPortsDiffer(@TempDir Path dir) {
        String yaml = InventoryFiles.VALID.replace("192.168.0.114", "127.0.0.1") + """
                    ssh: { port: 2201 }
                  - name: two
                    address: 127.0.0.1
                    ssh: { port: 2202 }
                sandbox: true
                """;
        assertThat(InventoryLoader.load(InventoryFiles.write(dir, yaml)).nodes()).hasSize(2);
        List<Problem> ps = InventoryFiles.problems(dir, yaml.replace("2202", "2201"));
        InventoryFiles.problemAt(ps, "nodes[1].address", 9, "127.0.0.1 is also the address of nodes[0]",
                "its own address");
    }

    @Test
    void dualStackAndSingleDnsAddressAreAccepted(@TempDir Path dir) {
        Inventory inv = InventoryLoader.load(InventoryFiles.write(dir, InventoryFiles.VALID + """
                network:
                  clusterCIDR: 172.30.0.0/16,fd00:10::/56
                  serviceCIDR: 10.254.0.0/16,fd00:20::/108
                  clusterDNS: 10.254.0.10
                """));
        assertThat(inv.network().clusterDNS()).containsExactly("10.254.0.10");
        assertThat(inv.network().serviceCIDR()).isEqualTo("10.254.0.0/16,fd00:20::/108");
    }
}
