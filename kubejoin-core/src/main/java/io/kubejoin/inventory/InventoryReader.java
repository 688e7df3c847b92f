package io.kubejoin.inventory;

import io.kubejoin.util.Suggestions;

import io.kubejoin.util.GoDuration;

import io.kubejoin.version.KubeVersion;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Walks the composed YAML tree into the typed model: checks the fixed schema (field names, types,
 * required fields), applies {@link Defaults}, resolves local paths and merges per-node overrides.
 * A field that is missing or unreadable becomes null after its problem is recorded; {@link InventoryValidator}
 * then skips it, so one load reports everything at once.
 */
final class InventoryReader {
    static final List<String> TOP = List.of("kubernetesVersion", "apiServer", "kubeconfig", "pki", "network", "paths",
            "runtime", "kubelet", "kubeProxy", "apiServerKubeletUser", "bootstrap", "ssh", "binaries", "sandbox", "approval", "nodes");
    static final List<String> BINARIES = List.of("dir", "tarball");
    static final List<String> PKI = List.of("caCert", "caKey", "caConfig", "profile", "kubeProxyCsr");
    static final List<String> NETWORK = List.of("clusterCIDR", "serviceCIDR", "clusterDNS", "clusterDomain");
    static final List<String> PATHS = List.of("binDir", "dataDir", "configDir", "certDir");
    static final List<String> KUBELET = List.of("config", "flags", "verbosity");
    static final List<String> KUBE_PROXY = List.of("mode", "ipvsScheduler", "config", "verbosity");
    static final List<String> NODE_KUBE_PROXY = List.of("config", "verbosity");
    static final List<String> BOOTSTRAP = List.of("tokenTTL", "group");
    static final List<String> SSH = List.of("user", "port", "identityFile", "knownHosts", "proxyJump", "configFile");
    static final List<String> NODE = List.of("name", "address", "labels", "taints", "kubelet", "kubeProxy", "ssh",
            "extraAddresses", "extraNames", "approval");
    static final List<String> APPROVAL = List.of("servingCIDRs");
    static final List<String> TAINT = List.of("key", "value", "effect");

    /** Section of each nested field, so a nested field written at the top level gets "it belongs under network:". */
    static final Map<String, String> HOMES = homes();

    private final LoadContext ctx;
    private boolean sandbox;

    InventoryReader(LoadContext ctx) {
        this.ctx = ctx;
    }

    Inventory read(YamlMap top) {
        KubeVersion version = version(top);
        URI apiServer = apiServer(top);
        Path kubeconfig = localPath(top, "kubeconfig", Defaults.KUBECONFIG);
        Pki pki = pki(top);
        Network network = network(top);
        NodePaths paths = nodePaths(top);
        ContainerRuntime runtime = runtime(top);
        KubeletSpec kubelet = kubelet(top.map("kubelet", KUBELET), null);
        KubeProxySpec kubeProxy = kubeProxy(top.map("kubeProxy", KUBE_PROXY));
        String kubeletUser = orDefault(top.string("apiServerKubeletUser"), Defaults.API_SERVER_KUBELET_USER);
        Bootstrap bootstrap = bootstrap(top.map("bootstrap", BOOTSTRAP));
        Boolean sandbox = top.bool("sandbox");
        this.sandbox = sandbox != null && sandbox;
        Ssh ssh = ssh(top.map("ssh", SSH), null);
        Binaries binaries = binaries(top.map("binaries", BINARIES));
        List<String> servingCidrs = servingCidrs(top.map("approval", APPROVAL), List.of());
        List<io.kubejoin.inventory.Node> nodes = nodes(top, kubelet, kubeProxy, ssh, servingCidrs);
        return new Inventory(ctx.file(), ctx.locations(), version, apiServer, kubeconfig, pki, network, paths, runtime,
                kubelet, kubeProxy, kubeletUser, bootstrap, ssh, binaries, sandbox != null && sandbox, nodes);
    }

