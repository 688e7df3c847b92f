package io.kubejoin.inventory;

import java.util.List;
import java.util.Map;

/**
 * One worker node, with the cluster-wide settings already merged with its own overrides.
 *
 * @param name      the Kubernetes node name; also kubelet's --hostname-override and kube-proxy's hostnameOverride,
 *                  which must be equal (the article's third failure)
 * @param address   the IP kubelet and kube-proxy bind to and that kubejoin connects to
 * @param index     position in the inventory's nodes list (for field paths: nodes[index])
 */
public record Node(
        String name,
        String address,
        int index,
        Map<String, String> labels,
        List<Taint> taints,
        KubeletSpec kubelet,
        KubeProxySpec kubeProxy,
        Ssh ssh) {

    /** Field path prefix for messages, e.g. "nodes[2]". */
    public String fieldPath() {
        return "nodes[" + index + "]";
    }
}
