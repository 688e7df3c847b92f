package io.kubejoin.inventory;

import io.kubejoin.util.Suggestions;

import io.kubejoin.util.GoDuration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Semantic checks of a read inventory: values that parse but cannot work. Fields the reader could not read are
 * null here and skipped (their problem is already recorded).
 *
 * <p>Decisions: a CIDR with host bits set is refused (suggesting the network address), since kubelet and
 * kube-proxy would silently use a different range than written; a node address inside the service or cluster
 * (pod) CIDR is refused, since traffic to it would be captured by service rules or pod routes; the bootstrap
 * token lives 1m to 24h (kubeadm's default is the ceiling: kubejoin deletes the token once the node joined).
 * With {@code sandbox: true} node addresses may be loopback and may repeat when the nodes' ssh ports differ.
 */
final class InventoryValidator {
    private static final Duration MIN_TOKEN_TTL = Duration.ofMinutes(1);
    // kubeadm's default token TTL; kubejoin deletes the token once the node joined, so a longer life only adds risk
    private static final Duration MAX_TOKEN_TTL = Duration.ofHours(24);
    private static final List<String> EFFECTS = List.of("NoSchedule", "PreferNoSchedule", "NoExecute");
    private static final String HOSTNAME_WHY = "kubejoin sets kubelet's --hostname-override and kube-proxy's "
            + "hostnameOverride to the node name; when they differ kube-proxy finds no Node object and programs "
            + "no ipvs/iptables rules";

    private final LoadContext ctx;
    private final Inventory inv;
    private List<Cidr> serviceCidrs = List.of();
    private List<Cidr> clusterCidrs = List.of();

    InventoryValidator(LoadContext ctx, Inventory inv) {
        this.ctx = ctx;
        this.inv = inv;
    }

    void validate() {
        version();
        network();
        nodePaths();
        pki();
        bootstrap();
        ssh("ssh", inv.ssh());
        if (inv.kubelet() != null) {
            verbosity("kubelet.verbosity", inv.kubelet().verbosity());
            flagNames("kubelet.flags", inv.kubelet().flags());
        }
        if (inv.kubeProxy() != null) {
            verbosity("kubeProxy.verbosity", inv.kubeProxy().verbosity());
            if (inv.kubeProxy().ipvsScheduler().isBlank()) {
                ctx.problem("kubeProxy.ipvsScheduler", "is empty", "remove it to use rr, or name an ipvs scheduler");
            }
        }
        if (inv.apiServerKubeletUser() != null && inv.apiServerKubeletUser().isBlank()) {
            ctx.problem("apiServerKubeletUser", "is empty",
                    "write the CN of kube-apiserver's kubelet client certificate (default kubernetes-api)");
        }
        nodes();
    }

    private void version() {
        if (inv.kubernetesVersion() == null) return;
        if (!inv.kubernetesVersion().isSupported()) {
            ctx.problem("kubernetesVersion", inv.kubernetesVersion().minorString() + " is not supported",
                    "kubejoin renders for Kubernetes 1.17 to 1.35");
            return;
        }
        if (inv.runtime() != null && inv.runtime().kind() == ContainerRuntime.Kind.DOCKER
                && inv.kubernetesVersion().atLeast(24)) {
            ctx.problem("runtime", "docker cannot be used with Kubernetes " + inv.kubernetesVersion().minorString()
                            + ": kubelet's dockershim was removed in 1.24",
                    "use runtime: containerd, or install cri-dockerd and write runtime: unix:///run/cri-dockerd.sock");
        }
    }

    private void network() {
        Network n = inv.network();
        if (n == null) return;
        serviceCidrs = cidrs("network.serviceCIDR", n.serviceCIDR());
        clusterCidrs = cidrs("network.clusterCIDR", n.clusterCIDR());
        for (Cidr s : serviceCidrs) {
            for (Cidr c : clusterCidrs) {
                if (s.overlaps(c)) {
                    ctx.problem("network.serviceCIDR", "service range " + s + " overlaps the cluster (pod) range " + c,
                            "choose ranges that do not overlap, e.g. the defaults " + Defaults.SERVICE_CIDR
                                    + " and " + Defaults.CLUSTER_CIDR);
                }
            }
        }
        if (n.clusterDNS() != null) {
            for (int i = 0; i < n.clusterDNS().size(); i++) {
                String path = ctx.written("network.clusterDNS") ? FieldPaths.index("network.clusterDNS", i)
                        : "network.clusterDNS";
                String text = n.clusterDNS().get(i);
                Optional<IpAddress> ip = IpAddress.parse(text);
                if (ip.isEmpty()) {
                    ctx.problem(path, "'" + text + "' is not an IP address", "write the cluster DNS service IP, e.g. 10.254.0.2");
                } else if (!serviceCidrs.isEmpty() && serviceCidrs.stream().noneMatch(c -> c.contains(ip.get()))) {
                    ctx.problem(path, text + " is outside the service range " + n.serviceCIDR(),
                            "use the ClusterIP of the cluster DNS service, which lies inside serviceCIDR "
                                    + "(e.g. the .2 address of it)");
                }
            }
        }
        if (n.clusterDomain() != null && !KubeNames.isDns1123Subdomain(n.clusterDomain())) {
            ctx.problem("network.clusterDomain", "'" + n.clusterDomain() + "' is not a DNS domain",
                    "write a lower-case domain such as cluster.local");
        }
    }

    /** One CIDR, or two of different families separated by a comma (dual stack). */
    private List<Cidr> cidrs(String path, String text) {
        if (text == null) return List.of();
        List<Cidr> out = new ArrayList<>();
        String[] parts = text.split(",", -1);
        for (String part : parts) {
            String p = part.trim();
            Optional<Cidr> c = Cidr.parse(p);
            if (c.isEmpty()) {
                ctx.problem(path, "'" + p + "' is not a CIDR", "write an address and prefix length, e.g. 10.254.0.0/16");
                return List.of();
            }
            if (c.get().hasHostBits()) {
                ctx.problem(path, "'" + p + "' has host bits set", "did you mean " + c.get().network() + "/"
                        + c.get().prefix() + "? write the network address");
                return List.of();
            }
            out.add(c.get());
        }
        if (out.size() > 2 || (out.size() == 2 && out.get(0).isV4() == out.get(1).isV4())) {
            ctx.problem(path, "'" + text + "' lists more than one range of the same family",
                    "give one range, or one IPv4 and one IPv6 range for dual stack");
            return List.of();
        }
        return out;
    }

    private void nodePaths() {
        NodePaths p = inv.paths();
        if (p == null) return;
        Map<String, String> all = Map.of("paths.binDir", p.binDir(), "paths.dataDir", p.dataDir(),
                "paths.configDir", p.configDir(), "paths.certDir", p.certDir());
        all.forEach((path, value) -> {
            if (!value.startsWith("/")) {
                ctx.problem(path, "'" + value + "' is not an absolute path", "write a path on the node starting with /");
            }
        });
    }

    private void pki() {
        Pki p = inv.pki();
        if (p == null) return;
        readable("pki.caCert", p.caCert());
        readable("pki.caKey", p.caKey());
        readable("pki.caConfig", p.caConfig());
        readable("pki.kubeProxyCsr", p.kubeProxyCsr());
    }

    private void readable(String path, Path file) {
        if (file == null) return;
        String fix = "check the path; relative paths are resolved against the inventory's folder";
        if (!Files.exists(file)) {
            ctx.problem(path, file + " does not exist", fix);
        } else if (Files.isDirectory(file)) {
            ctx.problem(path, file + " is a folder, not a file", fix);
        } else if (!Files.isReadable(file)) {
            ctx.problem(path, file + " cannot be read", "give the user running kubejoin read permission");
        }
    }

    private void bootstrap() {
        Bootstrap b = inv.bootstrap();
        if (b == null) return;
        if (b.tokenTTL() != null && (b.tokenTTL().compareTo(MIN_TOKEN_TTL) < 0 || b.tokenTTL().compareTo(MAX_TOKEN_TTL) > 0)) {
            ctx.problem("bootstrap.tokenTTL", GoDuration.format(b.tokenTTL()) + " is outside 1m to 24h",
                    "the token only has to last until the node has joined; 1h is plenty");
        }
        if (b.group() != null && !KubeNames.isBootstrapGroupSuffix(b.group())) {
            ctx.problem("bootstrap.group", "'" + b.group() + "' cannot follow system:bootstrappers:",
                    "use lower-case letters, digits, '-' and ':' ending in a letter or digit; "
                            + "the API server rejects tokens with other groups");
        }
    }

    private void ssh(String path, Ssh ssh) {
        if (ssh == null) return;
        if (ctx.written(path + ".port") && (ssh.port() < 1 || ssh.port() > 65535)) {
            ctx.problem(path + ".port", ssh.port() + " is not a port", "write a port from 1 to 65535 (sshd's default is 22)");
        }
        if (ctx.written(path + ".user") && ssh.user().isBlank()) {
            ctx.problem(path + ".user", "is empty", "write the login user, e.g. root");
        }
    }

    private void verbosity(String path, int v) {
        if (ctx.written(path) && (v < 0 || v > 10)) {
            ctx.problem(path, v + " is outside 0 to 10", "kubelet and kube-proxy log levels run 0-10; 2 is the article's");
        }
    }

    private void flagNames(String path, Map<String, String> flags) {
        for (String name : flags.keySet()) {
            String p = FieldPaths.child(path, name);
            if (ctx.written(p) && name.startsWith("-")) {
                ctx.problem(p, "flag '" + name + "' is written with dashes", "write it as "
                        + name.replaceFirst("^-+", "") + ": <value>");
            }
        }
    }

    private void nodes() {
        Map<String, Integer> names = new HashMap<>();
        Map<Object, Integer> addresses = new HashMap<>();
        for (Node node : inv.nodes()) {
            String at = node.fieldPath();
            if (node.name() != null) {
                nodeName(node);
                Integer first = names.putIfAbsent(node.name(), node.index());
                if (first != null) {
                    ctx.problem(at + ".name", "'" + node.name() + "' is also the name of nodes[" + first + "]",
                            "give every node its own name");
                }
            }
            if (node.address() != null) {
                Optional<IpAddress> ip = address(node);
                if (ip.isPresent()) {
                    // the sandbox runs several nodes on loopback, told apart by their ssh port
                    Object key = inv.sandbox() ? List.of(ip.get(), node.ssh() == null ? 0 : node.ssh().port()) : ip.get();
                    Integer first = addresses.putIfAbsent(key, node.index());
                    if (first != null) {
                        ctx.problem(at + ".address", node.address() + " is also the address of nodes[" + first + "]",
                                "give every node its own address");
                    }
                }
            }
            servingNames(node);
            labels(node);
            taints(node);
            hostnameOverride(node);
            ssh(at + ".ssh", node.ssh());
            if (node.kubelet() != null) {
                verbosity(at + ".kubelet.verbosity", node.kubelet().verbosity());
                flagNames(at + ".kubelet.flags", node.kubelet().flags());
            }
            if (node.kubeProxy() != null) verbosity(at + ".kubeProxy.verbosity", node.kubeProxy().verbosity());
        }
    }

    private void nodeName(Node node) {
        String name = node.name();
        if (KubeNames.isDns1123Subdomain(name)) return;
        String lower = KubeNames.lower(name);
        String fix = KubeNames.isDns1123Subdomain(lower) ? "did you mean '" + lower + "'? node names are lower case"
                : "use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit (at most 253)";
        ctx.problem(node.fieldPath() + ".name", "'" + name + "' is not a valid node name", fix);
    }

    private Optional<IpAddress> address(Node node) {
        String path = node.fieldPath() + ".address";
        Optional<IpAddress> ip = IpAddress.parse(node.address());
        if (ip.isEmpty()) {
            ctx.problem(path, "'" + node.address() + "' is not an IP address",
                    "write the node's IPv4 or IPv6 address (kubelet binds to it), e.g. 192.168.0.114");
            return ip;
        }
        IpAddress a = ip.get();
        if (!inv.sandbox() && (a.isLoopback() || a.isUnspecified())) {
            ctx.problem(path, node.address() + " is " + (a.isLoopback() ? "a loopback" : "an unspecified") + " address",
                    "use an address of the node that the API server can reach");
        }
        for (Cidr c : serviceCidrs) {
            if (c.contains(a)) {
                ctx.problem(path, node.address() + " is inside the service range " + c,
                        "service IPs are virtual and captured by kube-proxy; use the node's own LAN address");
            }
        }
        for (Cidr c : clusterCidrs) {
            if (c.contains(a)) {
                ctx.problem(path, node.address() + " is inside the cluster (pod) range " + c,
                        "pod routes would capture traffic to the node; use the node's own LAN address");
            }
        }
        return ip;
    }

    /**
     * extraAddresses and extraNames: what the administrator states a node's serving certificate may carry besides
     * its name and address. Checked as strictly as the address itself, since the approver trusts them blindly.
     */
    private void servingNames(Node node) {
        String at = node.fieldPath();
        for (int i = 0; i < node.extraAddresses().size(); i++) {
            String text = node.extraAddresses().get(i);
            String path = FieldPaths.index(at + ".extraAddresses", i);
            Optional<IpAddress> ip = IpAddress.parse(text.trim());
            if (ip.isEmpty()) {
                ctx.problem(path, "'" + text + "' is not an IP address", (text.contains("/")
                        ? "list networks under approval.servingCIDRs; " : "")
                        + "write one IPv4 or IPv6 address of the node, e.g. 10.0.1.11");
                continue;
            }
            IpAddress a = ip.get();
            if (!inv.sandbox() && (a.isLoopback() || a.isUnspecified())) {
                ctx.problem(path, text + " is " + (a.isLoopback() ? "a loopback" : "an unspecified") + " address",
                        "remove it: a serving certificate for it would let the node pose as any machine's own address");
            }
            for (Cidr c : serviceCidrs) {
                if (c.contains(a)) ctx.problem(path, text + " is inside the service range " + c,
                        "remove it: service IPs belong to Services, not to a node");
            }
            for (Cidr c : clusterCidrs) {
                if (c.contains(a)) ctx.problem(path, text + " is inside the cluster (pod) range " + c,
                        "remove it: pod IPs belong to pods, not to a node");
            }
            for (Node other : inv.nodes()) {
                if (other != node && other.address() != null && IpAddress.parse(other.address()).equals(ip)) {
                    ctx.problem(path, text + " is the address of " + other.fieldPath() + " (" + other.name() + ")",
                            "remove it: a node's serving certificate may not name another node's address");
                }
            }
        }
        nodeIp(node);
        for (int i = 0; i < node.extraNames().size(); i++) {
            String name = node.extraNames().get(i);
            String path = FieldPaths.index(at + ".extraNames", i);
            if (!KubeNames.isDns1123Subdomain(name)) {
                String plain = KubeNames.lower(name.endsWith(".") ? name.substring(0, name.length() - 1) : name);
                ctx.problem(path, "'" + name + "' is not a lower-case DNS name without a trailing dot",
                        KubeNames.isDns1123Subdomain(plain) ? "write '" + plain + "': the approver compares DNS names "
                                + "exactly, as kubelet sends them"
                                : "write a DNS name of lower-case letters, digits, '-' and '.' (no wildcard), "
                                + "e.g. worker-1.example.com");
                continue;
            }
            for (Node other : inv.nodes()) {
                if (other != node && name.equals(other.name())) {
                    ctx.problem(path, "'" + name + "' is the name of " + other.fieldPath(),
                            "remove it: a node's serving certificate may not name another node");
                }
            }
        }
    }

    /**
     * kubelet's --node-ip becomes its Node status address and so an IP of its serving request; the approver
     * grants only stated addresses, so a node-ip the inventory does not state would fail the join at verify.
     */
    private void nodeIp(Node node) {
        String flag = node.kubelet() == null ? null : node.kubelet().flags().get("node-ip");
        if (flag == null || node.address() == null) return;
        String own = node.fieldPath() + ".kubelet.flags.node-ip";
        String path = ctx.written(own) ? own : "kubelet.flags.node-ip";
        List<Cidr> cidrs = node.servingCIDRs().stream().map(c -> Cidr.parse(c.trim())).flatMap(Optional::stream).toList();
        for (String part : flag.split(",")) {
            Optional<IpAddress> ip = IpAddress.parse(part.trim());
            if (ip.isEmpty() || ip.get().isUnspecified()) continue; // kubelet itself refuses what is no IP
            boolean stated = ip.equals(IpAddress.parse(node.address()))
                    || node.extraAddresses().stream().anyMatch(a -> ip.equals(IpAddress.parse(a.trim())))
                    || cidrs.stream().anyMatch(c -> c.contains(ip.get()));
            if (!stated) {
                ctx.problem(path, "kubelet's node-ip " + part.trim() + " is not an address the inventory states for "
                                + node.name() + ": its serving certificate request names it and would be denied",
                        "add " + part.trim() + " to " + node.fieldPath() + ".extraAddresses, or drop node-ip");
            }
        }
    }

    private void labels(Node node) {
        String base = node.fieldPath() + ".labels";
        node.labels().forEach((key, value) -> {
            String path = FieldPaths.child(base, key);
            Optional<String> keyError = KubeNames.labelKeyError(key);
            if (keyError.isPresent()) {
                ctx.problem(path, "'" + key + "' is not a valid label key: " + keyError.get(), "fix the key");
            } else if (KubeNames.isKubernetesNamespaced(key) && !KubeNames.isAllowedKubeletLabel(key)) {
                ctx.problem(path, "kubelet may not set label '" + key + "' on its own node (kubernetes.io and k8s.io "
                                + "are reserved; kubelet refuses to start)",
                        "use a node.kubernetes.io/ or kubelet.kubernetes.io/ key or your own prefix, or label the node "
                                + "with kubectl after it joined");
            }
            KubeNames.labelValueError(value).ifPresent(e ->
                    ctx.problem(path, "'" + value + "' is not a valid label value", e));
        });
    }

    private void taints(Node node) {
        for (int i = 0; i < node.taints().size(); i++) {
            Taint t = node.taints().get(i);
            String path = FieldPaths.index(node.fieldPath() + ".taints", i);
            if (t.key() != null) {
                KubeNames.labelKeyError(t.key()).ifPresent(e ->
                        ctx.problem(path + ".key", "'" + t.key() + "' is not a valid taint key: " + e, "fix the key"));
            }
            if (t.value() != null) {
                KubeNames.labelValueError(t.value()).ifPresent(e ->
                        ctx.problem(path + ".value", "'" + t.value() + "' is not a valid taint value", e));
            }
            if (t.effect() != null && !EFFECTS.contains(t.effect())) {
                ctx.problem(path + ".effect", "unknown taint effect '" + t.effect() + "'",
                        Suggestions.didYouMean(t.effect(), EFFECTS, "use one of " + String.join(", ", EFFECTS)));
            }
        }
    }

    private void hostnameOverride(Node node) {
        if (node.name() == null) return;
        String at = node.fieldPath();
        Object v = node.kubeProxy() == null ? null : node.kubeProxy().config().get("hostnameOverride");
        if (v != null && !node.name().equals(String.valueOf(v))) {
            String own = at + ".kubeProxy.config.hostnameOverride";
            ctx.problem(ctx.written(own) ? own : "kubeProxy.config.hostnameOverride",
                    "kube-proxy's hostnameOverride '" + v + "' differs from node name '" + node.name() + "'",
                    "remove it; " + HOSTNAME_WHY);
        }
        String flag = node.kubelet() == null ? null : node.kubelet().flags().get("hostname-override");
        if (flag != null && !node.name().equals(flag)) {
            String own = at + ".kubelet.flags.hostname-override";
            ctx.problem(ctx.written(own) ? own : "kubelet.flags.hostname-override",
                    "kubelet's hostname-override '" + flag + "' differs from node name '" + node.name() + "'",
                    "remove it (or rename the node); " + HOSTNAME_WHY);
        }
    }
}
