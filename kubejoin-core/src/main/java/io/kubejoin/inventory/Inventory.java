package io.kubejoin.inventory;

import io.kubejoin.version.KubeVersion;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The typed inventory: everything a user says about the cluster and its worker nodes.
 * Built by {@link InventoryLoader}, which has already applied defaults, resolved local paths
 * against the inventory's folder and merged per-node overrides into each {@link Node}.
 *
 * @param source      the file this came from (messages name it; state lives beside it)
 * @param locations   YAML field path to line number, for messages about semantic problems
 * @param binaries  where kubelet and kube-proxy come from, or {@link Binaries#none()}
 * @param sandbox     true only for inventories written by the kubejoin sandbox: node addresses may be loopback
 */
public record Inventory(
        Path source,
        SourceLocations locations,
        KubeVersion kubernetesVersion,
        URI apiServer,
        Path kubeconfig,
        Pki pki,
        Network network,
        NodePaths paths,
        ContainerRuntime runtime,
        KubeletSpec kubelet,
        KubeProxySpec kubeProxy,
        String apiServerKubeletUser,
        Bootstrap bootstrap,
        Ssh ssh,
        Binaries binaries,
        boolean sandbox,
        List<Node> nodes) {

    public Optional<Node> node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
    }

    /** This inventory with only {@code selected} of its nodes (the NODE arguments of join, plan and status). */
    public Inventory withNodes(List<Node> selected) {
        return new Inventory(source, locations, kubernetesVersion, apiServer, kubeconfig, pki, network, paths, runtime,
                kubelet, kubeProxy, apiServerKubeletUser, bootstrap, ssh, binaries, sandbox, List.copyOf(selected));
    }

    /** Folder of the inventory file; relative paths and the state folder are resolved against it. */
    public Path baseDir() {
        Path parent = source.toAbsolutePath().getParent();
        return parent == null ? Path.of(".").toAbsolutePath() : parent;
    }
}
