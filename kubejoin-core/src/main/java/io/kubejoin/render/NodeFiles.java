package io.kubejoin.render;

import io.kubejoin.inventory.NodePaths;

/**
 * Destination paths of everything kubejoin places on a node, in one place, so the files that refer to each
 * other (the unit names the config, the config names the CA, ...) always agree.
 */
public final class NodeFiles {
    private final NodePaths paths;

    public NodeFiles(NodePaths paths) {
        this.paths = paths;
    }

    // kubelet (K2-K7)
    public String caCert() { return paths.certDir() + "/ca.pem"; }
    public String kubeletBootstrapKubeconfig() { return paths.configDir() + "/kubelet-bootstrap.kubeconfig"; }
    /** Written by kubelet itself after TLS bootstrap; removed by reset (the article's third failure). */
    public String kubeletKubeconfig() { return paths.configDir() + "/kubelet.kubeconfig"; }
    /** The client certificate kubelet.kubeconfig names (kubelet's certificate store's current link, written by kubelet). */
    public String kubeletClientCurrent() { return paths.certDir() + "/kubelet-client-current.pem"; }
    public String kubeletConfig() { return paths.configDir() + "/kubelet-config.yaml"; }
    public String kubeletUnit() { return paths.systemdDir() + "/kubelet.service"; }
    public String kubeletBinary() { return paths.binDir() + "/kubelet"; }
    public String kubeletRootDir() { return paths.dataDir() + "/kubelet"; }
    public String kubeletVolumePluginDir() { return paths.dataDir() + "/kubelet/kubelet-plugins/volume/exec/"; }
    public String certDir() { return paths.certDir(); }
    public String staticPodPath() { return paths.configDir() + "/manifests"; }

    // kube-proxy (P1-P7)
    public String kubeProxyCert() { return paths.certDir() + "/kube-proxy.pem"; }
    public String kubeProxyKey() { return paths.certDir() + "/kube-proxy-key.pem"; }
    public String kubeProxyKubeconfig() { return paths.configDir() + "/kube-proxy.kubeconfig"; }
    public String kubeProxyConfig() { return paths.configDir() + "/kube-proxy-config.yaml"; }
    public String kubeProxyUnit() { return paths.systemdDir() + "/kube-proxy.service"; }
    public String kubeProxyBinary() { return paths.binDir() + "/kube-proxy"; }
    public String kubeProxyWorkDir() { return paths.dataDir() + "/kube-proxy"; }
    /** Makes the proxy mode's kernel modules load at boot (P7 loads them only until the next reboot). */
    public String modulesLoadConf() { return "/etc/modules-load.d/kubejoin-kube-proxy.conf"; }
}
