package io.kubejoin.inventory;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads an inventory YAML file into a validated {@link Inventory}, or throws {@link InvalidInputException}
 * listing every problem found (never any other exception for bad input).
 *
 * <h2>Inventory format</h2>
 * <pre>
 * kubernetesVersion: "1.32.4"        # required, 1.17 to 1.35 ("1.32" means 1.32.0)
 * apiServer: https://192.168.0.107:6443   # required, https://host:port, nothing more
 * kubeconfig: ~/.kube/config         # admin kubeconfig (default ~/.kube/config)
 * pki:
 *   caCert: ca.pem                   # required, must be a readable file
 *   caKey: ca-key.pem                # required, must be a readable file
 *   caConfig: ca-config.json         # optional cfssl config (readable if given); default: built-in profile
 *   profile: kubernetes              # cfssl profile (default kubernetes)
 *   kubeProxyCsr: kube-proxy-csr.json  # optional cfssl CSR (readable if given); default: the article's subject
 * network:                           # all optional
 *   clusterCIDR: 172.30.0.0/16       # pod range; "v4,v6" for dual stack
 *   serviceCIDR: 10.254.0.0/16       # service range; "v4,v6" for dual stack
 *   clusterDNS: [10.254.0.2]         # list (or one address); each inside serviceCIDR
 *   clusterDomain: cluster.local
 * paths: { binDir: /opt/k8s/bin, dataDir: /data/k8s/k8s, configDir: /etc/kubernetes, certDir: /etc/kubernetes/cert }
 * runtime: containerd                # containerd (default) | docker (before 1.24) | unix:///path/to/cri.sock
 * kubelet:
 *   config: {}                       # KubeletConfiguration fields merged over kubejoin's (free-form, typed as YAML)
 *   flags: {}                        # extra flags without dashes: { node-ip: 10.0.0.5 }; values as text
 *   verbosity: 2                     # --v, 0 to 10
 * kubeProxy:
 *   mode: ipvs                       # iptables | ipvs (default) | nftables
 *   ipvsScheduler: rr
 *   config: {}                       # KubeProxyConfiguration fields merged over kubejoin's
 *   verbosity: 2
 * apiServerKubeletUser: kubernetes-api   # CN of the apiserver's kubelet client certificate
 * bootstrap: { tokenTTL: 1h, group: kubejoin }   # Go duration from 1m to 24h; group after system:bootstrappers:
 * ssh: { user: root, port: 22, identityFile: ~/.ssh/id_ed25519, knownHosts: ~/.ssh/known_hosts }
 *                                    # proxyJump: a,b; configFile: ~/.ssh/config (none: ignore), fills what is unsaid
 * sandbox: false                     # true only in inventories kubejoin's sandbox writes: loopback addresses allowed
 * nodes:                             # required, at least one
 *   - name: slave                    # required, lower-case RFC 1123 subdomain, unique
 *     address: 192.168.0.114         # required, IP literal, unique, not loopback/unspecified, not in service/pod range
 *     labels: { disktype: ssd }      # Kubernetes labels kubelet may set on itself
 *     taints: [ { key: dedicated, value: infra, effect: NoSchedule } ]
 *     kubelet: { config: {}, flags: {}, verbosity: 2 }   # merged over the cluster-wide kubelet
 *     kubeProxy: { config: {}, verbosity: 2 }            # merged over the cluster-wide kubeProxy
 *     ssh: { user: admin, port: 2222 }                    # each field overrides the cluster-wide ssh
 * </pre>
 * Local paths (pki.*, kubeconfig, ssh.identityFile, ssh.knownHosts) expand a leading ~ and resolve against the
 * inventory's folder. Per-node config maps deep-merge over the cluster-wide ones (nested maps merge, lists are
 * replaced, a null value removes the key). Scalars follow the YAML 1.2 core schema, so quote versions such as
 * "1.30" that would otherwise read as numbers (the loader keeps the text as written either way).
 * Overrides inside the free-form config maps are checked by {@link VersionChecks}, which runs once the
 * inventory's structure is sound.
 */
public final class InventoryLoader {
    // far beyond any real inventory, and below snakeyaml-engine's own 3 MB input limit
    private static final long MAX_BYTES = 2L * 1024 * 1024;

    private InventoryLoader() {
    }

    public static Inventory load(Path file) {
        LoadContext ctx = new LoadContext(file);
        Optional<Node> root = compose(ctx);
        if (root.isEmpty()) throw new InvalidInputException(ctx.problems());
        List<Problem> controlCharacters = ControlCharacters.check(ctx, root.get());
        YamlMap top = YamlMap.open(ctx, "", root.get(), InventoryReader.TOP, InventoryReader.HOMES);
        if (top == null) {
            // the generic "must be a map" text reads oddly for a whole file; say what the file should be
            ctx.problems().clear();
            ctx.problemAt(YamlMap.line(root.get()), "", "the inventory must be a map of fields, not a list or a single value",
                    "start with 'kubernetesVersion: ...', see the example in the documentation");
            throw new InvalidInputException(ctx.problems());
        }
        Inventory inventory = new InventoryReader(ctx).read(top);
        boolean structureSound = ctx.problems().isEmpty();
        new InventoryValidator(ctx, inventory).validate();
        if (structureSound) {
            addVersionProblems(ctx.problems(), VersionChecks.check(inventory));
        }
        // a field with a control character gets that one problem, not also "no such file" or "not a valid label"
        ctx.problems().removeIf(p -> !controlCharacters.contains(p)
                && controlCharacters.stream().anyMatch(c -> c.fieldPath().equals(p.fieldPath())));
        if (!ctx.problems().isEmpty()) {
            // in file order, so the list reads top to bottom alongside the file; file-level ones (line 0) first
            List<Problem> sorted = new java.util.ArrayList<>(ctx.problems());
            sorted.sort(java.util.Comparator.comparingInt(Problem::line));
            throw new InvalidInputException(sorted);
        }
        return compact(inventory);
    }

