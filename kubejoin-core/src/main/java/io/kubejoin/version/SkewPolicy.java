package io.kubejoin.version;

import io.kubejoin.version.VersionRule.Component;
import java.util.Optional;

/**
 * The Kubernetes version-skew policy (kubernetes.io/releases/version-skew-policy) applied to pairs of versions. Every
 * number comes from the {@link VersionRule.Kind#SKEW} rows of {@link VersionRules}; this class only compares. The policy counts
 * minor releases: patch releases of one minor never breach it.
 */
public final class SkewPolicy {
    private SkewPolicy() {
    }

    /**
     * A pair outside the policy.
     *
     * @param component the node component the rule is about (kubelet or kube-proxy)
     * @param rule      which rule ({@code VersionRules.SKEW_*})
     * @param version   the component's version
     * @param other     what it was compared with (kube-apiserver's version, or the kubelet's)
     * @param apart     how many minor releases {@code version} is newer (for the "newer" rule) or older than
     *                  {@code other}; {@link Integer#MAX_VALUE} for another major release
     * @param allowed   how many the policy allows for this pair
     * @param source    the table row's note: the policy's words and where they come from
     */
    public record Breach(Component component, String rule, KubeVersion version, KubeVersion other, int apart, int allowed,
                         String source) {
        public boolean newer() {
            return rule.equals(VersionRules.SKEW_NEWER_THAN_APISERVER);
        }
    }

    /** How many minor releases kubelet or kube-proxy may lag behind a kube-apiserver of this release. */
    public static int maxMinorsBehindApiServer(Component c, KubeVersion apiServer) {
        return VersionRules.skewRule(c, VersionRules.SKEW_OLDER_THAN_APISERVER, apiServer).minors();
    }

    /** The oldest minor release of kubelet or kube-proxy a kube-apiserver of this release supports. */
    public static KubeVersion oldestSupported(Component c, KubeVersion apiServer) {
        return new KubeVersion(apiServer.major(), Math.max(0, apiServer.minor() - maxMinorsBehindApiServer(c, apiServer)), 0);
    }

    /** kubelet or kube-proxy of release {@code v} against kube-apiserver: empty when the policy allows it. */
    public static Optional<Breach> againstApiServer(Component c, KubeVersion v, KubeVersion apiServer) {
        if (v.major() > apiServer.major() || (v.major() == apiServer.major() && v.minor() > apiServer.minor())) {
            VersionRule rule = VersionRules.skewRule(c, VersionRules.SKEW_NEWER_THAN_APISERVER, v);
            int apart = minorsApart(v, apiServer);
            return apart > rule.minors()
                    ? Optional.of(new Breach(c, rule.name(), v, apiServer, apart, rule.minors(), rule.note()))
                    : Optional.empty();
        }
        return behind(c, v, apiServer);
    }

    private static Optional<Breach> behind(Component c, KubeVersion v, KubeVersion apiServer) {
        VersionRule rule = VersionRules.skewRule(c, VersionRules.SKEW_OLDER_THAN_APISERVER, apiServer);
        int apart = minorsApart(apiServer, v);
        return apart > rule.minors()
                ? Optional.of(new Breach(c, rule.name(), v, apiServer, apart, rule.minors(), rule.note()))
                : Optional.empty();
    }

    /** kube-proxy beside a kubelet on one node, either may be the older: empty when the policy allows it. */
    public static Optional<Breach> kubeProxyWithKubelet(KubeVersion kubeProxy, KubeVersion kubelet) {
        KubeVersion newer = kubeProxy.compareTo(kubelet) >= 0 ? kubeProxy : kubelet;
        KubeVersion older = newer == kubeProxy ? kubelet : kubeProxy;
        VersionRule rule = VersionRules.skewRule(Component.KUBE_PROXY, VersionRules.SKEW_KUBE_PROXY_KUBELET, newer);
        int apart = minorsApart(newer, older);
        return apart > rule.minors()
                ? Optional.of(new Breach(Component.KUBE_PROXY, rule.name(), kubeProxy, kubelet, apart, rule.minors(), rule.note()))
                : Optional.empty();
    }

    /**
     * Whether moving a node's kubelet from {@code from} to {@code to} needs the node drained first: in-place minor
     * upgrades are not supported. The policy lets a kubelet skip minors (straight to any release within the skew),
     * so this is the only thing the jump itself decides.
     */
    public static boolean drainBeforeUpgrade(KubeVersion from, KubeVersion to) {
        return minorsApart(to, from) > VersionRules.skewRule(Component.KUBELET, VersionRules.SKEW_IN_PLACE_UPGRADE, to).minors();
    }

    /** Minor releases from {@code older} up to {@code newer}; MAX_VALUE across majors. */
    static int minorsApart(KubeVersion newer, KubeVersion older) {
        if (newer.major() != older.major()) return Integer.MAX_VALUE;
        return newer.minor() - older.minor();
    }
}
