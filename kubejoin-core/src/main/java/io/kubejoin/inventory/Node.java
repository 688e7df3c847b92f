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
 * @param extraAddresses further IPs of the node the administrator states its serving certificate may carry
 *                  (a second NIC, a cloud address); the approver trusts nothing the kubelet reports itself
 * @param extraNames further DNS names for the serving certificate, lower case without a trailing dot
 * @param servingCIDRs networks whose addresses this node's serving certificate may carry: the node's own
 *                  approval.servingCIDRs, else the cluster-wide one
 */
public record Node(
        String name,
        String address,
        int index,
        Map<String, String> labels,
        List<Taint> taints,
        KubeletSpec kubelet,
        KubeProxySpec kubeProxy,
        Ssh ssh,
        List<String> extraAddresses,
        List<String> extraNames,
        List<String> servingCIDRs) {

    public Node {
        extraAddresses = extraAddresses == null ? List.of() : List.copyOf(extraAddresses);
        extraNames = extraNames == null ? List.of() : List.copyOf(extraNames);
        servingCIDRs = servingCIDRs == null ? List.of() : List.copyOf(servingCIDRs);
    }

    /** A node whose serving certificate may carry only its name and address. */
    public Node(String name, String address, int index, Map<String, String> labels, List<Taint> taints,
                KubeletSpec kubelet, KubeProxySpec kubeProxy, Ssh ssh) {
        this(name, address, index, labels, taints, kubelet, kubeProxy, ssh, List.of(), List.of(), List.of());
    }

    /** Field path prefix for messages, e.g. "nodes[2]". */
    public String fieldPath() {
        return "nodes[" + index + "]";
    }
}
