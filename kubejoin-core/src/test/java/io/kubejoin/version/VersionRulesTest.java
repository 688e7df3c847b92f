package io.kubejoin.version;

import static io.kubejoin.version.KubeVersion.minor;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.version.VersionRule.Component;
import io.kubejoin.version.VersionRule.Kind;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The table's facts, each checked on both sides of its boundary. */
class VersionRulesTest {

    private static void flagRemovedIn(Component c, String flag, int release) {
        assertThat(VersionRules.flagAvailable(c, flag, minor(release - 1))).as("--%s in %d", flag, release - 1).isTrue();
        assertThat(VersionRules.flagAvailable(c, flag, minor(release))).as("--%s in %d", flag, release).isFalse();
    }

    private static void fieldFrom(Component c, String field, int release) {
        assertThat(VersionRules.fieldAvailable(c, field, minor(release - 1))).as("%s in %d", field, release - 1).isFalse();
        assertThat(VersionRules.fieldAvailable(c, field, minor(release))).as("%s in %d", field, release).isTrue();
        assertThat(VersionRules.fieldAvailable(c, field, minor(35))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"image-pull-progress-deadline", "network-plugin", "cni-bin-dir", "cni-conf-dir",
            "cni-cache-dir"})
    void dockershimFlagsWentIn124(String flag) {
        flagRemovedIn(Component.KUBELET, flag, 24);
    }

    @Test
    void klogFlagsWentIn126FromBothComponents() {
        assertThat(VersionRules.KLOG_FLAGS).containsExactlyInAnyOrder("add-dir-header", "alsologtostderr",
                "log-backtrace-at", "log-dir", "log-file", "log-file-max-size", "logtostderr", "one-output",
                "skip-headers", "skip-log-headers", "stderrthreshold");
        for (Component c : Component.values()) {
            for (String flag : VersionRules.KLOG_FLAGS) flagRemovedIn(c, flag, 26);
        }
        // --v and --vmodule stay
        assertThat(VersionRules.flagAvailable(Component.KUBELET, "v", minor(35))).isTrue();
    }

    @Test
    void evictionIsPolicyV1From122() {
        assertThat(VersionRules.evictionGroupVersion(minor(21))).isEqualTo("policy/v1beta1");
        assertThat(VersionRules.evictionGroupVersion(minor(22))).isEqualTo("policy/v1");
        assertThat(VersionRules.evictionV1(minor(17))).isFalse();
        assertThat(VersionRules.evictionV1(minor(35))).isTrue();
    }

    @Test
    void runtimeFlagsAndField() {
        flagRemovedIn(Component.KUBELET, "container-runtime", 27);
        fieldFrom(Component.KUBELET, "containerRuntimeEndpoint", 27);
        // the endpoint flag is only deprecated, kubejoin just stops writing it
        assertThat(VersionRules.flagAvailable(Component.KUBELET, "container-runtime-endpoint", minor(35))).isTrue();
        assertThat(VersionRules.find(Component.KUBELET, Kind.FLAG, "container-runtime").orElseThrow().replacement())
                .contains("kubelet.config.containerRuntimeEndpoint");
    }

    @Test
    void podInfraContainerImageWentIn135() {
        flagRemovedIn(Component.KUBELET, "pod-infra-container-image", 35);
    }

    @Test
    void versionGatedKubeletFields() {
        fieldFrom(Component.KUBELET, "failCgroupV1", 31);
        fieldFrom(Component.KUBELET, "registerWithTaints", 23);
        fieldFrom(Component.KUBELET, "imageMaximumGCAge", 29);
        // added after 1.35: must not be offered for any supported release
        for (String later : List.of("tlsCurvePreferences", "draManagerReconcilePeriod", "memoryReservationPolicy")) {
            assertThat(VersionRules.fieldAvailable(Component.KUBELET, later, minor(35))).as(later).isFalse();
        }
    }

