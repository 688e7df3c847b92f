package io.kubejoin.inventory;

import static io.kubejoin.inventory.InventoryFiles.VALID;
import static io.kubejoin.inventory.InventoryFiles.problemAt;
import static io.kubejoin.inventory.InventoryFiles.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/** One test per kind of bad input: field path, line and the gist of message and fix. */
class InventoryValidationTest {
    @TempDir
    Path dir;

    @Tag("hostile")
    @Test
    void unknownFieldSuggestsTheCaseInsensitiveMatch() {
        List<Problem> ps = problems(dir, VALID + """
                network:
                  clusterCidr: 172.30.0.0/16
                """);
        Problem p = problemAt(ps, "network.clusterCidr", 8, "unknown field 'clusterCidr'", "did you mean 'clusterCIDR'?");
        assertThat(p.format()).isEqualTo(dir.resolve("inventory.yaml") + ":8: network.clusterCidr: "
                + "unknown field 'clusterCidr' — did you mean 'clusterCIDR'?");
        assertThat(ps).hasSize(1);
    }

    @Tag("hostile")
    @Test
    void unknownFieldsAnywhereInTheSchemaSuggestByEditDistance() {
        List<Problem> ps = problems(dir, """
                kubernetesVersoin: "1.32.4"
                apiServer: https://192.168.0.107:6443
                pki: { caCert: ca.pem, caKey: ca-key.pem, profil: kubernetes }
                kubeProxy: { mode: ipvs, ipvsSchedular: rr }
                ssh: { usr: root }
                frobnicate: 1
                nodes:
                  - name: slave
                    adress: 192.168.0.114
                    taints: [ { key: a, efect: NoSchedule } ]
                """);
        problemAt(ps, "kubernetesVersoin", 1, "unknown field", "did you mean 'kubernetesVersion'?");
        problemAt(ps, "pki.profil", 3, "unknown field 'profil'", "did you mean 'profile'?");
        problemAt(ps, "kubeProxy.ipvsSchedular", 4, "unknown field", "did you mean 'ipvsScheduler'?");
        problemAt(ps, "ssh.usr", 5, "unknown field", "did you mean 'user'?");
        problemAt(ps, "frobnicate", 6, "unknown field 'frobnicate'", "known fields here: kubernetesVersion, apiServer");
        problemAt(ps, "nodes[0].adress", 9, "unknown field", "did you mean 'address'?");
        problemAt(ps, "nodes[0].taints[0].efect", 10, "unknown field", "did you mean 'effect'?");
        // the misspelt required fields are then missing too
        problemAt(ps, "kubernetesVersion", 0, "required field is missing", "kubernetesVersion: \"1.32.4\"");
        problemAt(ps, "nodes[0].address", 8, "required field is missing", "address");
        problemAt(ps, "nodes[0].taints[0].effect", 10, "required field is missing", "NoSchedule");
    }

    @Tag("hostile")
    @Test
    void nestedFieldAtTheTopLevelIsPointedToItsSection() {
        List<Problem> ps = problems(dir, VALID + "clusterCIDR: 10.0.0.0/8\ncaKey: ca-key.pem\n");
        problemAt(ps, "clusterCIDR", 7, "unknown field 'clusterCIDR'", "it belongs under 'network:' (network.clusterCIDR)");
        problemAt(ps, "caKey", 8, "unknown field 'caKey'", "it belongs under 'pki:'");
    }

    @Test
    void unquotedVersionNumberIsReadAsWritten(@TempDir Path d) {
        // YAML reads 1.30 as a float; the loader keeps the text, so it is 1.30, not 1.3
        Inventory inv = InventoryLoader.load(InventoryFiles.write(d, VALID.replace("\"1.32.4\"", "1.30")));
        assertThat(inv.kubernetesVersion()).isEqualTo(new io.kubejoin.version.KubeVersion(1, 30, 0));
    }

