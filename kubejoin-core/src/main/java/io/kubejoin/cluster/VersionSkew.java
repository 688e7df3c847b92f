package io.kubejoin.cluster;

import io.kubejoin.version.KubeVersion;

/**
 * The kubelet/kube-apiserver version-skew policy (kubernetes.io/releases/version-skew-policy): kubelet may be up
 * to three minor releases older than kube-apiserver from 1.28 on (two before), and never newer.
 * (Kept here rather than in version.VersionRules, which holds rules about the files kubejoin renders.)
 */
public final class VersionSkew {
    private VersionSkew() {
    }

    /** How many minor releases kubelet may lag behind an apiserver of this version. */
    public static int allowedKubeletLag(KubeVersion apiServer) {
        return apiServer.atLeast(28) ? 3 : 2;
    }

    public static Finding check(KubeVersion apiServer, KubeVersion kubelet) {
        String check = "version-skew";
        if (kubelet.major() != apiServer.major() || kubelet.minor() > apiServer.minor()) {
            return Finding.fail(check, "kubelet " + kubelet + " would be newer than kube-apiserver " + apiServer
                    + ", which Kubernetes does not support",
                    "set kubernetesVersion to " + apiServer.minorString() + " or older, or upgrade the control plane first");
        }
        int lag = apiServer.minor() - kubelet.minor();
        int allowed = allowedKubeletLag(apiServer);
        if (lag > allowed) {
            return Finding.warn(check, "kubelet " + kubelet + " is " + lag + " minor releases older than kube-apiserver "
                    + apiServer + " (at most " + allowed + " are supported)",
                    "set kubernetesVersion to " + KubeVersion.minor(apiServer.minor() - allowed).minorString() + " or newer");
        }
        return Finding.ok(check, "kubelet " + kubelet + " with kube-apiserver " + apiServer);
    }
}
