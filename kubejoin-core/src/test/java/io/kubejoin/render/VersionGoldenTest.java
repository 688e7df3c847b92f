package io.kubejoin.render;

import static io.kubejoin.inventory.ContainerRuntime.containerd;
import static io.kubejoin.inventory.ContainerRuntime.docker;

import io.kubejoin.inventory.ContainerRuntime;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.inventory.ProxyMode;
import io.kubejoin.inventory.Taint;
import io.kubejoin.version.Fixtures;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every version boundary of the rules table, rendered and compared with a golden file per case
 * (src/test/resources/golden/versions/&lt;case&gt;/). Regenerate with -Dkubejoin.updateGolden=true.
 */
class VersionGoldenTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                // the article: docker, ipvs, klog flags, dockershim flag, portRange
                c("1.17.2-docker-ipvs", "1.17.2", docker(), ProxyMode.IPVS),
                // last release with dockershim
                c("1.23.0-docker-ipvs", "1.23.0", docker(), ProxyMode.IPVS),
                // CRI before 1.24: --container-runtime=remote + endpoint flag
                c("1.23.0-containerd-ipvs", "1.23.0", containerd(), ProxyMode.IPVS),
                // 1.24: no dockershim; --container-runtime=remote still rendered (as kubeadm, until 1.27), endpoint still a flag
                c("1.24.0-containerd-ipvs", "1.24.0", containerd(), ProxyMode.IPVS),
                // 1.25 still has the klog flags and the userspace proxy's portRange
                c("1.25.0-containerd-ipvs", "1.25.0", containerd(), ProxyMode.IPVS),
                // 1.26: klog flags and userspace proxy gone
                c("1.26.0-containerd-ipvs", "1.26.0", containerd(), ProxyMode.IPVS),
                // 1.27: --container-runtime gone, endpoint becomes containerRuntimeEndpoint
                c("1.27.0-containerd-ipvs", "1.27.0", containerd(), ProxyMode.IPVS),
                c("1.28.0-containerd-iptables", "1.28.0", containerd(), ProxyMode.IPTABLES),
                // nftables alpha: feature gate
                c("1.29.0-containerd-nftables", "1.29.0", containerd(), ProxyMode.NFTABLES),
                c("1.30.0-containerd-nftables", "1.30.0", containerd(), ProxyMode.NFTABLES),
                // nftables beta: no gate
                c("1.31.0-containerd-nftables", "1.31.0", containerd(), ProxyMode.NFTABLES),
                c("1.33.0-containerd-nftables", "1.33.0", containerd(), ProxyMode.NFTABLES),
                c("1.34.0-containerd-ipvs", "1.34.0", containerd(), ProxyMode.IPVS),
                // 1.35: ipvs deprecated (warning only)
                c("1.35.0-containerd-ipvs", "1.35.0", containerd(), ProxyMode.IPVS),
                // taints: flag before 1.23, registerWithTaints field from 1.23; labels sorted
                Arguments.of("1.22.0-containerd-ipvs-taints", tainted("1.22.0")),
                Arguments.of("1.23.0-containerd-ipvs-taints", tainted("1.23.0")),
                // a bare CRI endpoint: no runtime unit to order after
                c("1.35.0-cri-iptables", "1.35.0",
                        new ContainerRuntime(ContainerRuntime.Kind.CRI, "unix:///run/crio/crio.sock"),
                        ProxyMode.IPTABLES));
    }

    private static Arguments c(String name, String version, ContainerRuntime runtime, ProxyMode mode) {
        return Arguments.of(name, Fixtures.inventory(version, runtime, mode));
    }

    private static Inventory tainted(String version) {
        return Fixtures.withLabelsAndTaints(Fixtures.inventory(version, containerd(), ProxyMode.IPVS),
                Map.of("zone", "b", "role", "edge"),
                List.of(new Taint("dedicated", "edge", "NoSchedule"), new Taint("gpu", "", "NoExecute")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rendersMatchGoldenFiles(String name, Inventory inv) {
        Node node = inv.nodes().get(0);
        RenderWarnings w = new RenderWarnings();
        GoldenFiles.assertMatches(name + "/kubelet.service", KubeletUnitRenderer.render(inv, node, w));
        GoldenFiles.assertMatches(name + "/kubelet-config.yaml", KubeletConfigRenderer.render(inv, node, w));
        GoldenFiles.assertMatches(name + "/kube-proxy-config.yaml", KubeProxyConfigRenderer.render(inv, node, w));
        GoldenFiles.assertMatches(name + "/kube-proxy.service", KubeProxyUnitRenderer.render(inv, node, w));
        GoldenFiles.assertMatches(name + "/modules-load.conf", ModulesLoadRenderer.render(inv, node, w));
        GoldenFiles.assertMatches(name + "/warnings.txt", w.all().stream().map(s -> s + "\n").collect(Collectors.joining()));
    }
}