    @Test
    void keysInsideFreeFormConfigAreNotCheckedHere(@TempDir Path d) {
        // version-aware checks of config keys live in VersionChecks, which may report the key in its own words;
        // the loader's schema check must not call it an unknown field of the inventory
        Path file = InventoryFiles.write(d, VALID + """
                kubelet:
                  config: { someFutureField: 1, maxPods: 110 }
                """);
        assertThat(InventoryLoader.problemsOf(file)).noneMatch(p -> p.message().startsWith("unknown field"));
    }

    @Tag("hostile")
    @Test
    void duplicateKeysAreRefused() {
        List<Problem> ps = problems(dir, VALID + """
                runtime: containerd
                runtime: docker
                """);
        problemAt(ps, "runtime", 8, "'runtime' is given twice (first on line 7)", "keep one");
    }

    @Tag("hostile")
    @Test
    void missingRequiredFields() {
        List<Problem> ps = problems(dir, """
                runtime: containerd
                nodes:
                  - labels: { a: b }
                """);
        problemAt(ps, "kubernetesVersion", 0, "required field is missing", "1.32.4");
        problemAt(ps, "apiServer", 0, "required field is missing", "https://");
        problemAt(ps, "pki.caCert", 0, "required field is missing", "caCert");
        problemAt(ps, "pki.caKey", 0, "required field is missing", "caKey");
        problemAt(ps, "nodes[0].name", 3, "required field is missing", "name:");
        problemAt(ps, "nodes[0].address", 3, "required field is missing", "address:");
    }

    @Tag("hostile")
    @Test
    void missingCaKeyInsideAPkiMap() {
        List<Problem> ps = problems(dir, VALID.replace("pki: { caCert: ca.pem, caKey: ca-key.pem }",
                "pki:\n  caCert: ca.pem"));
        problemAt(ps, "pki.caKey", 3, "required field is missing", "caKey: ");
        assertThat(ps).hasSize(1);
    }

    @Tag("hostile")
    @Test
    void missingOrEmptyNodeList() {
        List<Problem> missing = problems(dir, VALID.substring(0, VALID.indexOf("nodes:")));
        problemAt(missing, "nodes", 0, "required field is missing", "list the worker nodes");
        List<Problem> empty = problems(dir, VALID.substring(0, VALID.indexOf("nodes:")) + "nodes: []\n");
        problemAt(empty, "nodes", 4, "the node list is empty", "list the worker nodes");
        List<Problem> blank = problems(dir, VALID.substring(0, VALID.indexOf("nodes:")) + "nodes:\n");
        problemAt(blank, "nodes", 4, "the node list is empty", "list the worker nodes");
    }

    @Tag("hostile")
    @Test
    void apiServerMustBeHttpsWithHostAndPort() {
        assertApiServer("http://192.168.0.107:6443", "is not an https URL", "https://<host>:<port>");
        assertApiServer("https://192.168.0.107", "has no port", "https://<host>:<port>");
        assertApiServer("https://192.168.0.107:99999", "port 99999 is out of range", "https://<host>:<port>");
        assertApiServer("https://192.168.0.107:abc", "has no valid host and port", "https://<host>:<port>");
        assertApiServer("https://:6443", "has no valid host and port", "https://<host>:<port>");
        assertApiServer("https://192.168.0.107:6443/api", "has more than a host and port", "https://<host>:<port>");
        assertApiServer("\"192.168.0.107 6443\"", "is not a URL", "https://<host>:<port>");
    }

    private void assertApiServer(String url, String gist, String fix) {
        List<Problem> ps = problems(dir, VALID.replace("https://192.168.0.107:6443", url));
        problemAt(ps, "apiServer", 2, gist, fix);
        assertThat(ps).hasSize(1);
    }