    @Test
    void theArticlesKubeletFieldsExistInEverySupportedRelease() {
        List<String> article = List.of("address", "staticPodPath", "syncFrequency", "fileCheckFrequency",
                "httpCheckFrequency", "staticPodURL", "port", "readOnlyPort", "rotateCertificates",
                "serverTLSBootstrap", "authentication", "authorization", "registryPullQPS", "registryBurst",
                "eventRecordQPS", "eventBurst", "enableDebuggingHandlers", "enableContentionProfiling", "healthzPort",
                "healthzBindAddress", "clusterDomain", "clusterDNS", "nodeStatusUpdateFrequency",
                "nodeStatusReportFrequency", "imageMinimumGCAge", "imageGCHighThresholdPercent",
                "imageGCLowThresholdPercent", "volumeStatsAggPeriod", "kubeletCgroups", "systemCgroups", "cgroupRoot",
                "cgroupsPerQOS", "cgroupDriver", "runtimeRequestTimeout", "hairpinMode", "maxPods", "podCIDR",
                "podPidsLimit", "resolvConf", "maxOpenFiles", "kubeAPIQPS", "kubeAPIBurst", "serializeImagePulls",
                "evictionHard", "evictionSoft", "enableControllerAttachDetach", "failSwapOn", "containerLogMaxSize",
                "containerLogMaxFiles", "systemReserved", "kubeReserved", "systemReservedCgroup",
                "kubeReservedCgroup", "enforceNodeAllocatable");
        for (int m = 17; m <= 35; m++) {
            for (String f : article) {
                assertThat(VersionRules.fieldAvailable(Component.KUBELET, f, minor(m))).as("%s in 1.%d", f, m).isTrue();
            }
        }
    }

    @Test
    void kubeProxyFields() {
        assertThat(VersionRules.fieldAvailable(Component.KUBE_PROXY, "portRange", minor(35))).isTrue();
        assertThat(VersionRules.fieldAvailable(Component.KUBE_PROXY, "udpIdleTimeout", minor(25))).isTrue();
        assertThat(VersionRules.fieldAvailable(Component.KUBE_PROXY, "udpIdleTimeout", minor(26))).isFalse();
        fieldFrom(Component.KUBE_PROXY, "detectLocalMode", 18);
        fieldFrom(Component.KUBE_PROXY, "logging", 28);
        fieldFrom(Component.KUBE_PROXY, "nftables", 29);
        assertThat(VersionRules.fieldAvailable(Component.KUBE_PROXY, "conntrack", minor(17))).isTrue();
    }

    @Test
    void proxyModesAndRuntime() {
        assertThat(VersionRules.available(Component.KUBE_PROXY, Kind.PROXY_MODE, "nftables", minor(28))).isFalse();
        assertThat(VersionRules.available(Component.KUBE_PROXY, Kind.PROXY_MODE, "nftables", minor(29))).isTrue();
        Set<Integer> gated = new HashSet<>();
        for (int m = 17; m <= 35; m++) {
            if (VersionRules.available(Component.KUBE_PROXY, Kind.FEATURE_GATE, VersionRules.NFTABLES_GATE, minor(m))) {
                gated.add(m);
            }
        }
        assertThat(gated).containsExactlyInAnyOrder(29, 30);
        VersionRule ipvs = VersionRules.find(Component.KUBE_PROXY, Kind.PROXY_MODE, "ipvs").orElseThrow();
        assertThat(ipvs.deprecatedIn(minor(34))).isFalse();
        assertThat(ipvs.deprecatedIn(minor(35))).isTrue();
        assertThat(ipvs.availableIn(minor(35))).isTrue();
        assertThat(VersionRules.available(Component.KUBELET, Kind.RUNTIME, "docker", minor(23))).isTrue();
        assertThat(VersionRules.available(Component.KUBELET, Kind.RUNTIME, "docker", minor(24))).isFalse();
    }

    @Test
    void suggestsTheFieldATypoMeant() {
        assertThat(VersionRules.nearestField(Component.KUBELET, "containerLogMaxSzie")).contains("containerLogMaxSize");
        assertThat(VersionRules.nearestField(Component.KUBELET, "clusterDns")).contains("clusterDNS");
        assertThat(VersionRules.nearestField(Component.KUBE_PROXY, "clusterCidr")).contains("clusterCIDR");
        assertThat(VersionRules.nearestField(Component.KUBELET, "completelyUnrelated")).isEmpty();
    }

    @Test
    void kubeletSignersDemandKeyEnciphermentFrom118To124AndReportRefusalsFrom119() {
        assertThat(VersionRules.signerRequiresKeyEncipherment(minor(17))).isFalse();
        assertThat(VersionRules.signerRequiresKeyEncipherment(minor(18))).isTrue();
        assertThat(VersionRules.signerRequiresKeyEncipherment(KubeVersion.parse("1.24.17"))).isTrue();
        assertThat(VersionRules.signerRequiresKeyEncipherment(minor(25))).isFalse();
        assertThat(VersionRules.signerMarksRefusalFailed(KubeVersion.parse("1.18.20"))).isFalse();
        assertThat(VersionRules.signerMarksRefusalFailed(minor(19))).isTrue();
        assertThat(VersionRules.signerMarksRefusalFailed(minor(35))).isTrue();
    }

