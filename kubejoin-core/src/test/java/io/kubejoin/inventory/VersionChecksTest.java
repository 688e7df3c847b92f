package io.kubejoin.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.testing.TestInventories;
import io.kubejoin.version.Fixtures;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

class VersionChecksTest {
    private static final ContainerRuntime CONTAINERD = ContainerRuntime.containerd();

    private static Inventory withKubelet(String version, Map<String, Object> config, Map<String, String> flags) {
        return TestInventories.build(version, CONTAINERD, ProxyMode.IPVS, config, flags, Map.of());
    }

    private static Inventory withProxy(String version, ProxyMode mode, Map<String, Object> config) {
        return TestInventories.build(version, CONTAINERD, mode, Map.of(), Map.of(), config);
    }

    private static Problem only(List<Problem> problems) {
        assertThat(problems).hasSize(1);
        return problems.get(0);
    }

    @Test
    void defaultsPassForTheArticleAndForEveryCurrentRelease() {
        assertThat(VersionChecks.check(TestInventories.article())).isEmpty();
        for (int m = 17; m <= 35; m++) {
            assertThat(VersionChecks.check(TestInventories.current("1." + m + ".0"))).as("1.%d", m).isEmpty();
        }
    }

    @Tag("hostile")
    @Test
    void typoInAClusterWideFieldIsReportedOnceWithTheNearestName() {
        Inventory one = withKubelet("1.30.0", Map.of("containerLogMaxSzie", "50Mi"), Map.of());
        Inventory two = Fixtures.withSecondNode(one, Map.of(), Map.of(), Map.of(), ProxyMode.IPVS);
        Problem p = only(VersionChecks.check(two));
        assertThat(p.fieldPath()).isEqualTo("kubelet.config.containerLogMaxSzie");
        assertThat(p.message()).contains("not a KubeletConfiguration field");
        assertThat(p.fix()).isEqualTo("did you mean containerLogMaxSize?");
        assertThat(p.file()).isEqualTo(Path.of("/tmp/kubejoin-test/inventory.yaml"));
    }

    @Test
    void lineComesFromTheSourceLocations() {
        SourceLocations locations = new SourceLocations();
        locations.put("kubelet.config", 20);
        locations.put("kubelet.config.containerLogMaxSzie", 23);
        Inventory inv = Fixtures.withLocations(
                withKubelet("1.30.0", Map.of("containerLogMaxSzie", "50Mi"), Map.of()), locations);
        assertThat(only(VersionChecks.check(inv)).line()).isEqualTo(23);
    }

    @Tag("hostile")
    @Test
    void fieldNewerThanTheTargetNamesTheReleaseItArrivedIn() {
        Problem p = only(VersionChecks.check(withKubelet("1.30.0", Map.of("failCgroupV1", false), Map.of())));
        assertThat(p.fieldPath()).isEqualTo("kubelet.config.failCgroupV1");
        assertThat(p.message()).contains("only from 1.31").contains("1.30");
        assertThat(p.fix()).isEqualTo("remove it, or target 1.31 or later");
        assertThat(VersionChecks.check(withKubelet("1.31.0", Map.of("failCgroupV1", false), Map.of()))).isEmpty();
    }

    @Tag("hostile")
    @Test
    void containerRuntimeEndpointFieldBefore127PointsAtTheFlag() {
        Problem p = only(VersionChecks.check(withKubelet("1.26.0",
                Map.of("containerRuntimeEndpoint", "unix:///run/containerd/containerd.sock"), Map.of())));
        assertThat(p.fieldPath()).isEqualTo("kubelet.config.containerRuntimeEndpoint");
        assertThat(p.message()).contains("only from 1.27").contains("--container-runtime-endpoint");
    }

    @Tag("hostile")
    @Test
    void removedKlogFlagNamesTheReleaseAndTheFix() {
        Problem p = only(VersionChecks.check(withKubelet("1.26.0", Map.of(), Map.of("logtostderr", "true"))));
        assertThat(p.fieldPath()).isEqualTo("kubelet.flags.logtostderr");
        assertThat(p.message()).contains("--logtostderr").contains("removed").contains("1.26");
        assertThat(p.fix()).contains("stderr");
        assertThat(VersionChecks.check(withKubelet("1.25.0", Map.of(), Map.of("logtostderr", "true")))).isEmpty();
    }

    @Tag("hostile")
    @Test
    void nodeOwnFlagIsReportedUnderTheNode() {
        Inventory inv = Fixtures.withSecondNode(TestInventories.current("1.27.0"), Map.of(),
                Map.of("container-runtime", "remote"), Map.of(), ProxyMode.IPVS);
        Problem p = only(VersionChecks.check(inv));
        assertThat(p.fieldPath()).isEqualTo("nodes[1].kubelet.flags.container-runtime");
        assertThat(p.message()).contains("1.27");
        assertThat(p.fix()).contains("kubelet.config.containerRuntimeEndpoint");
    }