    @Test
    void apiServerMayBeANameOrIpv6() {
        Inventory a = InventoryLoader.load(InventoryFiles.write(dir, VALID.replace("https://192.168.0.107:6443",
                "https://k8s.example.com:443/")));
        assertThat(a.apiServer().toString()).isEqualTo("https://k8s.example.com:443");
        Inventory b = InventoryLoader.load(InventoryFiles.write(dir, VALID.replace("https://192.168.0.107:6443",
                "https://[fd00::1]:6443")));
        assertThat(b.apiServer().getPort()).isEqualTo(6443);
    }

    @Tag("hostile")
    @Test
    void malformedCidrs() {
        List<Problem> ps = problems(dir, VALID + """
                network:
                  clusterCIDR: 172.30.0.0/33
                  serviceCIDR: 10.254.0.0
                """);
        problemAt(ps, "network.clusterCIDR", 8, "'172.30.0.0/33' is not a CIDR", "10.254.0.0/16");
        problemAt(ps, "network.serviceCIDR", 9, "'10.254.0.0' is not a CIDR", "prefix length");
    }

    @Tag("hostile")
    @Test
    void cidrWithHostBitsSuggestsTheNetworkAddress() {
        List<Problem> ps = problems(dir, VALID + """
                network:
                  serviceCIDR: 10.254.3.7/16
                  clusterCIDR: fd00:10::5/64
                """);
        problemAt(ps, "network.serviceCIDR", 8, "has host bits set", "did you mean 10.254.0.0/16?");
        problemAt(ps, "network.clusterCIDR", 9, "has host bits set", "did you mean fd00:10::/64?");
    }

    @Tag("hostile")
    @Test
    void malformedIpAddresses() {
        List<Problem> ps = problems(dir, """
                kubernetesVersion: "1.32.4"
                apiServer: https://192.168.0.107:6443
                pki: { caCert: ca.pem, caKey: ca-key.pem }
                network:
                  clusterDNS: [10.254.0.2, 10.254.0.300]
                nodes:
                  - { name: a, address: 192.168.0.1234 }
                  - { name: b, address: node-b.example.com }
                  - { name: c, address: "192.168.01.5" }
                """);
        problemAt(ps, "network.clusterDNS[1]", 5, "'10.254.0.300' is not an IP address", "10.254.0.2");
        problemAt(ps, "nodes[0].address", 7, "'192.168.0.1234' is not an IP address", "IPv4 or IPv6");
        problemAt(ps, "nodes[1].address", 8, "'node-b.example.com' is not an IP address", "IPv4 or IPv6");
        problemAt(ps, "nodes[2].address", 9, "'192.168.01.5' is not an IP address", "IPv4 or IPv6");
        assertThat(ps).hasSize(4);
    }

    @Tag("hostile")
    @Test
    void duplicateNodeNamesAndAddressesNameBothPositions() {
        List<Problem> ps = problems(dir, VALID + """
                  - name: other
                    address: 192.168.0.114
                  - name: slave
                    address: 192.168.0.116
                """);
        Problem address = problemAt(ps, "nodes[1].address", 8, "192.168.0.114 is also the address of nodes[0]",
                "its own address");
        Problem name = problemAt(ps, "nodes[2].name", 9, "'slave' is also the name of nodes[0]", "its own name");
        assertThat(address.format()).contains("nodes[1].address").contains("nodes[0]");
        assertThat(name.format()).contains("nodes[2].name").contains("nodes[0]");
    }

    @Tag("hostile")
    @Test
    void duplicateIpv6AddressesAreComparedAsAddresses() {
        List<Problem> ps = problems(dir, VALID.replace("192.168.0.114", "fd00::5") + """
                  - name: other
                    address: "fd00:0:0::5"
                """);
        problemAt(ps, "nodes[1].address", 8, "is also the address of nodes[0]", "its own address");
    }

