package io.kubejoin.render;

import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.token.BootstrapToken;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Pure rendering: inventory + version + secrets in, files out. No I/O, no clock, no randomness, so the same
 * inputs always give byte-identical files.
 */
public final class Renderer {
    public static final int PUBLIC = 0644;
    public static final int PRIVATE = 0600;

    private Renderer() {
    }

    /** Everything, for all nodes and the cluster, in a stable order (node, then path). */
    public static Rendered render(Inventory inv, ClusterMaterial material, Map<String, BootstrapToken> tokens) {
        Rendered nodes = renderNodes(inv, material, tokens);
        List<RenderedFile> files = new ArrayList<>(nodes.files());
        files.addAll(renderCluster(inv, inv.nodes().stream().map(n -> tokens.get(n.name())).toList()));
        files.sort(Comparator.comparing(RenderedFile::node).thenComparing(RenderedFile::path));
        return new Rendered(files, nodes.warnings());
    }

    /** The nodes' files only (what a join pushes; it makes the cluster objects through the API instead). */
    public static Rendered renderNodes(Inventory inv, ClusterMaterial material, Map<String, BootstrapToken> tokens) {
        for (Node node : inv.nodes()) {
            if (tokens.get(node.name()) == null) throw new IllegalArgumentException("no bootstrap token for node " + node.name());
        }
        // the same for every node: rendered once
        String kubeProxyKubeconfig = kubeProxyKubeconfig(inv, material);
        // nodes on two threads (a thousand nodes' YAML took seconds before a join could begin); each node's
        // warnings kept apart and merged in node order, so the output does not depend on the threads
        List<NodeRendering> perNode;
        try {
            perNode = io.kubejoin.util.Parallel.map(inv.nodes(), RENDER_THREADS, "kubejoin-render", node -> {
                RenderWarnings w = new RenderWarnings();
                return new NodeRendering(renderNode(inv, node, material, tokens.get(node.name()), w, kubeProxyKubeconfig), w);
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while rendering", e);
        }
        RenderWarnings warnings = new RenderWarnings();
        List<RenderedFile> files = new ArrayList<>();
        for (NodeRendering r : perNode) {
            files.addAll(r.files());
            r.warnings().all().forEach(warnings::add);
        }
        files.sort(Comparator.comparing(RenderedFile::node).thenComparing(RenderedFile::path));
        return new Rendered(files, warnings.all());
    }

    /**
     * Rendering one unit at a time (a node's files, or the cluster manifests under {@link RenderedFile#CLUSTER}),
     * for a writer that writes each unit and drops it, so no more than a few nodes' files exist at once. Thread-safe;
     * warnings are collected as {@link #render} would merge them: in inventory order, each once.
     */
    public static Units units(Inventory inv, ClusterMaterial material, Map<String, BootstrapToken> tokens) {
        return new Units(inv, material, tokens);
    }

    public static final class Units {
        private final Inventory inv;
        private final ClusterMaterial material;
        private final Map<String, BootstrapToken> tokens;
        private final String kubeProxyKubeconfig;
        private final Map<String, Integer> index = new java.util.HashMap<>();
        /** warning → its first place (node's inventory position, place among that node's warnings) */
        private final Map<String, Long> firstSeen = new java.util.concurrent.ConcurrentHashMap<>();

        private Units(Inventory inv, ClusterMaterial material, Map<String, BootstrapToken> tokens) {
            this.inv = inv;
            this.material = material;
            this.tokens = tokens;
            for (int i = 0; i < inv.nodes().size(); i++) {
                Node node = inv.nodes().get(i);
                if (tokens.get(node.name()) == null) throw new IllegalArgumentException("no bootstrap token for node " + node.name());
                index.put(node.name(), i);
            }
            this.kubeProxyKubeconfig = kubeProxyKubeconfig(inv, material); // the same for every node: rendered once
        }

        /** Every unit: the nodes' names and {@link RenderedFile#CLUSTER}. */
        public List<String> names() {
            List<String> names = new ArrayList<>(inv.nodes().stream().map(Node::name).toList());
            if (!index.containsKey(RenderedFile.CLUSTER)) names.add(RenderedFile.CLUSTER);
            return names;
        }

        public List<RenderedFile> render(String unit) {
            List<RenderedFile> files = new ArrayList<>();
            if (index.containsKey(unit)) files.addAll(node(unit, new RenderWarnings()));
            // a node may be named "cluster" too: its files and the manifests share the folder, as they always did
            if (unit.equals(RenderedFile.CLUSTER)) {
                files.addAll(renderCluster(inv, inv.nodes().stream().map(n -> tokens.get(n.name())).toList()));
            }
            if (files.isEmpty()) throw new IllegalArgumentException("no node " + unit);
            return files;
        }

        /** One node's files (no cluster manifests), its warnings added to {@code warnings} and kept for {@link #warnings}. */
        public List<RenderedFile> node(String name, RenderWarnings warnings) {
            Integer i = index.get(name);
            if (i == null) throw new IllegalArgumentException("no node " + name);
            Node node = inv.nodes().get(i);
            RenderWarnings w = new RenderWarnings();
            List<RenderedFile> files = renderNode(inv, node, material, tokens.get(name), w, kubeProxyKubeconfig);
            List<String> all = w.all();
            for (int k = 0; k < all.size(); k++) {
                firstSeen.merge(all.get(k), ((long) i << 20) + k, Math::min);
                warnings.add(all.get(k));
            }
            return files;
        }

        /** The warnings of the units rendered so far, in inventory order, each once. */
        public List<String> warnings() {
            return firstSeen.entrySet().stream().sorted(Map.Entry.comparingByValue()).map(Map.Entry::getKey).toList();
        }
    }

    private static final int RENDER_THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

    private record NodeRendering(List<RenderedFile> files, RenderWarnings warnings) {
    }

    private static String kubeProxyKubeconfig(Inventory inv, ClusterMaterial material) {
        return Kubeconfigs.clientCertificate(inv.apiServer(), material.caCertPem(), "kube-proxy",
                material.kubeProxyCertPem(), material.kubeProxyKeyPem());
    }

    /** Every file one node needs (K2-K7, P1-P7), with the destination's mode. */
    public static List<RenderedFile> renderNode(Inventory inv, Node node, ClusterMaterial material,
                                                BootstrapToken token, RenderWarnings warnings) {
        return renderNode(inv, node, material, token, warnings, kubeProxyKubeconfig(inv, material));
    }

    private static List<RenderedFile> renderNode(Inventory inv, Node node, ClusterMaterial material, BootstrapToken token,
                                                 RenderWarnings warnings, String kubeProxyKubeconfig) {
        NodeFiles f = new NodeFiles(inv.paths());
        String n = node.name();
        List<RenderedFile> files = new ArrayList<>();
        // kubelet's clientCAFile and the CA the kubeconfigs trust
        files.add(RenderedFile.text(n, f.caCert(), PUBLIC, material.caCertPem()));
        files.add(RenderedFile.text(n, f.kubeletBootstrapKubeconfig(), PRIVATE,
                Kubeconfigs.bootstrap(inv.apiServer(), material.caCertPem(), token.value())));
        files.add(RenderedFile.text(n, f.kubeletConfig(), PUBLIC, KubeletConfigRenderer.render(inv, node, warnings)));
        files.add(RenderedFile.text(n, f.kubeletUnit(), PUBLIC, KubeletUnitRenderer.render(inv, node, warnings)));
        files.add(RenderedFile.text(n, f.kubeProxyCert(), PUBLIC, material.kubeProxyCertPem()));
        files.add(RenderedFile.text(n, f.kubeProxyKey(), PRIVATE, material.kubeProxyKeyPem()));
        files.add(RenderedFile.text(n, f.kubeProxyKubeconfig(), PRIVATE, kubeProxyKubeconfig));
        files.add(RenderedFile.text(n, f.kubeProxyConfig(), PUBLIC, KubeProxyConfigRenderer.render(inv, node, warnings)));
        files.add(RenderedFile.text(n, f.kubeProxyUnit(), PUBLIC, KubeProxyUnitRenderer.render(inv, node, warnings)));
        files.add(RenderedFile.text(n, f.modulesLoadConf(), PUBLIC, ModulesLoadRenderer.render(inv, node, warnings)));
        return files;
    }

    /** K1, K8, K9 as manifests a person could review or apply; the token Secrets carry secrets (0600). */
    public static List<RenderedFile> renderCluster(Inventory inv, List<BootstrapToken> tokens) {
        List<RenderedFile> files = new ArrayList<>();
        StringBuilder secrets = new StringBuilder();
        for (BootstrapToken t : tokens) {
            secrets.append("---\n").append(ClusterManifests.toYaml(ClusterManifests.bootstrapTokenSecret(inv, t)));
        }
        files.add(RenderedFile.text(RenderedFile.CLUSTER, "bootstrap-token-secrets.yaml", PRIVATE, secrets.toString()));
        files.add(RenderedFile.text(RenderedFile.CLUSTER, "clusterrolebindings.yaml", PUBLIC,
                "---\n" + ClusterManifests.toYaml(ClusterManifests.kubeletBootstrap())
                        + "---\n" + ClusterManifests.toYaml(ClusterManifests.apiServerKubeletApis(inv))));
        return files;
    }

    /** The result: files and warnings for the user. */
    public record Rendered(List<RenderedFile> files, List<String> warnings) {
        /** Each node's files (the cluster manifests left out), as the join pushes them. */
        public Map<String, List<RenderedFile>> byNode() {
            return files.stream().filter(f -> !f.node().equals(RenderedFile.CLUSTER))
                    .collect(java.util.stream.Collectors.groupingBy(RenderedFile::node));
        }
    }
}
