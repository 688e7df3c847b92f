package io.kubejoin.version;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.inventory.Problem;
import io.kubejoin.inventory.ProxyMode;
import io.kubejoin.inventory.VersionChecks;
import io.kubejoin.testing.TestInventories;
import io.kubejoin.version.VersionRule.Component;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/** The type tables agree with the field rules, and VersionChecks applies them per release. */
class ConfigTypesTest {
    @Test
    void everyFieldOfEveryReleaseHasATypeAndNoTypeIsForAnUnknownField() {
        // kube-controller-manager is in the table for its signer's rules; kubejoin renders no config for it
        for (Component c : List.of(Component.KUBELET, Component.KUBE_PROXY)) {
            assertThat(ConfigTypes.fieldNames(c)).as(c.binary())
                    .containsExactlyInAnyOrderElementsOf(VersionRules.fieldNames(c));
        }
    }

    private static List<Problem> kubelet(String version, Map<String, Object> config) {
        return VersionChecks.check(TestInventories.build(version, io.kubejoin.inventory.ContainerRuntime.containerd(),
                ProxyMode.IPVS, config, Map.of(), Map.of()));
    }

    private static List<Problem> proxy(String version, Map<String, Object> config) {
        return VersionChecks.check(TestInventories.build(version, io.kubejoin.inventory.ContainerRuntime.containerd(),
                ProxyMode.IPVS, Map.of(), Map.of(), config));
    }

    @Test
    void rightTypesPass() {
        assertThat(kubelet("1.34.0", Map.of("maxPods", 110, "failSwapOn", false, "syncFrequency", "1m",
                "evictionHard", Map.of("memory.available", "100Mi"), "clusterDNS", List.of("10.96.0.10"),
                "authentication", Map.of("x509", Map.of("clientCAFile", "/etc/kubernetes/cert/ca.pem"),
                        "webhook", Map.of("enabled", true, "cacheTTL", "2m0s")),
                "registerWithTaints", List.of(Map.of("key", "a", "effect", "NoSchedule")),
                "memoryThrottlingFactor", 0.8, "logging", Map.of("format", "json")))).isEmpty();
        assertThat(proxy("1.34.0", Map.of("conntrack", Map.of("maxPerCore", 0, "tcpBeLiberal", true),
                "ipvs", Map.of("strictARP", true, "excludeCIDRs", List.of("10.0.0.0/8")),
                "clientConnection", Map.of("qps", 5, "burst", 10)))).isEmpty();
    }

    @Tag("hostile")
    @Test
    void aNumberForAStringMapValueIsRefusedAsKubeletWould() {
        Problem p = kubelet("1.34.0", Map.of("systemReserved", Map.of("cpu", 1))).get(0);
        assertThat(p.fieldPath()).isEqualTo("kubelet.config.systemReserved.cpu");
        assertThat(p.message()).isEqualTo("must be a string, not the number 1");
        assertThat(p.fix()).isEqualTo("quote it: cpu: \"1\"");
    }

    @Tag("hostile")
    @Test
    void aBareNumberIsNoDuration() {
        Problem p = proxy("1.34.0", Map.of("configSyncPeriod", 15)).get(0);
        assertThat(p.fieldPath()).isEqualTo("kubeProxy.config.configSyncPeriod");
        assertThat(p.message()).contains("must be a duration");
    }

    @Test
    void nestedReleaseGatesFollowTheTarget() {
        assertThat(proxy("1.26.0", Map.of("iptables", Map.of("localhostNodePorts", false)))).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("only from 1.27"));
        assertThat(proxy("1.27.0", Map.of("iptables", Map.of("localhostNodePorts", false)))).isEmpty();
    }

    @Test
    void typesAreOnlyCheckedForFieldsTheReleaseHas() {
        // one problem: the field is too new; its value is not judged as well
        assertThat(kubelet("1.30.0", Map.of("failCgroupV1", "no"))).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("only from 1.31"));
    }
}