    private KubeVersion version(YamlMap top) {
        String text = top.string("kubernetesVersion");
        if (text == null) {
            if (!top.has("kubernetesVersion")) top.missing("kubernetesVersion", "add kubernetesVersion: \"1.32.4\" "
                    + "(the version of the kubelet and kube-proxy binaries to install)");
            return null;
        }
        try {
            return KubeVersion.parse(text);
        } catch (IllegalArgumentException e) {
            ctx.problem("kubernetesVersion", "'" + text + "' is not a Kubernetes version",
                    "write it like \"1.32.4\" (quoted, so YAML keeps it as text)");
            return null;
        }
    }

    private URI apiServer(YamlMap top) {
        String text = top.string("apiServer");
        if (text == null) {
            if (!top.has("apiServer")) top.missing("apiServer", "add apiServer: https://<host>:6443, "
                    + "the kube-apiserver address the nodes use");
            return null;
        }
        String fix = "write it as https://<host>:<port>, e.g. https://192.168.0.107:6443";
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            ctx.problem("apiServer", "'" + text + "' is not a URL", fix);
            return null;
        }
        if (!"https".equalsIgnoreCase(uri.getScheme())) {
            ctx.problem("apiServer", "'" + text + "' is not an https URL",
                    "kubelet and kube-proxy only talk TLS to the API server; " + fix);
            return null;
        }
        if (uri.getHost() == null) {
            // java.net.URI leaves host null when the authority is not host[:port] (e.g. a port that is no number)
            ctx.problem("apiServer", "'" + text + "' has no valid host and port", fix);
            return null;
        }
        if (uri.getPort() < 1 || uri.getPort() > 65535) {
            ctx.problem("apiServer", uri.getPort() == -1 ? "'" + text + "' has no port"
                    : "port " + uri.getPort() + " is out of range 1-65535", fix);
            return null;
        }
        if (uri.getUserInfo() != null || uri.getQuery() != null || uri.getFragment() != null
                || !(uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))) {
            ctx.problem("apiServer", "'" + text + "' has more than a host and port", fix);
            return null;
        }
        return URI.create("https://" + uri.getRawAuthority());
    }

    /** binaries: { dir: ./bin } or { tarball: kubernetes-node-linux-amd64.tar.gz }, never both. */
    private Binaries binaries(YamlMap m) {
        if (m == null) return Binaries.none();
        Path dir = localPath(m, "dir", null);
        Path tarball = localPath(m, "tarball", null);
        if (dir != null && tarball != null) {
            ctx.problem(m.path("tarball"), "give either binaries.dir or binaries.tarball, not both", "remove one of them");
        } else if (dir == null && tarball == null && !m.has("dir") && !m.has("tarball")) {
            ctx.problem(m.path("dir"), "binaries needs dir or tarball",
                    "add dir: <folder with kubelet and kube-proxy> or tarball: kubernetes-node-linux-amd64.tar.gz");
        }
        if (dir != null) {
            for (String bin : List.of("kubelet", "kube-proxy")) {
                if (!Files.isRegularFile(dir.resolve(bin)) || !Files.isReadable(dir.resolve(bin))) {
                    ctx.problem(m.path("dir"), "no readable " + bin + " in " + dir,
                            "put the release's kubelet and kube-proxy binaries there, or use binaries.tarball");
                }
            }
        }
        if (tarball != null && (!Files.isRegularFile(tarball) || !Files.isReadable(tarball))) {
            ctx.problem(m.path("tarball"), "cannot read " + tarball,
                    "give the path of the official node tarball, kubernetes-node-linux-amd64.tar.gz");
        }
        return new Binaries(dir, tarball);
    }

    private Pki pki(YamlMap top) {
        YamlMap m = top.map("pki", PKI);
        if (m == null) {
            if (!top.has("pki")) {
                for (String f : List.of("caCert", "caKey")) {
                    ctx.problem("pki." + f, "required field is missing",
                            "add pki: { caCert: ca.pem, caKey: ca-key.pem }, the cluster CA's certificate and key");
                }
            }
            return null;
        }
        Path cert = localPath(m, "caCert", null);
        if (!m.has("caCert")) m.missing("caCert", "add caCert: <path of the cluster CA certificate, e.g. ca.pem>");
        Path key = localPath(m, "caKey", null);
        if (!m.has("caKey")) m.missing("caKey", "add caKey: <path of the cluster CA private key, e.g. ca-key.pem>");
        return new Pki(cert, key, localPath(m, "caConfig", null),
                orDefault(m.string("profile"), Defaults.PKI_PROFILE), localPath(m, "kubeProxyCsr", null));
    }

    private Network network(YamlMap top) {
        YamlMap m = top.map("network", NETWORK);
        if (m == null) {
            return new Network(Defaults.CLUSTER_CIDR, Defaults.SERVICE_CIDR, Defaults.CLUSTER_DNS, Defaults.CLUSTER_DOMAIN);
        }
        List<String> dns = Defaults.CLUSTER_DNS;
        Node dnsNode = m.raw("clusterDNS");
        if (dnsNode != null) {
            // a single address is accepted as a one-element list
            dns = dnsNode instanceof org.snakeyaml.engine.v2.nodes.ScalarNode ? List.of(m.string("clusterDNS"))
                    : strings(m, "clusterDNS");
        }
        return new Network(orDefault(m.string("clusterCIDR"), Defaults.CLUSTER_CIDR),
                orDefault(m.string("serviceCIDR"), Defaults.SERVICE_CIDR), dns,
                orDefault(m.string("clusterDomain"), Defaults.CLUSTER_DOMAIN));
    }

    private List<String> strings(YamlMap m, String key) {
        List<Node> items = m.list(key);
        if (items == null) return null;
        List<String> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i) instanceof org.snakeyaml.engine.v2.nodes.ScalarNode s && !YamlMap.isNull(s)) {
                out.add(s.getValue());
            } else {
                ctx.problem(FieldPaths.index(m.path(key), i), "must be a single value", "write '- <address>'");
            }
        }
        return out;
    }

    private NodePaths nodePaths(YamlMap top) {
        YamlMap m = top.map("paths", PATHS);
        if (m == null) return new NodePaths(Defaults.BIN_DIR, Defaults.DATA_DIR, Defaults.CONFIG_DIR, Defaults.CERT_DIR);
        return new NodePaths(orDefault(m.string("binDir"), Defaults.BIN_DIR),
                orDefault(m.string("dataDir"), Defaults.DATA_DIR),
                orDefault(m.string("configDir"), Defaults.CONFIG_DIR),
                orDefault(m.string("certDir"), Defaults.CERT_DIR));
    }

    private ContainerRuntime runtime(YamlMap top) {
        String text = top.string("runtime");
        if (text == null) return top.has("runtime") ? null : ContainerRuntime.containerd();
        String fix = "write containerd, docker, or a CRI socket such as unix:///run/containerd/containerd.sock";
        if (text.equals("containerd")) return ContainerRuntime.containerd();
        if (text.equals("docker")) return ContainerRuntime.docker();
        if (text.startsWith("unix://")) {
            String socket = text.substring("unix://".length());
            if (!socket.startsWith("/") || socket.length() < 2) {
                ctx.problem("runtime", "'" + text + "' does not name an absolute socket path", "write unix:///path/to/cri.sock");
                return null;
            }
            if (text.equals(ContainerRuntime.CONTAINERD_ENDPOINT)) return ContainerRuntime.containerd();
            return new ContainerRuntime(ContainerRuntime.Kind.CRI, text);
        }
        if (text.startsWith("npipe://")) {
            ctx.problem("runtime", "'" + text + "' is a Windows named pipe", "kubejoin joins Linux nodes; " + fix);
            return null;
        }
        if (text.startsWith("/")) {
            ctx.problem("runtime", "'" + text + "' lacks the unix:// scheme", "write unix://" + text);
            return null;
        }
        ctx.problem("runtime", "unknown runtime '" + text + "'",
                Suggestions.closest(text, List.of("containerd", "docker")).map(s -> "did you mean '" + s + "'?").orElse(fix));
        return null;
    }

    /** Cluster-wide kubelet settings (base == null) or a node's, merged over base. */
    private KubeletSpec kubelet(YamlMap m, KubeletSpec base) {
        Map<String, Object> config = base == null ? new LinkedHashMap<>() : Merge.deep(base.config(), Map.of());
        Map<String, String> flags = base == null ? new LinkedHashMap<>() : new LinkedHashMap<>(base.flags());
        int verbosity = base == null ? Defaults.VERBOSITY : base.verbosity();
        if (m != null) {
            config = Merge.deep(config, m.freeForm("config"));
            flags.putAll(m.stringMap("flags"));
            Integer v = m.integer("verbosity");
            if (v != null) verbosity = v;
        }
        return new KubeletSpec(config, flags, verbosity);
    }

    private KubeProxySpec kubeProxy(YamlMap m) {
        if (m == null) return new KubeProxySpec(Defaults.PROXY_MODE, Defaults.IPVS_SCHEDULER, new LinkedHashMap<>(),
                Defaults.VERBOSITY);
        ProxyMode mode = Defaults.PROXY_MODE;
        String modeText = m.string("mode");
        if (modeText != null) {
            List<String> names = Arrays.stream(ProxyMode.values()).map(ProxyMode::value).toList();
            try {
                mode = ProxyMode.fromValue(modeText);
            } catch (IllegalArgumentException e) {
                ctx.problem(m.path("mode"), "unknown kube-proxy mode '" + modeText + "'",
                        Suggestions.didYouMean(modeText, names, "use one of " + String.join(", ", names)));
                mode = null;
            }
        }
        Integer v = m.integer("verbosity");
        return new KubeProxySpec(mode, orDefault(m.string("ipvsScheduler"), Defaults.IPVS_SCHEDULER),
                m.freeForm("config"), v == null ? Defaults.VERBOSITY : v);
    }

    private KubeProxySpec nodeKubeProxy(YamlMap m, KubeProxySpec base) {
        if (m == null) return new KubeProxySpec(base.mode(), base.ipvsScheduler(), Merge.deep(base.config(), Map.of()),
                base.verbosity());
        Integer v = m.integer("verbosity");
        return new KubeProxySpec(base.mode(), base.ipvsScheduler(), Merge.deep(base.config(), m.freeForm("config")),
                v == null ? base.verbosity() : v);
    }

    private Bootstrap bootstrap(YamlMap m) {
        if (m == null) return new Bootstrap(Defaults.TOKEN_TTL, Defaults.BOOTSTRAP_GROUP);
        Duration ttl = Defaults.TOKEN_TTL;
        String text = m.string("tokenTTL");
        if (text != null) {
            ttl = GoDuration.tryParse(text).orElse(null);
            if (ttl == null) {
                ctx.problem(m.path("tokenTTL"), "'" + text + "' is not a duration",
                        "write a number with a unit, such as 30m, 1h or 24h");
            }
        }
        return new Bootstrap(ttl, orDefault(m.string("group"), Defaults.BOOTSTRAP_GROUP));
    }

    /**
     * Cluster-wide ssh (base == null, defaults apply) or a node's, each field falling back to base. The fields the
     * inventory writes are remembered: an OpenSSH config file supplies only the others (OpenSSH's first value wins,
     * and the inventory is read first).
     */
    private Ssh ssh(YamlMap m, Ssh base) {
        String user = base == null ? Defaults.SSH_USER : base.user();
        Integer port = base == null ? Integer.valueOf(Defaults.SSH_PORT) : Integer.valueOf(base.port());
        Path identity = base == null ? expand(Defaults.SSH_IDENTITY_FILE) : base.identityFile();
        Path knownHosts = base == null ? expand(Defaults.SSH_KNOWN_HOSTS) : base.knownHosts();
        String proxyJump = base == null ? null : base.proxyJump();
        Path configFile = base == null ? defaultConfigFile() : base.configFile();
        java.util.Set<String> written = new java.util.HashSet<>(base == null ? java.util.Set.of() : base.written());
        if (m != null) {
            String jump = m.string("proxyJump");
            if (jump != null) {
                boolean ok = !jump.isBlank();
                for (String hop : jump.split(",", -1)) ok &= Ssh.parseHop(hop.strip(), "root") != null;
                if (jump.equals("none")) {
                    proxyJump = null; // OpenSSH's word for "no bastion", also against the config file
                    written.add("proxyJump");
                } else if (!ok) {
                    ctx.problem(m.path("proxyJump"), "'" + jump + "' is not a bastion like admin@bastion.example:22",
                            "write [user@]host[:port], as OpenSSH's ProxyJump takes it; several hops separated by "
                                    + "commas, the first reached first; or none");
                } else {
                    proxyJump = jump;
                    written.add("proxyJump");
                }
            }
            String u = m.string("user");
            if (u != null) {
                user = u;
                written.add("user");
            }
            Integer p = m.integer("port");
            if (p != null) {
                port = p;
                written.add("port");
            }
            Path i = localPath(m, "identityFile", null);
            Path k = localPath(m, "knownHosts", null);
            if (i != null) {
                identity = i;
                written.add("identityFile");
            }
            if (k != null) {
                knownHosts = k;
                written.add("knownHosts");
            }
            String cf = m.string("configFile");
            if (cf != null) {
                if (cf.equals("none")) {
                    configFile = null;
                } else {
                    Path c = localPath(m, "configFile", null);
                    if (c != null && !Files.isRegularFile(c)) {
                        ctx.problem(m.path("configFile"), "OpenSSH config file " + c + " does not exist",
                                "write the path of an ssh_config(5) file, or none to use only the inventory");
                    } else if (c != null) {
                        configFile = c;
                    }
                }
            }
        }
        return new Ssh(user, port, identity, knownHosts, proxyJump, configFile, written);
    }

    /** ~/.ssh/config when it exists, as OpenSSH reads it; never for a sandbox (its machines are this one's loopback). */
    private Path defaultConfigFile() {
        if (sandbox) return null;
        Path p = expand(Defaults.SSH_CONFIG_FILE);
        return Files.isRegularFile(p) ? p : null;
    }

    /** approval.servingCIDRs, cluster-wide (base empty) or a node's, which replaces the cluster-wide list. */
    private List<String> servingCidrs(YamlMap approval, List<String> base) {
        if (approval == null || !approval.has("servingCIDRs")) return base;
        List<String> cidrs = strings(approval, "servingCIDRs");
        if (cidrs == null) return base;
        List<String> valid = new ArrayList<>();
        for (int i = 0; i < cidrs.size(); i++) {
            String text = cidrs.get(i).trim();
            String path = FieldPaths.index(approval.path("servingCIDRs"), i);
            java.util.Optional<Cidr> c = Cidr.parse(text);
            if (c.isEmpty()) {
                ctx.problem(path, "'" + text + "' is not a CIDR", IpAddress.parse(text).isPresent()
                        ? "write " + text + (text.contains(":") ? "/128" : "/32") + " for one address, or list it "
                        + "in the node's extraAddresses"
                        : "write an address and prefix length, e.g. 192.168.10.0/24");
            } else if (c.get().hasHostBits()) {
                ctx.problem(path, "'" + text + "' has host bits set", "did you mean " + c.get().network() + "/"
                        + c.get().prefix() + "? write the network address");
            } else if (c.get().prefix() == 0) {
                // a /0 would let every kubelet put any address it reports into its serving certificate
                ctx.problem(path, "'" + text + "' contains every address",
                        "list only the networks the nodes' serving addresses come from, e.g. 192.168.10.0/24");
            } else {
                valid.add(text);
            }
        }
        return valid;
    }

    private List<io.kubejoin.inventory.Node> nodes(YamlMap top, KubeletSpec kubelet, KubeProxySpec kubeProxy, Ssh ssh,
                                                   List<String> servingCidrs) {
        List<io.kubejoin.inventory.Node> out = new ArrayList<>();
        if (!top.has("nodes")) {
            ctx.problem("nodes", ctx.written("nodes") ? "the node list is empty" : "required field is missing",
                    "list the worker nodes to join, e.g. nodes: [ { name: node1, address: 192.168.0.114 } ]");
            return out;
        }
        List<Node> items = top.list("nodes");
        if (items == null) return out;
        if (items.isEmpty()) {
            ctx.problem("nodes", "the node list is empty",
                    "list the worker nodes to join, e.g. nodes: [ { name: node1, address: 192.168.0.114 } ]");
        }
        for (int i = 0; i < items.size(); i++) {
            YamlMap m = YamlMap.open(ctx, FieldPaths.index("nodes", i), items.get(i), NODE);
            if (m != null) out.add(node(m, i, kubelet, kubeProxy, ssh, servingCidrs));
        }
        return out;
    }

    private io.kubejoin.inventory.Node node(YamlMap m, int index, KubeletSpec kubelet, KubeProxySpec kubeProxy, Ssh ssh,
                                            List<String> servingCidrs) {
        String name = m.string("name");
        if (!m.has("name")) m.missing("name", "add name: <the Kubernetes node name, e.g. the host name in lower case>");
        String address = m.string("address");
        if (!m.has("address")) m.missing("address", "add address: <the node's IP that the API server can reach>");
        return new io.kubejoin.inventory.Node(name, address, index, m.stringMap("labels"), taints(m),
                kubelet(m.map("kubelet", KUBELET), kubelet),
                kubeProxy == null ? null : nodeKubeProxy(m.map("kubeProxy", NODE_KUBE_PROXY), kubeProxy),
                ssh(m.map("ssh", SSH), ssh), strings(m, "extraAddresses"), strings(m, "extraNames"),
                servingCidrs(m.map("approval", APPROVAL), servingCidrs));
    }

    private List<Taint> taints(YamlMap node) {
        List<Taint> out = new ArrayList<>();
        List<Node> items = node.list("taints");
        if (items == null) return out;
        for (int i = 0; i < items.size(); i++) {
            YamlMap t = YamlMap.open(ctx, FieldPaths.index(node.path("taints"), i), items.get(i), TAINT);
            if (t == null) continue;
            if (!t.has("key")) t.missing("key", "add key: <taint key>");
            if (!t.has("effect")) t.missing("effect", "add effect: NoSchedule, PreferNoSchedule or NoExecute");
            out.add(new Taint(t.string("key"), orDefault(t.string("value"), ""), t.string("effect")));
        }
        return out;
    }

    /** A path on the operator's machine: ~ expands to the home folder, relative ones resolve against the inventory's folder. */
    private Path localPath(YamlMap m, String key, String fallback) {
        String text = m.has(key) ? m.string(key) : fallback;
        if (text == null) return null;
        try {
            if (text.startsWith("~") && !text.equals("~") && !text.startsWith("~/")) {
                ctx.problem(m.path(key), "'" + text + "': only ~ and ~/ are expanded, not ~user",
                        "write the full path");
                return null;
            }
            Path p = expand(text);
            return p.isAbsolute() ? p.normalize() : ctx.baseDir().resolve(p).normalize();
        } catch (InvalidPathException e) {
            ctx.problem(m.path(key), "'" + text + "' is not a valid path", "write a file path");
            return null;
        }
    }

    private static Path expand(String text) {
        if (text.equals("~")) return Path.of(System.getProperty("user.home"));
        if (text.startsWith("~/")) return Path.of(System.getProperty("user.home"), text.substring(2));
        return Path.of(text);
    }

    private static Map<String, String> homes() {
        Map<String, String> homes = new LinkedHashMap<>();
        Map.of("pki", PKI, "network", NETWORK, "paths", PATHS, "kubeProxy", List.of("mode", "ipvsScheduler"),
                "bootstrap", BOOTSTRAP, "ssh", SSH).forEach((section, fields) -> fields.forEach(f -> homes.put(f, section)));
        homes.put("flags", "kubelet");
        homes.put("servingCIDRs", "approval");
        return Map.copyOf(homes);
    }

    private static String orDefault(String value, String fallback) {
        return value == null ? fallback : value;
    }
}
