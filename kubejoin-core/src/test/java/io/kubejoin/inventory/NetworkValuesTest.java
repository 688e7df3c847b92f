package io.kubejoin.inventory;

import io.kubejoin.util.Suggestions;

import io.kubejoin.util.GoDuration;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hand-written value parsers the validator relies on. */
class NetworkValuesTest {
    private static IpAddress ip(String s) {
        return IpAddress.parse(s).orElseThrow();
    }

    private static Cidr cidr(String s) {
        return Cidr.parse(s).orElseThrow();
    }

    @Test
    void ipParsing() {
        assertThat(IpAddress.parse("192.168.0.114")).contains(new IpAddress(new byte[] {(byte) 192, (byte) 168, 0, 114}));
        assertThat(IpAddress.parse("256.1.1.1")).isEmpty();
        assertThat(IpAddress.parse("1.2.3")).isEmpty();
        assertThat(IpAddress.parse("01.2.3.4")).isEmpty();
        assertThat(IpAddress.parse("localhost")).isEmpty();
        assertThat(IpAddress.parse("fd00::1:2")).isPresent();
        assertThat(IpAddress.parse("fd00:::1")).isEmpty();
        assertThat(IpAddress.parse("[::1]")).isEmpty();
        assertThat(IpAddress.parse("fe80::1%eth0")).isEmpty();
        assertThat(IpAddress.parse(".:1")).isEmpty();
    }

    @Test
    void loopbackAndUnspecified() {
        assertThat(ip("127.8.9.1").isLoopback()).isTrue();
        assertThat(ip("::1").isLoopback()).isTrue();
        assertThat(ip("::2").isLoopback()).isFalse();
        assertThat(ip("128.0.0.1").isLoopback()).isFalse();
        assertThat(ip("0.0.0.0").isUnspecified()).isTrue();
        assertThat(ip("::").isUnspecified()).isTrue();
        assertThat(ip("0.0.0.1").isUnspecified()).isFalse();
    }

    @Test
    void ipv6IsFormattedCompressed() {
        assertThat(ip("FD00:0:0:0:0:0:0:1")).hasToString("fd00::1");
        assertThat(ip("1:0:0:2:0:0:0:3")).hasToString("1:0:0:2::3");
        assertThat(ip("1:0:2:3:4:5:6:7")).hasToString("1:0:2:3:4:5:6:7");
        assertThat(ip("::")).hasToString("::");
    }

    @Test
    void cidrs() {
        assertThat(Cidr.parse("10.254.0.0/16")).isPresent();
        assertThat(Cidr.parse("10.254.0.0/33")).isEmpty();
        assertThat(Cidr.parse("10.254.0.0/")).isEmpty();
        assertThat(Cidr.parse("10.254.0.0/-1")).isEmpty();
        assertThat(Cidr.parse("fd00::/129")).isEmpty();
        assertThat(cidr("10.254.3.7/16").hasHostBits()).isTrue();
        assertThat(cidr("10.254.3.7/16").network()).hasToString("10.254.0.0");
        assertThat(cidr("10.254.0.0/16").hasHostBits()).isFalse();
        assertThat(cidr("10.254.0.0/16").contains(ip("10.254.255.255"))).isTrue();
        assertThat(cidr("10.254.0.0/16").contains(ip("10.255.0.0"))).isFalse();
        assertThat(cidr("10.254.0.0/16").contains(ip("fd00::1"))).isFalse();
        assertThat(cidr("10.0.0.0/8").overlaps(cidr("10.254.0.0/16"))).isTrue();
        assertThat(cidr("10.254.0.0/16").overlaps(cidr("10.0.0.0/8"))).isTrue();
        assertThat(cidr("10.254.0.0/16").overlaps(cidr("172.30.0.0/16"))).isFalse();
        assertThat(cidr("0.0.0.0/0").contains(ip("8.8.8.8"))).isTrue();
    }

