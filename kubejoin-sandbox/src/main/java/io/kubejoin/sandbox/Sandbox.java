package io.kubejoin.sandbox;

import io.kubejoin.inventory.Network;
import io.kubejoin.inventory.ContainerRuntime;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.InventoryLoader;
import io.kubejoin.pki.CaConfig;
import io.kubejoin.pki.CaGenerator;
import io.kubejoin.pki.CertificateAuthority;
import io.kubejoin.pki.KeySpec;
import io.kubejoin.util.SecureFiles;
import io.kubejoin.version.KubeVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import io.kubejoin.sandbox.api.SandboxApiServer;
import io.kubejoin.sandbox.node.NodeSshServer;
import io.kubejoin.sandbox.node.SimulatorRuntime;
import io.kubejoin.sandbox.tls.SandboxCa;

/**
 * A whole cluster on this machine for {@code kubejoin demo}, {@code kubejoin sandbox up}, the end-to-end tests and
 * the benchmark: the API server (kube-apiserver, with the csrsigning controller of kube-controller-manager), and N
 * worker machines ({@link SandboxNode}) reachable over SSH on their own loopback addresses 127.42.x.y, all served
 * by one {@link NodeSshServer}. Writes into its folder what an operator would have for a real cluster:
 * <pre>
 *   inventory.yaml          nodes, their addresses and SSH port; "sandbox: true" (the only case loopback passes)
 *   admin.kubeconfig        cluster-admin credentials (0600)
 *   pki/ca.pem, ca-key.pem, ca-config.json   the cluster CA (key 0600)
 *   ssh/id_ed25519(.pub), ssh/known_hosts    the operator's SSH key and the nodes' host keys
 *   bin/kubelet, bin/kube-proxy              stand-ins for the release binaries (the simulators run instead)
 *   nodes/NAME/                              each machine's "/"
 * </pre>
 * Then {@code kubejoin join -f DIR/inventory.yaml --kubeconfig DIR/admin.kubeconfig} is the ordinary join.
 */
public final class Sandbox implements AutoCloseable {
    /** Loopback block of the nodes: 127.42.0.1, 127.42.0.2, … (the API server stays on 127.0.0.1). */
    static final String ADDRESS_PREFIX = "127.42.";

    /**
     * @param nodes     how many worker machines
     * @param version   the Kubernetes release of the cluster (and of the binaries "installed")
     * @param runtime   containerd or docker (docker only before 1.24)
     * @param proxyMode iptables, ipvs or nftables
     * @param sshPort   the port every node's SSH listens on (0: a free one)
     * @param apiServerVersion the control plane's release when it is newer than the nodes' (an upgrade's starting
     *                  point: the control plane is upgraded first); null: {@code version}
     */
    public record Options(int nodes, String version, String runtime, String proxyMode, int sshPort, String apiServerVersion) {
        public Options {
            if (nodes < 1 || nodes > 60_000) throw new IllegalArgumentException("nodes must be 1 to 60000");
            Objects.requireNonNull(version);
            Objects.requireNonNull(runtime);
            Objects.requireNonNull(proxyMode);
        }

        public Options(int nodes, String version, String runtime, String proxyMode, int sshPort) {
            this(nodes, version, runtime, proxyMode, sshPort, null);
        }

        /** The API server at this release, the inventory and the binaries at {@link #version}. */
        public Options withApiServerVersion(String v) {
            return new Options(nodes, version, runtime, proxyMode, sshPort, v);
        }

        /** A current cluster: 1.34, containerd, nftables. */
        public static Options defaults(int nodes) {
            return new Options(nodes, "1.34.2", "containerd", "nftables", 0);
        }

        /** The article's cluster: 1.17.2, docker, ipvs. */
        public static Options article(int nodes) {
            return new Options(nodes, "1.17.2", "docker", "ipvs", 0);
        }

        public Options withVersion(String v) {
            return new Options(nodes, v, runtime, proxyMode, sshPort, apiServerVersion);
        }

        public Options withRuntime(String r) {
            return new Options(nodes, version, r, proxyMode, sshPort, apiServerVersion);
        }