    @Tag("hostile")
    @Test
    void dockershimFlagsAreRejectedFrom124() {
        Problem p = only(VersionChecks.check(
                withKubelet("1.24.0", Map.of(), Map.of("image-pull-progress-deadline", "15m"))));
        assertThat(p.fieldPath()).isEqualTo("kubelet.flags.image-pull-progress-deadline");
        assertThat(p.message()).contains("1.24");
    }

    @Tag("hostile")
    @Test
    void kubeProxyUnknownAndRemovedFields() {
        Problem typo = only(VersionChecks.check(withProxy("1.30.0", ProxyMode.IPVS, Map.of("clusterCidr", "x"))));
        assertThat(typo.fieldPath()).isEqualTo("kubeProxy.config.clusterCidr");
        assertThat(typo.fix()).isEqualTo("did you mean clusterCIDR?");
        Problem removed = only(VersionChecks.check(withProxy("1.26.0", ProxyMode.IPVS, Map.of("udpIdleTimeout", "250ms"))));
        assertThat(removed.fieldPath()).isEqualTo("kubeProxy.config.udpIdleTimeout");
        assertThat(removed.message()).contains("removed").contains("1.26");
        assertThat(VersionChecks.check(withProxy("1.35.0", ProxyMode.IPVS, Map.of("portRange", "")))).isEmpty();
    }

    @Tag("hostile")
    @Test
    void nftablesNeeds129() {
        Problem p = only(VersionChecks.check(withProxy("1.28.5", ProxyMode.NFTABLES, Map.of())));
        assertThat(p.fieldPath()).isEqualTo("kubeProxy.mode");
        assertThat(p.message()).contains("nftables").contains("1.29");
        assertThat(VersionChecks.check(withProxy("1.29.0", ProxyMode.NFTABLES, Map.of()))).isEmpty();
    }

    @Tag("hostile")
    @Test
    void nodeOwnModeIsReportedUnderTheNode() {
        Inventory inv = Fixtures.withSecondNode(TestInventories.current("1.28.0"), Map.of(), Map.of(), Map.of(),
                ProxyMode.NFTABLES);
        assertThat(only(VersionChecks.check(inv)).fieldPath()).isEqualTo("nodes[1].kubeProxy.mode");
    }

    @Tag("hostile")
    @Test
    void dockerIsRejectedFrom124() {
        Problem p = only(VersionChecks.check(TestInventories.build("1.24.0", ContainerRuntime.docker(), ProxyMode.IPVS)));
        assertThat(p.fieldPath()).isEqualTo("runtime");
        assertThat(p.message()).contains("dockershim").contains("1.24");
        assertThat(p.fix()).contains("containerd");
        assertThat(VersionChecks.check(TestInventories.build("1.23.9", ContainerRuntime.docker(), ProxyMode.IPVS)))
                .isEmpty();
    }

    @Tag("hostile")
    @Test
    void loopbackKubeletAddressesAreRejectedOutsideTheSandbox() {
        Inventory inv = withKubelet("1.30.0", Map.of("address", "127.0.0.1", "healthzBindAddress", "::1"), Map.of());
        assertThat(VersionChecks.check(inv)).extracting(Problem::fieldPath)
                .containsExactlyInAnyOrder("kubelet.config.address", "kubelet.config.healthzBindAddress");
        assertThat(VersionChecks.check(inv)).allMatch(p -> p.message().contains("loopback"));
        assertThat(VersionChecks.check(Fixtures.sandbox(inv))).isEmpty();
        assertThat(VersionChecks.check(withKubelet("1.30.0", Map.of("address", "0.0.0.0"), Map.of()))).isEmpty();
    }

    @Tag("hostile")
    @Test
    void nodeTypoIsReportedUnderTheNodeOnly() {
        Inventory inv = Fixtures.withSecondNode(TestInventories.current("1.35.0"), Map.of("maxPod", 50), Map.of(),
                Map.of(), ProxyMode.IPVS);
        Problem p = only(VersionChecks.check(inv));
        assertThat(p.fieldPath()).isEqualTo("nodes[1].kubelet.config.maxPod");
        assertThat(p.fix()).isEqualTo("did you mean maxPods?");
    }

    @Tag("hostile")
    @Test
    void hostnameOverrideMustBeTheNodeName() {
        Problem p = only(VersionChecks.check(withProxy("1.30.0", ProxyMode.IPVS, Map.of("hostnameOverride", "other"))));
        assertThat(p.fieldPath()).isEqualTo("kubeProxy.config.hostnameOverride");
        assertThat(p.message()).contains("other").contains("slave");
        assertThat(VersionChecks.check(withProxy("1.30.0", ProxyMode.IPVS, Map.of("hostnameOverride", "slave"))))
                .isEmpty();
    }
}
