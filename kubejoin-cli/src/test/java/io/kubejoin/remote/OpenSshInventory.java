package io.kubejoin.remote;

import io.kubejoin.bench.OpenSshNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The inventory, known_hosts and binaries the real-OpenSSH join tests write in their folder. */
final class OpenSshInventory {
    private OpenSshInventory() {
    }

    /** dir/known_hosts with each node's host key line; returns its path. */
    static Path writeKnownHosts(Path dir, List<OpenSshNode> nodes) throws IOException {
        StringBuilder knownHosts = new StringBuilder();
        for (OpenSshNode n : nodes) knownHosts.append(n.knownHostsLine());
        return Files.writeString(dir.resolve("known_hosts"), knownHosts);
    }

    /** The inventory's node list: node-1.. on 127.0.0.1, told apart by their sshd's port. */
    static String nodesOnLoopback(List<OpenSshNode> nodes) {
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < nodes.size(); i++) {
            list.append("  - { name: node-").append(i + 1).append(", address: 127.0.0.1, ssh: { port: ")
                    .append(nodes.get(i).port).append(" } }\n");
        }
        return list.toString();
    }

    /** The inventory's ssh section for a key file and a known_hosts file. */
    static String keySsh(Path key, Path knownHosts) {
        return "{ user: root, identityFile: " + key + ", knownHosts: " + knownHosts + " }";
    }

    /** dir/bin with shell-script kubelet and kube-proxy stand-ins; returns it. */
    static Path standInBinaries(Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.writeString(bin.resolve("kubelet"), "#!/bin/sh\necho kubelet stand-in\n");
        Files.writeString(bin.resolve("kube-proxy"), "#!/bin/sh\necho kube-proxy stand-in\n");
        return bin;
    }

    /**
     * dir/inventory.yaml for 1.33.4 against the sandbox at {@code apiServer}; returns its path. sandbox: true is what
     * lets nodes share 127.0.0.1 (told apart by port); dataDir under /opt, which isolated nodes overlay (/data does not
     * exist on this machine to mount over).
     *
     * @param nodes the node list's lines, each "  - {...}\n"
     */
    static Path write(Path dir, String apiServer, String ssh, Path bin, String nodes) throws IOException {
        Path pki = Path.of("examples/pki").toAbsolutePath();
        return Files.writeString(dir.resolve("inventory.yaml"), """
                kubernetesVersion: "1.33.4"
                apiServer: %s
                sandbox: true
                pki: { caCert: %s/ca.pem, caKey: %s/ca-key.pem }
                paths: { dataDir: /opt/k8s/data }
                kubeProxy: { mode: iptables }
                ssh: %s
                binaries: { dir: %s }
                nodes:
                %s""".formatted(apiServer, pki, pki, ssh, bin, nodes));
    }
}
