package io.kubejoin.render;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.inventory.ContainerRuntime;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.inventory.ProxyMode;
import io.kubejoin.inventory.Taint;
import io.kubejoin.version.Fixtures;
import io.kubejoin.version.KubeVersion;
import io.kubejoin.version.VersionRule.Component;
import io.kubejoin.version.VersionRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** For every supported minor, runtime and available mode: no removed flag in a unit, no foreign config key. */
class AllVersionsTest {
    private static final Pattern FLAG = Pattern.compile("^\\s+--([a-z0-9-]+)", Pattern.MULTILINE);

    static Stream<Arguments> everyRelease() {
        List<Arguments> cases = new ArrayList<>();
        for (int minor = 17; minor <= 35; minor++) {
            List<ContainerRuntime> runtimes = minor < 24
                    ? List.of(ContainerRuntime.docker(), ContainerRuntime.containerd())
                    : List.of(ContainerRuntime.containerd());
            for (ContainerRuntime runtime : runtimes) {
                for (ProxyMode mode : ProxyMode.values()) {
                    if (mode == ProxyMode.NFTABLES && minor < 29) continue;
                    Inventory inv = Fixtures.withLabelsAndTaints(Fixtures.inventory("1." + minor + ".3", runtime, mode),
                            Map.of("tier", "web"), List.of(new Taint("dedicated", "web", "NoSchedule")));
                    cases.add(Arguments.of("1." + minor + " " + runtime.kind() + " " + mode.value(), inv));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyRelease")
    void unitsCarryOnlyFlagsTheReleaseHas(String name, Inventory inv) {
        KubeVersion v = inv.kubernetesVersion();
        Node node = inv.nodes().get(0);
        RenderWarnings w = new RenderWarnings();
        List<String> kubeletFlags = flags(KubeletUnitRenderer.render(inv, node, w));
        List<String> proxyFlags = flags(KubeProxyUnitRenderer.render(inv, node, w));

        assertThat(kubeletFlags).contains("config", "hostname-override", "v")
                .allMatch(f -> VersionRules.flagAvailable(Component.KUBELET, f, v), "available in kubelet " + v);
        assertThat(proxyFlags).contains("config", "v")
                .allMatch(f -> VersionRules.flagAvailable(Component.KUBE_PROXY, f, v), "available in kube-proxy " + v);
        // the same facts stated without the table, so a wrong table row cannot hide a wrong unit
        if (v.atLeast(24)) assertThat(kubeletFlags).doesNotContain("image-pull-progress-deadline", "network-plugin");
        if (v.atLeast(26)) {
            assertThat(kubeletFlags).doesNotContain("logtostderr", "log-dir", "alsologtostderr");
            assertThat(proxyFlags).doesNotContain("logtostderr", "log-dir", "alsologtostderr");
        }
        if (v.atLeast(27)) assertThat(kubeletFlags).doesNotContain("container-runtime", "container-runtime-endpoint");
        if (v.atLeast(35)) assertThat(kubeletFlags).doesNotContain("pod-infra-container-image");
        if (!v.atLeast(23)) assertThat(kubeletFlags).contains("register-with-taints");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyRelease")
    void configsCarryOnlyFieldsTheReleaseHas(String name, Inventory inv) {
        KubeVersion v = inv.kubernetesVersion();
        Node node = inv.nodes().get(0);
        RenderWarnings w = new RenderWarnings();
        List<String> kubelet = topLevelKeys(KubeletConfigRenderer.render(inv, node, w));
        List<String> proxy = topLevelKeys(KubeProxyConfigRenderer.render(inv, node, w));

        assertThat(kubelet).isNotEmpty()
                .allMatch(k -> VersionRules.fieldAvailable(Component.KUBELET, k, v), "KubeletConfiguration " + v);
        assertThat(proxy).isNotEmpty()
                .allMatch(k -> VersionRules.fieldAvailable(Component.KUBE_PROXY, k, v), "KubeProxyConfiguration " + v);
        assertThat(kubelet.contains("containerRuntimeEndpoint"))
                .isEqualTo(v.atLeast(27) && inv.runtime().endpoint() != null);
        assertThat(kubelet.contains("registerWithTaints")).isEqualTo(v.atLeast(23));
        assertThat(w.all()).noneMatch(s -> s.contains("not rendered"));
    }

    private static List<String> flags(String unit) {
        List<String> out = new ArrayList<>();
        Matcher m = FLAG.matcher(unit);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<String> topLevelKeys(String yaml) {
        Map<String, Object> map = Yaml.mapper().readValue(yaml, Map.class);
        return map.keySet().stream().filter(k -> !k.equals("kind") && !k.equals("apiVersion")).toList();
    }
}