    /**
     * The loaded inventory as the run keeps it, which is the same value (every record equal) with less per node: a
     * node that overrides nothing gets the cluster-wide kubelet, kube-proxy and ssh settings as one shared instance
     * each (equal ones are one object), empty labels and taints are the shared empty ones, and the field paths' lines
     * are compacted. A 10,000-node inventory held four maps and three settings records of its own per node, kept for
     * the whole render or join. Nothing mutates these after loading (the renderers copy before they merge).
     */
    static Inventory compact(Inventory inv) {
        inv.locations().compact();
        Map<Object, Object> canonical = new HashMap<>();
        List<io.kubejoin.inventory.Node> nodes = new ArrayList<>(inv.nodes().size());
        for (io.kubejoin.inventory.Node n : inv.nodes()) {
            nodes.add(new io.kubejoin.inventory.Node(n.name(), n.address(), n.index(), shared(canonical, n.labels()), shared(canonical, n.taints()),
                    shared(canonical, n.kubelet()), shared(canonical, n.kubeProxy()), shared(canonical, n.ssh()),
                    n.extraAddresses(), n.extraNames(), shared(canonical, n.servingCIDRs())));
        }
        return new Inventory(inv.source(), inv.locations(), inv.kubernetesVersion(), inv.apiServer(), inv.kubeconfig(),
                inv.pki(), inv.network(), inv.paths(), inv.runtime(), inv.kubelet(), inv.kubeProxy(),
                inv.apiServerKubeletUser(), inv.bootstrap(), inv.ssh(), inv.binaries(), inv.sandbox(),
                Collections.unmodifiableList(nodes));
    }

    /** The first value equal to {@code v} met in this load (records, maps and lists compare by content). */
    @SuppressWarnings("unchecked")
    private static <T> T shared(Map<Object, Object> canonical, T v) {
        if (v == null) return null;
        if (v instanceof Map<?, ?> m && m.isEmpty()) return (T) Collections.emptyMap();
        if (v instanceof List<?> l && l.isEmpty()) return (T) Collections.emptyList();
        return (T) canonical.computeIfAbsent(v, k -> k);
    }

    /**
     * Adds the version-aware problems, except where this loader already reported on the same field and line:
     * a few rules (docker after 1.24, hostnameOverride) are checked on both sides, and one message per field is enough.
     */
    static void addVersionProblems(List<Problem> ours, List<Problem> versionProblems) {
        List<Problem> before = List.copyOf(ours);
        for (Problem p : versionProblems) {
            boolean reported = before.stream().anyMatch(o -> o.line() == p.line()
                    && java.util.Objects.equals(o.fieldPath(), p.fieldPath()));
            if (!reported) ours.add(p);
        }
    }

    private static Optional<Node> compose(LoadContext ctx) {
        Path file = ctx.file();
        String text;
        try {
            if (!Files.exists(file)) {
                ctx.problemAt(0, "", "file not found (looked for " + file.toAbsolutePath().normalize() + ")",
                        "check the path given with -f");
                return Optional.empty();
            }
            if (Files.isDirectory(file)) {
                ctx.problemAt(0, "", "is a folder, not an inventory file", "give the inventory YAML file with -f");
                return Optional.empty();
            }
            if (Files.size(file) > MAX_BYTES) {
                ctx.problemAt(0, "", "is " + Files.size(file) / 1024 + " KiB, too large for an inventory",
                        "check that -f names the inventory YAML file");
                return Optional.empty();
            }
            text = Files.readString(file);
        } catch (CharacterCodingException e) {
            ctx.problemAt(0, "", "is not UTF-8 text", "save the inventory as UTF-8");
            return Optional.empty();
        } catch (IOException | SecurityException e) {
            ctx.problemAt(0, "", "cannot be read: " + e.getMessage(), "check the file's permissions");
            return Optional.empty();
        }
        try {
            Optional<Node> root = new Compose(YamlMap.SETTINGS).composeString(text);
            if (root.isEmpty() || YamlMap.isNull(root.get())) {
                ctx.problemAt(0, "", "the file is empty", "write the inventory: at least kubernetesVersion, apiServer, "
                        + "pki and nodes");
                return Optional.empty();
            }
            return root;
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().or(e::getContextMark).map(m -> m.getLine() + 1).orElse(0);
            ctx.problemAt(line, "", "is not valid YAML: " + firstLine(e.getProblem()), "fix the YAML syntax near this line");
            return Optional.empty();
        } catch (YamlEngineException e) {
            ctx.problemAt(0, "", "is not valid YAML: " + firstLine(e.getMessage()), "fix the YAML syntax");
            return Optional.empty();
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "syntax error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    static List<Problem> problemsOf(Path file) {
        try {
            load(file);
            return List.of();
        } catch (InvalidInputException e) {
            return e.problems();
        }
    }
}