    @Tag("hostile")
    @Test
    void nodeNameMustBeLowerCaseRfc1123() {
        List<Problem> ps = problems(dir, VALID.replace("name: slave", "name: Slave-1") + """
                  - { name: "web_1", address: 192.168.0.120 }
                  - { name: "-edge", address: 192.168.0.121 }
                """);
        problemAt(ps, "nodes[0].name", 5, "'Slave-1' is not a valid node name", "did you mean 'slave-1'?");
        problemAt(ps, "nodes[1].name", 7, "'web_1' is not a valid node name", "lower-case letters, digits");
        problemAt(ps, "nodes[2].name", 8, "'-edge' is not a valid node name", "starting and ending");
    }

    @Tag("hostile")
    @Test
    void nodeNameLongerThan253IsRefused() {
        String longName = ("a".repeat(60) + ".").repeat(4) + "b".repeat(20);
        List<Problem> ps = problems(dir, VALID.replace("name: slave", "name: " + longName));
        problemAt(ps, "nodes[0].name", 5, "is not a valid node name", "at most 253");
    }

    @Tag("hostile")
    @Test
    void loopbackAndUnspecifiedNodeAddressesAreRefused() {
        List<Problem> ps = problems(dir, VALID.replace("192.168.0.114", "127.0.0.1") + """
                  - { name: b, address: "::1" }
                  - { name: c, address: 0.0.0.0 }
                  - { name: d, address: "::" }
                """);
        Problem p = problemAt(ps, "nodes[0].address", 6, "127.0.0.1 is a loopback address",
                "use an address of the node that the API server can reach");
        assertThat(p.format()).endsWith(":6: nodes[0].address: 127.0.0.1 is a loopback address — "
                + "use an address of the node that the API server can reach");
        problemAt(ps, "nodes[1].address", 7, "::1 is a loopback address", "API server can reach");
        problemAt(ps, "nodes[2].address", 8, "0.0.0.0 is an unspecified address", "API server can reach");
        problemAt(ps, "nodes[3].address", 9, ":: is an unspecified address", "API server can reach");
    }

    @Tag("hostile")
    @Test
    void clusterDnsOutsideServiceCidr() {
        List<Problem> ps = problems(dir, VALID + """
                network:
                  serviceCIDR: 10.96.0.0/12
                  clusterDNS:
                    - 10.254.0.2
                """);
        problemAt(ps, "network.clusterDNS[0]", 10, "10.254.0.2 is outside the service range 10.96.0.0/12",
                "inside serviceCIDR");
    }

    @Tag("hostile")
    @Test
    void defaultClusterDnsOutsideAChangedServiceCidrPointsAtClusterDns() {
        List<Problem> ps = problems(dir, VALID + """
                network:
                  serviceCIDR: 10.96.0.0/12
                """);
        problemAt(ps, "network.clusterDNS", 7, "10.254.0.2 is outside the service range", "inside serviceCIDR");
    }

    @Tag("hostile")
    @Test
    void serviceCidrOverlappingClusterCidr() {
        List<Problem> ps = problems(dir, VALID + """
                network:
                  clusterCIDR: 10.0.0.0/8
                  serviceCIDR: 10.254.0.0/16
                """);
        problemAt(ps, "network.serviceCIDR", 9, "service range 10.254.0.0/16 overlaps the cluster (pod) range 10.0.0.0/8",
                "do not overlap");
    }

    @Tag("hostile")
    @Test
    void nodeAddressInsideServiceOrClusterCidr() {
        List<Problem> ps = problems(dir, VALID.replace("192.168.0.114", "10.254.0.9") + """
                  - { name: b, address: 172.30.1.1 }
                """);
        problemAt(ps, "nodes[0].address", 6, "10.254.0.9 is inside the service range 10.254.0.0/16", "LAN address");
        problemAt(ps, "nodes[1].address", 7, "172.30.1.1 is inside the cluster (pod) range 172.30.0.0/16",
                "LAN address");
    }

