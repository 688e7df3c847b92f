package io.kubejoin.render;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.inventory.ContainerRuntime;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.KubeProxySpec;
import io.kubejoin.inventory.Node;
import io.kubejoin.inventory.ProxyMode;
import io.kubejoin.testing.TestInventories;
import io.kubejoin.version.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/** Overrides, escaping and warnings: the parts of the renderers the golden files do not exercise. */
class RendererBehaviourTest {
    private static final ContainerRuntime CONTAINERD = ContainerRuntime.containerd();

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yaml(String text) {
        return Yaml.mapper().readValue(text, Map.class);
    }

    @Test
    @SuppressWarnings("unchecked")
    void userKubeletConfigMergesNestedMapsAndReplacesTheRest() {
        Inventory inv = TestInventories.build("1.30.0", CONTAINERD, ProxyMode.IPVS,
                Map.of("evictionHard", Map.of("memory.available", "500Mi"), "maxPods", 110,
                        "clusterDNS", List.of("10.96.0.10")), Map.of(), Map.of());
        Map<String, Object> c = yaml(KubeletConfigRenderer.render(inv, inv.nodes().get(0), new RenderWarnings()));
        assertThat((Map<String, Object>) c.get("evictionHard")).containsEntry("memory.available", "500Mi")
                .containsEntry("nodefs.available", "10%").hasSize(4);
        assertThat(c).containsEntry("maxPods", 110).containsEntry("clusterDNS", List.of("10.96.0.10"));
        assertThat(c).containsEntry("address", "192.168.0.114");
    }

    @Test
    void fieldsTheReleaseLacksAreNotRenderedButWarned() {
        Inventory inv = TestInventories.build("1.30.0", CONTAINERD, ProxyMode.IPVS,
                Map.of("failCgroupV1", false, "containerLogMaxSzie", "1Mi"), Map.of(), Map.of("udpIdleTimeout", "1s"));
        RenderWarnings w = new RenderWarnings();
        Node node = inv.nodes().get(0);
        assertThat(yaml(KubeletConfigRenderer.render(inv, node, w))).doesNotContainKeys("failCgroupV1",
                "containerLogMaxSzie");
        assertThat(yaml(KubeProxyConfigRenderer.render(inv, node, w))).doesNotContainKey("udpIdleTimeout");
        assertThat(w.all()).hasSize(3).allMatch(s -> s.endsWith("not rendered"));
    }

    @Test
    void userFlagsComeLastSortedAndReplaceKubejoinsOwn() {
        Inventory inv = TestInventories.build("1.30.0", CONTAINERD, ProxyMode.IPVS, Map.of(),
                Map.of("v", "4", "node-ip", "192.168.0.114", "--max-pods", "90"), Map.of());
        String unit = KubeletUnitRenderer.render(inv, inv.nodes().get(0), new RenderWarnings());
        assertThat(unit).contains("""
                  --volume-plugin-dir=/data/k8s/k8s/kubelet/kubelet-plugins/volume/exec/ \\
                  --max-pods=90 \\
                  --node-ip=192.168.0.114 \\
                  --v=4
                Restart=always
                """);
        assertThat(unit).doesNotContain("--v=2");
    }

    @Test
    void nodeIpIsTheInventorysAddressBareForIpv6Too() {
        Inventory inv = TestInventories.build("1.17.2", CONTAINERD, ProxyMode.IPVS);
        io.kubejoin.inventory.Node v4 = inv.nodes().get(0);
        assertThat(KubeletUnitRenderer.render(inv, v4, new RenderWarnings())).contains("  --node-ip=192.168.0.114 \\\n");
        io.kubejoin.inventory.Node v6 = new io.kubejoin.inventory.Node(v4.name(), "fd00:10::14", v4.index(),
                v4.labels(), v4.taints(), v4.kubelet(), v4.kubeProxy(), v4.ssh());
        // kubelet parses --node-ip with net.ParseIP: no brackets
        assertThat(KubeletUnitRenderer.render(inv, v6, new RenderWarnings())).contains("  --node-ip=fd00:10::14 \\\n");
    }

    @Test
    void removedUserFlagIsNotRenderedButWarned() {
        Inventory inv = TestInventories.build("1.26.0", CONTAINERD, ProxyMode.IPVS, Map.of(),
                Map.of("logtostderr", "true"), Map.of());
        RenderWarnings w = new RenderWarnings();
        assertThat(KubeletUnitRenderer.render(inv, inv.nodes().get(0), w)).doesNotContain("logtostderr");
        assertThat(w.all()).containsExactly("kubelet 1.26 has no --logtostderr flag: not rendered");
    }

