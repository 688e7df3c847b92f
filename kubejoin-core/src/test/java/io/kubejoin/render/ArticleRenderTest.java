package io.kubejoin.render;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.testing.TestInventories;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The article's own cluster (1.17.2, docker, ipvs, node slave at 192.168.0.114) must render to what the article
 * wrote by hand: configs equal value for value and key for key, units equal token for token.
 */
class ArticleRenderTest {
    private final Inventory inv = TestInventories.article();
    private final Node node = inv.nodes().get(0);

    @Test
    void kubeletConfigIsTheArticles() {
        assertSameYaml(KubeletConfigRenderer.render(inv, node, new RenderWarnings()), "article/kubelet-config.yaml");
    }

    @Test
    void kubeProxyConfigIsTheArticles() {
        assertSameYaml(KubeProxyConfigRenderer.render(inv, node, new RenderWarnings()),
                "article/kube-proxy-config.yaml");
    }

    @Test
    void kubeletUnitIsTheArticles() {
        List<String> rendered = tokens(KubeletUnitRenderer.render(inv, node, new RenderWarnings()));
        // one deliberate departure: --node-ip, so a multi-homed host registers the inventory's address
        assertThat(rendered).contains("--node-ip=" + node.address());
        assertThat(rendered.stream().filter(t -> !t.startsWith("--node-ip=")).toList())
                .containsExactlyElementsOf(tokens(GoldenFiles.read("article/kubelet.service")));
    }

    @Test
    void kubeProxyUnitIsTheArticles() {
        assertThat(tokens(KubeProxyUnitRenderer.render(inv, node, new RenderWarnings())))
                .containsExactlyElementsOf(tokens(GoldenFiles.read("article/kube-proxy.service")));
    }

    @Test
    void articleNeedsTheIpvsRoundRobinModuleItLoadedByHand() {
        assertThat(ModulesLoadRenderer.modules(inv, node)).contains("ip_vs_rr");
    }

    @SuppressWarnings("unchecked")
    private static void assertSameYaml(String rendered, String articleFile) {
        Map<String, Object> actual = Yaml.mapper().readValue(rendered, Map.class);
        Map<String, Object> expected = Yaml.mapper().readValue(GoldenFiles.read(articleFile), Map.class);
        assertThat(actual).isEqualTo(expected);
        assertThat(new ArrayList<>(actual.keySet())).containsExactlyElementsOf(expected.keySet());
    }

    /** Whitespace-separated words without line continuations: formatting may differ, content may not. */
    private static List<String> tokens(String unit) {
        return Arrays.stream(unit.split("\\s+")).filter(t -> !t.isEmpty() && !t.equals("\\")).toList();
    }
}