    @Tag("hostile")
    @Test
    void kubeProxyHostnameOverrideMustEqualTheNodeName() {
        List<Problem> ps = problems(dir, VALID + """
                    kubeProxy:
                      config:
                        hostnameOverride: slave.example.com
                  - name: worker-2
                    address: 192.168.0.115
                    kubeProxy:
                      config: { hostnameOverride: worker-2 }
                """);
        problemAt(ps, "nodes[0].kubeProxy.config.hostnameOverride", 9,
                "kube-proxy's hostnameOverride 'slave.example.com' differs from node name 'slave'",
                "kube-proxy finds no Node object and programs no ipvs/iptables rules");
        assertThat(ps).hasSize(1);
    }

    @Tag("hostile")
    @Test
    void clusterWideHostnameOverrideIsWrongForEveryOtherNode() {
        List<Problem> ps = problems(dir, VALID + """
                  - { name: worker-2, address: 192.168.0.115 }
                kubeProxy:
                  config: { hostnameOverride: slave }
                """);
        Problem p = problemAt(ps, "kubeProxy.config.hostnameOverride", 9, "differs from node name 'worker-2'",
                "finds no Node object");
        assertThat(p.message()).contains("'slave'");
    }

    @Tag("hostile")
    @Test
    void kubeletHostnameOverrideFlagMustEqualTheNodeName() {
        List<Problem> ps = problems(dir, VALID + """
                    kubelet:
                      flags:
                        hostname-override: master
                """);
        problemAt(ps, "nodes[0].kubelet.flags.hostname-override", 9,
                "kubelet's hostname-override 'master' differs from node name 'slave'", "finds no Node object");
    }

    @Tag("hostile")
    @Test
    void dockerWithKubernetes124OrLater() {
        List<Problem> ps = problems(dir, VALID + "runtime: docker\n");
        problemAt(ps, "runtime", 7, "dockershim was removed in 1.24", "unix:///run/cri-dockerd.sock");
        // the article's own pairing is fine
        InventoryLoader.load(InventoryFiles.write(dir, VALID.replace("1.32.4", "1.17.2") + "runtime: docker\n"));
    }

    @Tag("hostile")
    @Test
    void badRuntimeValues() {
        problemAt(problems(dir, VALID + "runtime: containerdd\n"), "runtime", 7, "unknown runtime 'containerdd'",
                "did you mean 'containerd'?");
        problemAt(problems(dir, VALID + "runtime: npipe:////./pipe/containerd-containerd\n"), "runtime", 7,
                "Windows named pipe", "Linux");
        problemAt(problems(dir, VALID + "runtime: /run/crio/crio.sock\n"), "runtime", 7, "lacks the unix:// scheme",
                "unix:///run/crio/crio.sock");
        problemAt(problems(dir, VALID + "runtime: unix://crio.sock\n"), "runtime", 7, "absolute socket path",
                "unix:///");
    }

    @Tag("hostile")
    @Test
    void unsupportedOrMalformedVersion() {
        problemAt(problems(dir, VALID.replace("\"1.32.4\"", "\"1.16.3\"")), "kubernetesVersion", 1,
                "1.16 is not supported", "1.17 to 1.35");
        problemAt(problems(dir, VALID.replace("\"1.32.4\"", "\"1.36.0\"")), "kubernetesVersion", 1,
                "1.36 is not supported", "1.17 to 1.35");
        problemAt(problems(dir, VALID.replace("\"1.32.4\"", "latest")), "kubernetesVersion", 1,
                "'latest' is not a Kubernetes version", "\"1.32.4\"");
    }

    @Tag("hostile")
    @Test
    void unreadablePkiFilesNameTheResolvedPath() throws Exception {
        Files.createDirectories(dir.resolve("conf"));
        List<Problem> ps = problems(dir, VALID.replace("caCert: ca.pem", "caCert: missing/ca.pem")
                .replace("caKey: ca-key.pem", "caKey: ca-key.pem, caConfig: conf, kubeProxyCsr: ~/no-such-csr.json"));
        problemAt(ps, "pki.caCert", 3, dir.resolve("missing/ca.pem") + " does not exist", "inventory's folder");
        problemAt(ps, "pki.caConfig", 3, dir.resolve("conf") + " is a folder", "check the path");
        problemAt(ps, "pki.kubeProxyCsr", 3, Path.of(System.getProperty("user.home"), "no-such-csr.json")
                + " does not exist", "check the path");
        assertThat(ps).hasSize(3);
    }

