package io.kubejoin.inventory;

import static io.kubejoin.inventory.InventoryFiles.VALID;
import static io.kubejoin.inventory.InventoryFiles.problemAt;
import static io.kubejoin.inventory.InventoryFiles.problems;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.testing.Cli;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * Values the loader used to let through to the node: wrong types in the config maps, typos inside nested
 * config objects, flags no kubelet has, control characters that would add lines to a systemd unit.
 */
class RejectedValuesTest {
    @TempDir
    Path dir;

    @Tag("hostile")
    @Test
    void wrongTypesInKubeletConfigNameFieldAndExpectedType() {
        List<Problem> ps = problems(dir, VALID + """
                kubelet:
                  config:
                    maxPods: lots
                    failSwapOn: "no"
                    syncFrequency: 10
                    evictionHard: { memory.available: [100Mi] }
                    clusterDNS: 10.96.0.10
                    featureGates: { NodeSwap: "yes" }
                """);
        problemAt(ps, "kubelet.config.maxPods", 9, "must be an integer, not the text 'lots'", "whole number without quotes");
        problemAt(ps, "kubelet.config.failSwapOn", 10, "must be true or false, not the text 'no'", "failSwapOn: false");
        problemAt(ps, "kubelet.config.syncFrequency", 11, "must be a duration", "\"1m30s\"");
        problemAt(ps, "kubelet.config.evictionHard.memory.available", 12, "must be a string", "");
        problemAt(ps, "kubelet.config.clusterDNS", 13, "must be a list", "[");
        problemAt(ps, "kubelet.config.featureGates.NodeSwap", 14, "must be true or false", "");
        assertThat(ps).hasSize(6);
    }

    @Tag("hostile")
    @Test
    void typosInsideNestedConfigObjectsSuggestTheField() {
        List<Problem> ps = problems(dir, VALID + """
                kubelet:
                  config:
                    authentication:
                      x509: { clientCAFiel: /etc/kubernetes/cert/ca.pem }
                      webhook: { enabled: true, cacheTTl: 2m }
                kubeProxy:
                  config:
                    conntrack: { maxPerCor: 0 }
                """);
        problemAt(ps, "kubelet.config.authentication.x509.clientCAFiel", 10,
                "not a field of KubeletConfiguration authentication.x509", "did you mean clientCAFile?");
        problemAt(ps, "kubelet.config.authentication.webhook.cacheTTl", 11, "not a field", "did you mean cacheTTL?");
        problemAt(ps, "kubeProxy.config.conntrack.maxPerCor", 14, "not a field of KubeProxyConfiguration conntrack",
                "did you mean maxPerCore?");
        assertThat(ps).hasSize(3);
    }

    @Tag("hostile")
    @Test
    void nestedFieldNewerThanTheTargetNamesItsRelease() {
        List<Problem> ps = problems(dir, VALID.replace("\"1.32.4\"", "\"1.28.2\"") + """
                kubeProxy:
                  config:
                    conntrack: { tcpBeLiberal: true }
                """);
        problemAt(ps, "kubeProxy.config.conntrack.tcpBeLiberal", 9, "only from 1.29", "target 1.29 or later");
    }

    @Tag("hostile")
    @Test
    void wrongTypeInKubeProxyConfigAndPerNodeOverride() {
        List<Problem> ps = problems(dir, VALID + """
                    kubeProxy:
                      config: { ipvs: { strictARP: "yes" } }
                """);
        problemAt(ps, "nodes[0].kubeProxy.config.ipvs.strictARP", 8, "must be true or false", "without quotes");
    }

    @Tag("hostile")
    @Test
    void unknownKubeletFlagIsRefusedWithTheNearestFlag() {
        List<Problem> ps = problems(dir, VALID + """
                kubelet:
                  flags:
                    no-such-flag: x
                    node-lables: a=b
                """);
        problemAt(ps, "kubelet.flags.no-such-flag", 9, "kubelet 1.32 has no --no-such-flag flag", "");
        problemAt(ps, "kubelet.flags.node-lables", 10, "has no --node-lables flag", "did you mean node-labels?");
        assertThat(ps).hasSize(2);
    }

    @Tag("hostile")
    @Test
    void flagAddedAfterTheTargetReleaseIsRefused() {
        List<Problem> ps = problems(dir, VALID.replace("\"1.32.4\"", "\"1.30.1\"") + """
                kubelet:
                  flags: { fail-cgroupv1: "false" }
                """);
        problemAt(ps, "kubelet.flags.fail-cgroupv1", 8, "only from 1.31", "target 1.31 or later");
    }

    @Tag("hostile")
    @Test
    void controlCharactersAnywhereAreRefusedWhereTheyStand() {
        List<Problem> ps = problems(dir, """
                kubernetesVersion: "1.32.4"
                apiServer: https://192.168.0.107:6443
                pki: { caCert: "ca.pem\\n", caKey: ca-key.pem }
                kubelet:
                  flags: { node-ip: "10.0.0.5\\nExecStartPre=/bin/sh -c 'rm -rf /'" }
                nodes:
                  - name: slave
                    address: 192.168.0.114
                    labels: { "a\\rb": x, disk: "ssd\\u0000" }
                    taints: [ { key: dedicated, value: "in\\u001bfra", effect: NoSchedule } ]
                """);
        problemAt(ps, "pki.caCert", 3, "contains a newline", "systemd units");
        problemAt(ps, "kubelet.flags.node-ip", 5, "contains a newline (at character 9)", "remove it");
        problemAt(ps, "nodes[0].labels.a\\x0db", 9, "the key contains a carriage return", "remove it");
        problemAt(ps, "nodes[0].labels.disk", 9, "contains a NUL character", "remove it");
        problemAt(ps, "nodes[0].taints[0].value", 10, "contains an escape character", "remove it");
    }

    @Tag("hostile")
    @Test
    void aBlockScalarInAFlagIsRefusedToo() {
        List<Problem> ps = problems(dir, VALID + """
                kubelet:
                  flags:
                    node-labels: |
                      a=b
                """);
        problemAt(ps, "kubelet.flags.node-labels", 9, "contains a newline", "block scalar");
    }

    @Tag("hostile")
    @Test
    void theCommandLineExitsTwoNamingTheFieldForEachClass() {
        for (String bad : List.of(
                "kubelet: { config: { maxPods: lots } }\n",
                "kubelet: { config: { authentication: { x509: { clientCAFiel: /x } } } }\n",
                "kubelet: { flags: { no-such-flag: x } }\n",
                "kubelet: { flags: { node-ip: \"10.0.0.5\\nExecStartPre=/bin/true\" } }\n")) {
            Path file = InventoryFiles.write(dir, VALID + bad);

            Cli.Run r = Cli.kubejoin("render", "-f", file.toString(), "-o", dir.resolve("out").toString());

            String field = bad.contains("maxPods") ? "kubelet.config.maxPods"
                    : bad.contains("clientCAFiel") ? "kubelet.config.authentication.x509.clientCAFiel"
                    : bad.contains("no-such-flag") ? "kubelet.flags.no-such-flag" : "kubelet.flags.node-ip";
            assertThat(r.exit()).as(bad + r).isEqualTo(2);
            assertThat(r.err()).as(bad + r).contains(file + ":7: " + field + ": ").contains("nothing was changed");
            assertThat(dir.resolve("out")).doesNotExist();
        }
    }
}
