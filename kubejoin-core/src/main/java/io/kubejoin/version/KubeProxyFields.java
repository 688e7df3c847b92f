package io.kubejoin.version;

import io.kubejoin.version.VersionRule.Component;
import io.kubejoin.version.VersionRule.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * Top-level JSON fields of KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1), checked against
 * staging/src/k8s.io/kube-proxy/config/v1alpha1/types.go. Fields present in 1.17 carry no release.
 * portRange is still a (now unused) field in 1.35; udpIdleTimeout went with the userspace proxy in 1.26.
 */
final class KubeProxyFields {
    private KubeProxyFields() {
    }

    private static final String[] BASELINE = {
            "featureGates", "clientConnection", "hostnameOverride", "bindAddress", "healthzBindAddress",
            "metricsBindAddress", "enableProfiling", "showHiddenMetricsForVersion", "mode", "iptables", "ipvs",
            "winkernel", "clusterCIDR", "nodePortAddresses", "oomScoreAdj", "conntrack", "configSyncPeriod",
            "portRange",
    };

    static List<VersionRule> rules() {
        List<VersionRule> rules = new ArrayList<>();
        for (String name : BASELINE) rules.add(field(name, 0, 0, ""));
        rules.add(field("udpIdleTimeout", 0, 26, "only used by the userspace proxy, removed in 1.26 (kubernetes#112133)"));
        rules.add(field("detectLocalMode", 18, 0, ""));
        rules.add(field("bindAddressHardFail", 19, 0, "kubernetes#89350"));
        rules.add(field("windowsRunAsService", 19, 0, "Windows only"));
        rules.add(field("detectLocal", 24, 0, "settings for the BridgeInterface / InterfaceNamePrefix local modes"));
        rules.add(field("logging", 28, 0, "structured logging options (kubernetes#117800)"));
        rules.add(field("nftables", 29, 0, "settings for the nftables mode"));
        return rules;
    }

    private static VersionRule field(String name, int since, int removed, String note) {
        return new VersionRule(Component.KUBE_PROXY, Kind.CONFIG_FIELD, name,
                since == 0 ? null : KubeVersion.minor(since), null,
                removed == 0 ? null : KubeVersion.minor(removed), "",
                note.isEmpty() ? "KubeProxyConfiguration field" : note);
    }
}