        public Options withProxyMode(String m) {
            return new Options(nodes, version, runtime, m, sshPort, apiServerVersion);
        }
    }

    private final Path dir;
    private final SandboxApiServer api;
    private final SimulatorRuntime runtime;
    private final NodeSshServer ssh;
    private final Map<String, SandboxNode> nodes;
    private final Inventory inventory;

    private Sandbox(Path dir, SandboxApiServer api, SimulatorRuntime runtime, NodeSshServer ssh,
                    Map<String, SandboxNode> nodes, Inventory inventory) {
        this.dir = dir;
        this.api = api;
        this.runtime = runtime;
        this.ssh = ssh;
        this.nodes = nodes;
        this.inventory = inventory;
    }

    /** System property: one wildcard SSH listener for all machines instead of one per address (bench.BenchRun). */
    public static final String ONE_SSH_LISTENER = "kubejoin.sandbox.oneSshListener";

    /** Starts everything and writes the folder; {@link #close} stops it (the folder stays). */
    public static Sandbox start(Path dir, Options options) throws IOException {
        dir = dir.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        forgetEarlierSandbox(dir);
        KubeVersion version = KubeVersion.parse(options.version());
        Instant now = Instant.now();

        // the cluster CA: ECDSA, so a sandbox starts in milliseconds
        Path pki = Files.createDirectories(dir.resolve("pki"));
        CaGenerator.GeneratedCa generated = CaGenerator.generate("kubejoin-sandbox-ca", KeySpec.ECDSA_256,
                Duration.ofDays(3650), now);
        SecureFiles.writeAtomically(pki.resolve("ca-key.pem"), generated.privateKeyPem().getBytes(StandardCharsets.US_ASCII), 0600);
        SecureFiles.writeAtomically(pki.resolve("ca.pem"), generated.certificatePem().getBytes(StandardCharsets.US_ASCII), 0644);
        SecureFiles.writeAtomically(pki.resolve("ca-config.json"), CaConfig.ARTICLE_JSON.getBytes(StandardCharsets.UTF_8), 0644);
        CertificateAuthority ca = CertificateAuthority.load(pki.resolve("ca.pem"), "pki.caCert", pki.resolve("ca-key.pem"),
                "pki.caKey");

        // the operator's SSH key
        Path sshDir = Files.createDirectories(dir.resolve("ssh"));
        KeyPair clientKey = generateEd25519();
        SecureFiles.writeAtomically(sshDir.resolve("id_ed25519"), openSshPrivateKey(clientKey), 0600);
        SecureFiles.writeAtomically(sshDir.resolve("id_ed25519.pub"),
                (PublicKeyEntry.toString(clientKey.getPublic()) + " kubejoin-sandbox\n").getBytes(StandardCharsets.US_ASCII), 0644);

        // stand-ins for the release binaries: the binaries phase pushes them; the simulators run instead
        writeBinaries(dir.resolve("bin"), version);

        SandboxApiServer api = null;
        SimulatorRuntime runtime = null;
        NodeSshServer ssh = null;
        try {
            KubeVersion apiVersion = options.apiServerVersion() == null ? version : KubeVersion.parse(options.apiServerVersion());
            api = SandboxApiServer.start(SandboxApiServer.Options.defaults().withGitVersion(apiVersion.gitVersion())
                    .withCa(SandboxCa.of(ca)));
            api.writeAdminKubeconfig(dir.resolve("admin.kubeconfig"));
            runtime = SimulatorRuntime.create();

            List<String> names = new ArrayList<>();
            List<String> addresses = new ArrayList<>();
            for (int i = 0; i < options.nodes(); i++) {
                names.add(nodeName(i, options.nodes()));
                addresses.add(address(i));
            }
            // the port is known only once the server is bound; the nodes need their settings first
            Map<String, SandboxNode> nodes = new LinkedHashMap<>();
            // kube-proxy's look at its Node, as the real one asks the API server (on the simulators' HTTP client)
            io.kubejoin.sandbox.kubelet.ApiNodeLookup nodeLookup = new io.kubejoin.sandbox.kubelet.ApiNodeLookup(api.url(),
                    api.caCertificatePem(), api.adminToken());
            List<KeyPair> hostKeys = new ArrayList<>();
            for (int i = 0; i < options.nodes(); i++) hostKeys.add(generateEd25519());
            // inventory first, without the port: its settings (runtime socket, service range) shape the machines
            Path inventoryFile = dir.resolve("inventory.yaml");
            String vipRange = "10.96.0.0/12";
            String runtimeSocket = options.runtime().equals("docker") ? "/var/run/docker.sock"
                    : ContainerRuntime.containerd().endpoint().replaceFirst("^unix://", "");
            for (int i = 0; i < options.nodes(); i++) {
                Path root = Files.createDirectories(dir.resolve("nodes").resolve(names.get(i)));
                SandboxNode node = new SandboxNode(names.get(i), addresses.get(i), root, hostKeys.get(i), version,
                        runtime, Network.kubernetesServiceIp(vipRange), runtimeSocket);
                node.kubeProxyNodeLookup(nodeLookup);
                // containerd set up for the inventory's kubelet as kubeadm's guide does it: runc's systemd driver
                if (!options.runtime().equals("docker")) node.host().systemdCgroup(true);
                nodes.put(names.get(i), node);
            }
            // kubejoin bench at thousands of nodes sets it, in a network namespace of its own (see NodeSshServer)
            ssh = NodeSshServer.start(nodes.values(), options.sshPort(), clientKey.getPublic(),
                    Boolean.getBoolean(ONE_SSH_LISTENER));
            Files.write(sshDir.resolve("known_hosts"), ssh.knownHostsLines(), StandardCharsets.US_ASCII);
            Files.writeString(inventoryFile, inventoryYaml(options, version, api.url(), vipRange, ssh.port(), names, addresses));
            Inventory inv = InventoryLoader.load(inventoryFile);
            return new Sandbox(dir, api, runtime, ssh, Collections.unmodifiableMap(nodes), inv);
        } catch (IOException | RuntimeException e) {
            if (ssh != null) ssh.close();
            if (runtime != null) runtime.close();
            if (api != null) api.close();
            throw e;
        }
    }