    @Tag("hostile")
    @Test
    void unreadablePkiFile() throws Exception {
        Path file = InventoryFiles.write(dir, VALID);
        Path key = dir.resolve("ca-key.pem");
        if (!key.toFile().setReadable(false, false) || Files.isReadable(key)) {
            return; // running as root: every file is readable, nothing to check
        }
        try {
            problemAt(InventoryLoader.problemsOf(file), "pki.caKey", 3, key + " cannot be read", "read permission");
        } finally {
            key.toFile().setReadable(true, false);
        }
    }

    @Tag("hostile")
    @Test
    void labelKeysAndValuesMustBeValid() {
        List<Problem> ps = problems(dir, VALID + """
                    labels:
                      "bad key": x
                      Example.com/tier: web
                      team: "-ops"
                      ok/fine: ""
                """);
        problemAt(ps, "nodes[0].labels[\"bad key\"]", 8, "'bad key' is not a valid label key", "fix the key");
        problemAt(ps, "nodes[0].labels[\"Example.com/tier\"]", 9, "prefix 'Example.com'", "fix the key");
        problemAt(ps, "nodes[0].labels.team", 10, "'-ops' is not a valid label value", "at most 63");
        assertThat(ps).hasSize(3);
    }

    @Tag("hostile")
    @Test
    void kubeletMayNotSetReservedKubernetesLabels() {
        List<Problem> ps = problems(dir, VALID + """
                    labels:
                      node-role.kubernetes.io/worker: ""
                      app.k8s.io/name: web
                      node.kubernetes.io/pool: infra
                      team.kubelet.kubernetes.io/x: y
                      topology.kubernetes.io/zone: z1
                      kubernetes.io/arch: amd64
                """);
        problemAt(ps, "nodes[0].labels[\"node-role.kubernetes.io/worker\"]", 8,
                "kubelet may not set label 'node-role.kubernetes.io/worker'", "node.kubernetes.io/");
        problemAt(ps, "nodes[0].labels[\"app.k8s.io/name\"]", 9, "kubelet may not set label", "kubectl");
        assertThat(ps).hasSize(2);
    }

    @Tag("hostile")
    @Test
    void taintEffectAndKey() {
        List<Problem> ps = problems(dir, VALID + """
                    taints:
                      - { key: dedicated, value: infra, effect: noschedule }
                      - { key: "a b", effect: NoExecute }
                      - { key: ok, effect: Sometimes }
                      - "dedicated=infra:NoSchedule"
                """);
        problemAt(ps, "nodes[0].taints[0].effect", 8, "unknown taint effect 'noschedule'", "did you mean 'NoSchedule'?");
        problemAt(ps, "nodes[0].taints[1].key", 9, "'a b' is not a valid taint key", "fix the key");
        problemAt(ps, "nodes[0].taints[2].effect", 10, "unknown taint effect 'Sometimes'",
                "NoSchedule, PreferNoSchedule, NoExecute");
        problemAt(ps, "nodes[0].taints[3]", 11, "must be a map of fields", "field: value");
    }

    @Tag("hostile")
    @Test
    void bootstrapTokenTtlAndGroup() {
        List<Problem> ps = problems(dir, VALID + """
                bootstrap:
                  tokenTTL: 48h
                  group: Team_A
                """);
        problemAt(ps, "bootstrap.tokenTTL", 8, "48h is outside 1m to 24h", "1h is plenty");
        problemAt(ps, "bootstrap.group", 9, "'Team_A' cannot follow system:bootstrappers:", "lower-case");
        problemAt(problems(dir, VALID + "bootstrap: { tokenTTL: 3600 }\n"), "bootstrap.tokenTTL", 7,
                "'3600' is not a duration", "30m, 1h or 24h");
        problemAt(problems(dir, VALID + "bootstrap: { tokenTTL: 0s }\n"), "bootstrap.tokenTTL", 7,
                "0s is outside 1m to 24h", "1h");
    }

