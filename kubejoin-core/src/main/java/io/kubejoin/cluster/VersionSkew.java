package io.kubejoin.cluster;

import io.kubejoin.version.KubeVersion;
import io.kubejoin.version.SkewPolicy;
import io.kubejoin.version.VersionRule.Component;
import java.util.Optional;

/**
 * Join's preflight finding for the kubelet/kube-apiserver version skew: {@link SkewPolicy}, whose numbers are rows of
 * version.VersionRules (up to three minors behind a 1.28 or newer kube-apiserver, two before; never newer).
 */
public final class VersionSkew {
    private VersionSkew() {
    }

    /** How many minor releases kubelet may lag behind an apiserver of this version. */
    public static int allowedKubeletLag(KubeVersion apiServer) {
        return SkewPolicy.maxMinorsBehindApiServer(Component.KUBELET, apiServer);
    }

    public static Finding check(KubeVersion apiServer, KubeVersion kubelet) {
        String check = "version-skew";
        Optional<SkewPolicy.Breach> breach = SkewPolicy.againstApiServer(Component.KUBELET, kubelet, apiServer);
        if (breach.isEmpty()) return Finding.ok(check, "kubelet " + kubelet + " with kube-apiserver " + apiServer);
        SkewPolicy.Breach b = breach.get();
        if (b.newer()) {
            return Finding.fail(check, "kubelet " + kubelet + " would be newer than kube-apiserver " + apiServer
                    + ", which Kubernetes does not support",
                    "set kubernetesVersion to " + apiServer.minorString() + " or older, or upgrade the control plane first");
        }
        return Finding.warn(check, "kubelet " + kubelet + " is " + b.apart() + " minor releases older than kube-apiserver "
                + apiServer + " (at most " + b.allowed() + " are supported)",
                "set kubernetesVersion to " + SkewPolicy.oldestSupported(Component.KUBELET, apiServer).minorString() + " or newer");
    }
}