    @Test
    void goDurations() {
        assertThat(GoDuration.tryParse("1h")).contains(Duration.ofHours(1));
        assertThat(GoDuration.tryParse("1h30m")).contains(Duration.ofMinutes(90));
        assertThat(GoDuration.tryParse("1.5h")).contains(Duration.ofMinutes(90));
        assertThat(GoDuration.tryParse("90s")).contains(Duration.ofSeconds(90));
        assertThat(GoDuration.tryParse("250ms")).contains(Duration.ofMillis(250));
        assertThat(GoDuration.tryParse("0")).contains(Duration.ZERO);
        assertThat(GoDuration.tryParse("-5m")).contains(Duration.ofMinutes(-5));
        assertThat(GoDuration.tryParse("1d")).isEmpty();
        assertThat(GoDuration.tryParse("3600")).isEmpty();
        assertThat(GoDuration.tryParse("h")).isEmpty();
        assertThat(GoDuration.tryParse("1h 30m")).isEmpty();
        assertThat(GoDuration.format(Duration.ofMinutes(90))).isEqualTo("1h30m");
        assertThat(GoDuration.format(Duration.ofHours(48))).isEqualTo("48h");
        assertThat(GoDuration.format(Duration.ZERO)).isEqualTo("0s");
    }

    @Test
    void suggestions() {
        List<String> fields = List.of("clusterCIDR", "serviceCIDR", "clusterDNS", "clusterDomain");
        assertThat(Suggestions.closest("clusterCidr", fields)).contains("clusterCIDR");
        assertThat(Suggestions.closest("clusterDomian", fields)).contains("clusterDomain");
        assertThat(Suggestions.closest("servicesCIDR", fields)).contains("serviceCIDR");
        assertThat(Suggestions.closest("podCIDR", fields)).isEmpty();
        assertThat(Suggestions.closest("x", List.of("a", "port"))).isEmpty();
        assertThat(Suggestions.distance("abcd", "abdc")).isEqualTo(1);
    }

    @Test
    void kubernetesNames() {
        assertThat(KubeNames.isDns1123Subdomain("node-1.example.com")).isTrue();
        assertThat(KubeNames.isDns1123Subdomain("Node-1")).isFalse();
        assertThat(KubeNames.isDns1123Subdomain("node..1")).isFalse();
        assertThat(KubeNames.isDns1123Subdomain("node-")).isFalse();
        assertThat(KubeNames.isDns1123Subdomain("a".repeat(64))).isFalse();
        assertThat(KubeNames.labelKeyError("example.com/Tier_1.x")).isEmpty();
        assertThat(KubeNames.labelKeyError("a/b/c")).isPresent();
        assertThat(KubeNames.labelKeyError("x".repeat(64))).isPresent();
        assertThat(KubeNames.labelValueError("")).isEmpty();
        assertThat(KubeNames.labelValueError("v1.2_a")).isEmpty();
        assertThat(KubeNames.labelValueError("a b")).isPresent();
        assertThat(KubeNames.isAllowedKubeletLabel("kubernetes.io/hostname")).isTrue();
        assertThat(KubeNames.isAllowedKubeletLabel("x.node.kubernetes.io/y")).isTrue();
        assertThat(KubeNames.isAllowedKubeletLabel("node-restriction.kubernetes.io/x")).isFalse();
        assertThat(KubeNames.isKubernetesNamespaced("node-restriction.kubernetes.io/x")).isTrue();
        assertThat(KubeNames.isKubernetesNamespaced("example.com/x")).isFalse();
        assertThat(KubeNames.isKubernetesNamespaced("disktype")).isFalse();
        assertThat(KubeNames.isBootstrapGroupSuffix("kubejoin")).isTrue();
        assertThat(KubeNames.isBootstrapGroupSuffix("team:a-1")).isTrue();
        assertThat(KubeNames.isBootstrapGroupSuffix("team-")).isFalse();
        assertThat(KubeNames.isBootstrapGroupSuffix("")).isFalse();
    }

    @Test
    void deepMergeKeepsOrderAndDoesNotShareNestedMaps() {
        java.util.Map<String, Object> base = new java.util.LinkedHashMap<>();
        java.util.Map<String, Object> nested = new java.util.LinkedHashMap<>(java.util.Map.of("a", 1));
        base.put("n", nested);
        base.put("list", List.of(1, 2));
        java.util.Map<String, Object> merged = Merge.deep(base, java.util.Map.of("list", List.of(3)));
        assertThat(merged).containsExactly(java.util.Map.entry("n", java.util.Map.of("a", 1)),
                java.util.Map.entry("list", List.of(3)));
        nested.put("b", 2);
        assertThat(merged.get("n")).isEqualTo(java.util.Map.of("a", 1));
    }
}