    @Test
    void kubeProxyStartsBeforeItsNodeWhereTheReleaseWaitsForItOrNeverReadsIt() {
        for (int m = 17; m <= 35; m++) {
            boolean early = m <= 28 || m >= 34;
            assertThat(VersionRules.kubeProxyMayStartBeforeItsNode(minor(m))).as("1.%d", m).isEqualTo(early);
        }
        assertThat(VersionRules.kubeProxyMayStartBeforeItsNode(KubeVersion.parse("1.28.15"))).isTrue();
        assertThat(VersionRules.kubeProxyMayStartBeforeItsNode(KubeVersion.parse("1.33.9"))).isFalse();
    }

    @Test
    void kubeletRetriesItsStatusUntilReadyFrom126AndWaitsForItsNextSyncBefore() {
        for (int m = 17; m <= 35; m++) {
            assertThat(VersionRules.kubeletFastStatusUntilReady(minor(m))).as("1.%d", m).isEqualTo(m >= 26);
        }
        assertThat(VersionRules.kubeletFastStatusUntilReady(KubeVersion.parse("1.25.16"))).isFalse();
        assertThat(VersionRules.kubeletFastStatusUntilReady(KubeVersion.parse("1.26.0"))).isTrue();
        java.time.Duration tenSeconds = java.time.Duration.ofSeconds(10);
        // the reference 1.24 kubelet: NodeReady 10.3 s after registering, at its next sync (10 s, jitter 4 %)
        assertThat(VersionRules.kubeletReadyAfterFirstStatus(KubeVersion.parse("1.24.0"), tenSeconds)).isEqualTo(java.time.Duration.ofMillis(10_400));
        assertThat(VersionRules.kubeletReadyAfterFirstStatus(KubeVersion.parse("1.25.16"), java.time.Duration.ofSeconds(20)))
                .isEqualTo(java.time.Duration.ofMillis(20_800));
        assertThat(VersionRules.kubeletReadyAfterFirstStatus(KubeVersion.parse("1.26.0"), tenSeconds)).isLessThan(java.time.Duration.ofSeconds(3));
        assertThat(VersionRules.find(Component.KUBELET, Kind.NODE_STATUS, VersionRules.FAST_STATUS_UNTIL_READY).orElseThrow().note())
                .contains("kubernetes#112618");
    }

    @Test
    void tableIsConsistent() {
        Set<String> seen = new HashSet<>();
        for (VersionRule r : VersionRules.all()) {
            // a skew rule has one row per range: its name repeats, its ranges must not overlap (below)
            String key = r.component() + "/" + r.kind() + "/" + r.name() + (r.kind() == Kind.SKEW ? "/" + r.since() : "");
            assertThat(seen.add(key)).as("duplicate row %s", r).isTrue();
            assertThat(r.note()).as("note of %s", r.name()).isNotBlank();
            if (r.since() != null && r.removed() != null) assertThat(r.since()).isLessThan(r.removed());
            if (r.removed() != null) {
                assertThat(r.removed().minor()).isBetween(18, 35);
                if (r.kind() == Kind.FLAG) assertThat(r.replacement()).as("fix for %s", r.name()).isNotBlank();
            }
            if (r.kind() != Kind.SKEW) assertThat(r.minors()).as("minors of %s", r.name()).isZero();
        }
    }

    @Test
    void everySkewRuleHasExactlyOneRowForEverySupportedRelease() {
        List<VersionRule> skew = VersionRules.all().stream().filter(r -> r.kind() == Kind.SKEW).toList();
        assertThat(skew).isNotEmpty();
        for (VersionRule rule : skew) {
            for (int m = 17; m <= 35; m++) {
                int release = m;
                assertThat(skew.stream().filter(r -> r.component() == rule.component() && r.name().equals(rule.name())
                        && r.availableIn(minor(release))).count()).as("%s %s in 1.%d", rule.component(), rule.name(), m)
                        .isEqualTo(1);
            }
        }
    }
}
