package io.kubejoin.version;

import static io.kubejoin.version.KubeVersion.minor;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.version.VersionRule.Component;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** The version-skew policy at its boundaries, against the words of kubernetes.io/releases/version-skew-policy. */
class SkewPolicyTest {

    @ParameterizedTest(name = "{0}: {1} with kube-apiserver {2} -> {3}")
    @CsvSource({
            // never newer, whatever the patch
            "KUBELET, 1.28.0, 1.27.9, newer",
            "KUBELET, 1.35.0, 1.34.2, newer",
            "KUBELET, 1.33.9, 1.33.0, ok",
            "KUBELET, 2.0.0, 1.35.0, newer",
            // two behind before a 1.28 kube-apiserver
            "KUBELET, 1.17.0, 1.19.4, ok",
            "KUBELET, 1.17.2, 1.20.0, older",
            "KUBELET, 1.25.0, 1.27.0, ok",
            "KUBELET, 1.24.17, 1.27.16, older",
            // three from 1.28 (KEP-3935)
            "KUBELET, 1.25.0, 1.28.0, ok",
            "KUBELET, 1.24.0, 1.28.0, older",
            "KUBELET, 1.32.0, 1.35.0, ok",
            "KUBELET, 1.31.9, 1.35.0, older",
            "KUBELET, 1.17.0, 1.35.0, older",
            // kube-proxy: the same rules against kube-apiserver
            "KUBE_PROXY, 1.24.0, 1.27.0, older",
            "KUBE_PROXY, 1.25.0, 1.28.0, ok",
            "KUBE_PROXY, 1.34.0, 1.33.0, newer",
            "KUBE_PROXY, 1.30.0, 1.33.0, ok",
    })
    void againstKubeApiServer(Component c, String version, String apiServer, String expected) {
        Optional<SkewPolicy.Breach> b = SkewPolicy.againstApiServer(c, KubeVersion.parse(version), KubeVersion.parse(apiServer));
        String got = b.isEmpty() ? "ok" : b.get().newer() ? "newer" : "older";
        assertThat(got).isEqualTo(expected);
    }

    /**
     * The table keys the three-minor rule on kube-apiserver's release (1.28); the policy words it on the node's
     * ("kubelet &lt; 1.25 may only be up to two minor versions older"). Both must name the same pairs, for every
     * release kubejoin supports.
     */
    @ParameterizedTest
    @EnumSource(value = Component.class, names = {"KUBELET", "KUBE_PROXY"})
    void theTableAndThePolicysWordingAgreeOnEveryPair(Component c) {
        for (int api = 17; api <= 35; api++) {
            for (int node = 17; node <= 35; node++) {
                boolean policyAllows = node <= api && (api - node <= 2 || (api - node == 3 && node >= 25));
                assertThat(SkewPolicy.againstApiServer(c, minor(node), minor(api)).isEmpty())
                        .as("%s 1.%d with kube-apiserver 1.%d", c, node, api).isEqualTo(policyAllows);
            }
            assertThat(SkewPolicy.maxMinorsBehindApiServer(c, minor(api))).as("1.%d", api).isEqualTo(api >= 28 ? 3 : 2);
        }
    }

    @Test
    void aBreachSaysHowFarAndWhatIsAllowed() {
        SkewPolicy.Breach b = SkewPolicy.againstApiServer(Component.KUBELET, minor(24), minor(27)).orElseThrow();
        assertThat(b.apart()).isEqualTo(3);
        assertThat(b.allowed()).isEqualTo(2);
        assertThat(b.rule()).isEqualTo(VersionRules.SKEW_OLDER_THAN_APISERVER);
        assertThat(b.source()).contains("version-skew-policy");
        assertThat(SkewPolicy.oldestSupported(Component.KUBELET, minor(27))).isEqualTo(minor(25));
        assertThat(SkewPolicy.oldestSupported(Component.KUBELET, minor(28))).isEqualTo(minor(25));
        assertThat(SkewPolicy.oldestSupported(Component.KUBE_PROXY, minor(35))).isEqualTo(minor(32));
    }

    @ParameterizedTest(name = "kube-proxy {0} beside kubelet {1} -> {2}")
    @CsvSource({
            "1.26.0, 1.26.3, ok",
            // the same minor, as the policy said until 1.27
            "1.25.0, 1.26.0, apart",
            "1.26.0, 1.25.0, apart",
            // up to two either way from 1.27
            "1.25.0, 1.27.0, ok",
            "1.27.0, 1.25.0, ok",
            "1.24.0, 1.27.0, apart",
            // three from 1.28 ("kube-proxy < 1.25: two" names the same pairs)
            "1.25.0, 1.28.0, ok",
            "1.28.0, 1.25.0, ok",
            "1.24.0, 1.28.0, apart",
            "1.31.0, 1.35.0, apart",
    })
    void kubeProxyBesideItsKubelet(String kubeProxy, String kubelet, String expected) {
        Optional<SkewPolicy.Breach> b = SkewPolicy.kubeProxyWithKubelet(KubeVersion.parse(kubeProxy), KubeVersion.parse(kubelet));
        assertThat(b.isEmpty() ? "ok" : "apart").isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}: drain {2}")
    @CsvSource({
            "1.33.1, 1.33.4, false",
            "1.33.4, 1.34.0, true",
            // skipping minors is allowed (the policy lets kubelet go straight to any release within the skew)
            "1.30.2, 1.33.1, true",
            "1.17.2, 1.17.2, false",
    })
    void aMinorUpgradeDrainsFirstAPatchUpgradeDoesNot(String from, String to, boolean drain) {
        assertThat(SkewPolicy.drainBeforeUpgrade(KubeVersion.parse(from), KubeVersion.parse(to))).isEqualTo(drain);
    }
}
