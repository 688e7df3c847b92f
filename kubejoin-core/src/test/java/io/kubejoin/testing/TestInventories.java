package io.kubejoin.testing;

import io.kubejoin.inventory.*;
import io.kubejoin.version.KubeVersion;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Inventories built in code for tests that should not depend on the YAML loader. */
public final class TestInventories {
    private TestInventories() {
    }

    /** The article's cluster: 1.17.2, docker, ipvs, node "slave" at 192.168.0.114 (never contacted). */
    public static Inventory article() {
        return build("1.17.2", ContainerRuntime.docker(), ProxyMode.IPVS);
    }

    /** A current cluster with containerd. */
    public static Inventory current(String version) {
        return build(version, ContainerRuntime.containerd(), ProxyMode.IPVS);
    }

    public static Inventory build(String version, ContainerRuntime runtime, ProxyMode mode) {
        return build(version, runtime, mode, Map.of(), Map.of(), Map.of());
    }

    public static Inventory build(String version, ContainerRuntime runtime, ProxyMode mode,
                                  Map<String, Object> kubeletConfig, Map<String, String> kubeletFlags,
                                  Map<String, Object> proxyConfig) {
        KubeletSpec kubelet = new KubeletSpec(new LinkedHashMap<>(kubeletConfig), new LinkedHashMap<>(kubeletFlags), 2);
        KubeProxySpec proxy = new KubeProxySpec(mode, "rr", new LinkedHashMap<>(proxyConfig), 2);
        Ssh ssh = new Ssh("root", 22, Path.of("/root/.ssh/id_ed25519"), Path.of("/root/.ssh/known_hosts"));
        List<Node> nodes = new ArrayList<>();
        nodes.add(new Node("slave", "192.168.0.114", 0, Map.of(), List.of(), kubelet, proxy, ssh));
        return new Inventory(Path.of("/tmp/kubejoin-test/inventory.yaml"), SourceLocations.none(),
                KubeVersion.parse(version), URI.create("https://192.168.0.107:6443"), null,
                new Pki(Path.of("/tmp/kubejoin-test/ca.pem"), Path.of("/tmp/kubejoin-test/ca-key.pem"), null,
                        "kubernetes", null),
                new Network("172.30.0.0/16", "10.254.0.0/16", List.of("10.254.0.2"), "cluster.local"),
                new NodePaths("/opt/k8s/bin", "/data/k8s/k8s", "/etc/kubernetes", "/etc/kubernetes/cert"),
                runtime, kubelet, proxy, "kubernetes-api",
                new Bootstrap(java.time.Duration.ofHours(1), "kubejoin"), ssh, Binaries.none(), false, nodes);
    }
}