    @Tag("hostile")
    @Test
    void aControlCharacterNeverReachesTheUnitEvenPastTheLoader() {
        for (String value : List.of("10.0.0.5\nExecStartPre=/bin/true", "a\rb", "nul\u0000")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> KubeletUnitRenderer.execStart("/opt/k8s/bin/kubelet",
                    java.util.Map.of("node-ip", value))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("--node-ip holds the control character");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> KubeletUnitRenderer.execStart("/opt/k8s/bin/kubelet",
                java.util.Map.of("x\ny", "1"))).isInstanceOf(IllegalArgumentException.class);
        assertThat(KubeletUnitRenderer.execStart("/opt/k8s/bin/kubelet", java.util.Map.of("node-labels", "a=b\tc")))
                .contains("--node-labels=\"a=b\tc\"");
    }

    @Tag("hostile")
    @Test
    void systemdSpecialCharactersAreEscaped() {
        assertThat(KubeletUnitRenderer.systemdWord("plain/path")).isEqualTo("plain/path");
        assertThat(KubeletUnitRenderer.systemdWord("50%")).isEqualTo("50%%");
        assertThat(KubeletUnitRenderer.systemdWord("$HOME")).isEqualTo("$$HOME");
        assertThat(KubeletUnitRenderer.systemdWord("a b")).isEqualTo("\"a b\"");
        assertThat(KubeletUnitRenderer.systemdWord("say \"hi\"")).isEqualTo("\"say \\\"hi\\\"\"");
    }

    @Test
    void ipv6AddressesAreBracketedInHostPorts() {
        assertThat(KubeProxyConfigRenderer.hostPort("fd00::5", 10256)).isEqualTo("[fd00::5]:10256");
        assertThat(KubeProxyConfigRenderer.hostPort("10.0.0.5", 10249)).isEqualTo("10.0.0.5:10249");
    }

    @Test
    void ipvsSchedulerModuleIsAddedWhenNotACoreOne() {
        Inventory inv = TestInventories.current("1.30.0");
        Node n = inv.nodes().get(0);
        Node lc = new Node(n.name(), n.address(), 0, Map.of(), List.of(), n.kubelet(),
                new KubeProxySpec(ProxyMode.IPVS, "lc", Map.of(), 2), n.ssh());
        assertThat(ModulesLoadRenderer.modules(inv, n))
                .containsExactly("ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh", "nf_conntrack");
        assertThat(ModulesLoadRenderer.modules(inv, lc)).endsWith("ip_vs_lc");
        Inventory withLc = Fixtures.withNodes(inv, List.of(lc));
        assertThat(ModulesLoadRenderer.render(withLc, lc, new RenderWarnings())).contains("\nip_vs_lc\n");
        Node unknown = new Node(n.name(), n.address(), 0, Map.of(), List.of(), n.kubelet(),
                new KubeProxySpec(ProxyMode.IPVS, "bogus", Map.of(), 2), n.ssh());
        RenderWarnings w = new RenderWarnings();
        assertThat(ModulesLoadRenderer.render(inv, unknown, w)).doesNotContain("bogus");
        assertThat(w.all()).singleElement().asString().contains("bogus");
    }

    @Test
    void unavailableRuntimeAndModeAreWarned() {
        Inventory docker = TestInventories.build("1.24.0", ContainerRuntime.docker(), ProxyMode.IPVS);
        RenderWarnings w = new RenderWarnings();
        assertThat(KubeletUnitRenderer.render(docker, docker.nodes().get(0), w))
                .doesNotContain("image-pull-progress-deadline");
        assertThat(w.all()).singleElement().asString().contains("dockershim");
        Inventory nft = TestInventories.build("1.28.0", CONTAINERD, ProxyMode.NFTABLES);
        RenderWarnings w2 = new RenderWarnings();
        KubeProxyConfigRenderer.render(nft, nft.nodes().get(0), w2);
        assertThat(w2.all()).singleElement().asString().contains("no nftables mode");
    }

    @Test
    void renderingIsDeterministic() {
        Inventory inv = Fixtures.withLabelsAndTaints(TestInventories.current("1.22.0"),
                Map.of("b", "2", "a", "1", "c", "3"), List.of());
        Node node = inv.nodes().get(0);
        String first = KubeletUnitRenderer.render(inv, node, new RenderWarnings());
        assertThat(first).contains("--node-labels=a=1,b=2,c=3");
        for (int i = 0; i < 5; i++) {
            assertThat(KubeletUnitRenderer.render(inv, node, new RenderWarnings())).isEqualTo(first);
        }
    }
}