    /**
     * Writes stand-ins for the release binaries of {@code version} into {@code dir} (bin/kubelet, bin/kube-proxy):
     * what an inventory's {@code binaries.dir} names. A sandbox machine runs, at each (re)start of kubelet or
     * kube-proxy, the release of the stand-in its unit's ExecStart path holds, so pushing another release's stand-ins
     * and restarting is an upgrade.
     */
    public static void writeBinaries(Path dir, KubeVersion version) throws IOException {
        Path bin = Files.createDirectories(dir);
        for (String b : List.of("kubelet", "kube-proxy")) {
            SecureFiles.writeAtomically(bin.resolve(b), ("#!/bin/sh\n# " + STAND_IN + b + " "
                    + version.gitVersion() + ": the sandbox simulates it\nexit 1\n").getBytes(StandardCharsets.UTF_8), 0755);
        }
    }

    private static final String STAND_IN = "kubejoin sandbox stand-in for ";

    /** The release a stand-in of {@code binary} names, empty when {@code text} is no stand-in for it. */
    static java.util.Optional<KubeVersion> standInVersion(String text, String binary) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("# " + java.util.regex.Pattern.quote(STAND_IN + binary)
                + " (v[0-9][^:\\s]*):").matcher(text);
        return m.find() ? KubeVersion.ofGitVersion(m.group(1)) : java.util.Optional.empty();
    }

    /**
     * A new sandbox has a new CA: machines and join state left by an earlier sandbox in the same folder would hold
     * credentials nobody honours any more. Only folders an earlier sandbox wrote (its inventory says so) are
     * removed; anything else in the folder is left alone.
     */
    private static void forgetEarlierSandbox(Path dir) throws IOException {
        Path inventory = dir.resolve("inventory.yaml");
        if (!Files.isRegularFile(inventory) || !Files.readString(inventory).startsWith(MARKER)) return;
        for (String sub : List.of("nodes", ".kubejoin")) {
            Path p = dir.resolve(sub);
            if (!Files.exists(p)) continue;
            try (var walk = Files.walk(p)) {
                for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
            }
        }
    }

    private static final String MARKER = "# Written by kubejoin's sandbox";

    /** node-1 … node-N, zero-padded so that they sort. */
    static String nodeName(int i, int total) {
        int width = Integer.toString(total).length();
        return String.format("node-%0" + width + "d", i + 1);
    }

    /** 127.42.0.1 … 127.42.0.250, 127.42.1.1, …: never .0 or .255, so no address looks like a network or broadcast. */
    static String address(int i) {
        int third = i / 250;
        int fourth = i % 250 + 1;
        if (third > 255) {
            return "127." + (43 + third / 256) + "." + (third % 256) + "." + fourth;
        }
        return ADDRESS_PREFIX + third + "." + fourth;
    }

    private static String inventoryYaml(Options o, KubeVersion version, String apiUrl, String serviceRange, int port,
                                        List<String> names, List<String> addresses) {
        StringBuilder y = new StringBuilder();
        y.append(MARKER).append(": a simulated cluster on this machine. Addresses are loopback;\n");
        y.append("# `sandbox: true` is what lets them pass validation.\n");
        y.append("kubernetesVersion: \"").append(version.major()).append('.').append(version.minor()).append('.')
                .append(version.patch()).append("\"\n");
        y.append("apiServer: ").append(apiUrl).append('\n');
        y.append("kubeconfig: admin.kubeconfig\n");
        y.append("pki:\n  caCert: pki/ca.pem\n  caKey: pki/ca-key.pem\n  caConfig: pki/ca-config.json\n  profile: kubernetes\n");
        y.append("network:\n  clusterCIDR: 10.244.0.0/16\n  serviceCIDR: ").append(serviceRange)
                .append("\n  clusterDNS: [10.96.0.10]\n  clusterDomain: cluster.local\n");
        y.append("runtime: ").append(o.runtime()).append('\n');
        y.append("kubelet:\n  config:\n    cgroupDriver: ").append(o.runtime().equals("docker") ? "cgroupfs" : "systemd")
                .append('\n');
        y.append("kubeProxy:\n  mode: ").append(o.proxyMode()).append('\n');
        y.append("bootstrap:\n  tokenTTL: 1h\n  group: kubejoin\n");
        y.append("ssh:\n  user: root\n  port: ").append(port)
                .append("\n  identityFile: ssh/id_ed25519\n  knownHosts: ssh/known_hosts\n");
        y.append("binaries:\n  dir: bin\n");
        y.append("sandbox: true\n");
        y.append("nodes:\n");
        for (int i = 0; i < names.size(); i++) {
            y.append("  - name: ").append(names.get(i)).append("\n    address: ").append(addresses.get(i)).append('\n');
        }
        return y.toString();
    }

    static KeyPair generateEd25519() {
        try {
            return KeyUtils.generateKeyPair(KeyPairs.ED25519, 256);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an ed25519 key (Bouncy Castle missing?)", e);
        }
    }

    private static byte[] openSshPrivateKey(KeyPair key) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(key, "kubejoin-sandbox", null, out);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot encode the sandbox SSH key", e);
        }
        return out.toByteArray();
    }

    private static final class KeyPairs {
        static final String ED25519 = org.apache.sshd.common.keyprovider.KeyPairProvider.SSH_ED25519;
    }

    public Path dir() {
        return dir;
    }

    public Path inventoryFile() {
        return dir.resolve("inventory.yaml");
    }

    public Path adminKubeconfig() {
        return dir.resolve("admin.kubeconfig");
    }

    public Inventory inventory() {
        return inventory;
    }

    public SandboxApiServer api() {
        return api;
    }

    public NodeSshServer ssh() {
        return ssh;
    }

    /** The machines by node name, in inventory order. */
    public Map<String, SandboxNode> nodes() {
        return nodes;
    }

    public SandboxNode node(String name) {
        SandboxNode n = nodes.get(name);
        if (n == null) throw new IllegalArgumentException("no sandbox node " + name);
        return n;
    }

    @Override
    public void close() {
        nodes.values().forEach(SandboxNode::shutdown);
        ssh.close();
        runtime.close();
        api.close();
    }
}
