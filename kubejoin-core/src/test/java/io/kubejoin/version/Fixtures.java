package io.kubejoin.version;

import io.kubejoin.inventory.ContainerRuntime;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.KubeProxySpec;
import io.kubejoin.inventory.KubeletSpec;
import io.kubejoin.inventory.Node;
import io.kubejoin.inventory.ProxyMode;
import io.kubejoin.inventory.SourceLocations;
import io.kubejoin.inventory.Taint;
import io.kubejoin.testing.TestInventories;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Variations on {@link TestInventories} that the version and render tests need (nodes, locations, sandbox). */
public final class Fixtures {
    private Fixtures() {
    }

    public static Inventory inventory(String version, ContainerRuntime runtime, ProxyMode mode) {
        return TestInventories.build(version, runtime, mode);
    }

    /** The inventory's only node, given labels and taints. */
    public static Inventory withLabelsAndTaints(Inventory inv, Map<String, String> labels, List<Taint> taints) {
        Node n = inv.nodes().get(0);
        return withNodes(inv, List.of(new Node(n.name(), n.address(), n.index(), labels, taints, n.kubelet(),
                n.kubeProxy(), n.ssh())));
    }

    /** A second node "worker2" with its own overrides merged over the cluster-wide ones, as the loader does. */
    public static Inventory withSecondNode(Inventory inv, Map<String, Object> kubeletConfig,
                                           Map<String, String> kubeletFlags, Map<String, Object> proxyConfig,
                                           ProxyMode mode) {
        Node first = inv.nodes().get(0);
        KubeletSpec k = new KubeletSpec(merged(inv.kubelet().config(), kubeletConfig),
                merged(inv.kubelet().flags(), kubeletFlags), inv.kubelet().verbosity());
        KubeProxySpec p = new KubeProxySpec(mode, inv.kubeProxy().ipvsScheduler(),
                merged(inv.kubeProxy().config(), proxyConfig), inv.kubeProxy().verbosity());
        Node second = new Node("worker2", "192.168.0.115", 1, Map.of(), List.of(), k, p, first.ssh());
        return withNodes(inv, List.of(first, second));
    }

    public static Inventory withNodes(Inventory i, List<Node> nodes) {
        return new Inventory(i.source(), i.locations(), i.kubernetesVersion(), i.apiServer(), i.kubeconfig(),
                i.pki(), i.network(), i.paths(), i.runtime(), i.kubelet(), i.kubeProxy(), i.apiServerKubeletUser(),
                i.bootstrap(), i.ssh(), i.binaries(), i.sandbox(), nodes);
    }

    public static Inventory withLocations(Inventory i, SourceLocations locations) {
        return new Inventory(i.source(), locations, i.kubernetesVersion(), i.apiServer(), i.kubeconfig(),
                i.pki(), i.network(), i.paths(), i.runtime(), i.kubelet(), i.kubeProxy(), i.apiServerKubeletUser(),
                i.bootstrap(), i.ssh(), i.binaries(), i.sandbox(), i.nodes());
    }

    public static Inventory sandbox(Inventory i) {
        return new Inventory(i.source(), i.locations(), i.kubernetesVersion(), i.apiServer(), i.kubeconfig(),
                i.pki(), i.network(), i.paths(), i.runtime(), i.kubelet(), i.kubeProxy(), i.apiServerKubeletUser(),
                i.bootstrap(), i.ssh(), i.binaries(), true, i.nodes());
    }

    private static <T> Map<String, T> merged(Map<String, T> base, Map<String, T> over) {
        Map<String, T> m = new LinkedHashMap<>(base);
        m.putAll(over);
        return m;
    }
}