    @Tag("hostile")
    @Test
    void sshPortRangeAndWrongScalarType() {
        List<Problem> ps = problems(dir, VALID + """
                    ssh: { port: 70000 }
                ssh:
                  port: abc
                """);
        problemAt(ps, "ssh.port", 9, "must be a whole number, not 'abc'", "port: 2");
        problemAt(ps, "nodes[0].ssh.port", 7, "70000 is not a port", "1 to 65535");
    }

    @Tag("hostile")
    @Test
    void verbosityRange() {
        List<Problem> ps = problems(dir, VALID + """
                    kubelet: { verbosity: 11 }
                kubeProxy: { verbosity: -1 }
                """);
        problemAt(ps, "nodes[0].kubelet.verbosity", 7, "11 is outside 0 to 10", "0-10");
        problemAt(ps, "kubeProxy.verbosity", 8, "-1 is outside 0 to 10", "0-10");
    }

    @Tag("hostile")
    @Test
    void proxyModeMustBeKnown() {
        problemAt(problems(dir, VALID + "kubeProxy: { mode: ipvss }\n"), "kubeProxy.mode", 7,
                "unknown kube-proxy mode 'ipvss'", "did you mean 'ipvs'?");
        problemAt(problems(dir, VALID + "kubeProxy: { mode: userspace }\n"), "kubeProxy.mode", 7,
                "unknown kube-proxy mode 'userspace'", "iptables, ipvs, nftables");
    }

    @Tag("hostile")
    @Test
    void flagsAreWrittenWithoutDashes() {
        problemAt(problems(dir, VALID + "kubelet: { flags: { --node-ip: 1.2.3.4 } }\n"), "kubelet.flags.--node-ip", 7,
                "written with dashes", "node-ip: <value>");
    }

    @Tag("hostile")
    @Test
    void nodePathsMustBeAbsolute() {
        problemAt(problems(dir, VALID + "paths: { binDir: opt/k8s/bin }\n"), "paths.binDir", 7,
                "'opt/k8s/bin' is not an absolute path", "starting with /");
    }

    @Tag("hostile")
    @Test
    void wrongShapes() {
        List<Problem> ps = problems(dir, VALID + """
                sandbox: maybe
                network: 10.0.0.0/8
                kubelet:
                  config: [a, b]
                  flags: { node-ip: [1, 2] }
                """);
        problemAt(ps, "sandbox", 7, "must be true or false, not 'maybe'", "sandbox: true or false");
        problemAt(ps, "network", 8, "must be a map of fields, not '10.0.0.0/8'", "field: value");
        problemAt(ps, "kubelet.config", 10, "must be a map of fields, not a list", "field: value");
        problemAt(ps, "kubelet.flags.node-ip", 11, "must be a single value, not a list", "node-ip: <value>");
    }

    @Tag("hostile")
    @Test
    void everyProblemIsReportedAtOnce() {
        List<Problem> ps = problems(dir, """
                kubernetesVersion: "1.32.4"
                apiServer: http://master:6443
                pki: { caCert: ca.pem, caKey: ca-key.pem }
                runtime: docker
                nodes:
                  - { name: Slave, address: 127.0.0.1 }
                sandbox: maybe
                """);
        // in file order, although the reader finds some and the validator the others
        assertThat(ps).extracting(Problem::fieldPath)
                .containsExactly("apiServer", "runtime", "nodes[0].name", "nodes[0].address", "sandbox");
        assertThat(ps).extracting(Problem::line).containsExactly(2, 4, 6, 6, 7);
    }
}
