package io.kubejoin.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.remote.ExecResult;
import io.kubejoin.version.KubeVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import io.kubejoin.sandbox.api.SandboxApiServer;
import io.kubejoin.sandbox.node.SimulatorRuntime;

/**
 * kube-proxy's rules are the kernel's: they outlive the kube-proxy that made them, and only its --cleanup (which
 * removes the nftables table only with the NFTablesProxyMode gate on: from 1.31 by default, in 1.29/1.30 from its
 * config) takes them away.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SandboxNodeProxyRulesTest {
    static final String CONFIG = "/etc/kubernetes/kube-proxy-config.yaml";
    static SimulatorRuntime runtime;
    static SandboxApiServer server;

    @BeforeAll
    static void start() {
        runtime = SimulatorRuntime.create();
        server = SandboxApiServer.start(SandboxApiServer.Options.defaults().withSigner(false));
    }

    @AfterAll
    static void stop() {
        server.close();
        runtime.close();
    }

    private SandboxNode node(Path tmp, String version, String name, String address) throws Exception {
        RenderedNodes nodes = RenderedNodes.render(server, tmp, version, "containerd", name, address);
        Path root = nodes.root(name);
        Path bin = root.resolve("opt/k8s/bin/kube-proxy");
        Files.createDirectories(bin.getParent());
        Files.writeString(bin, "#!/bin/sh\n");
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
        SandboxNode n = new SandboxNode(name, address, root, TestCsrs.ecKey(), KubeVersion.parse(version), runtime, "10.254.0.1",
                "/run/containerd/containerd.sock");
        // a joined node: its kubelet registered the Node, which kube-proxy looks up as it starts
        n.kubeProxyNodeLookup(x -> x.equals(name) ? address : null);
        return n;
    }

    private static void setMode(SandboxNode n, String lines) throws Exception {
        Path config = n.root().resolve(CONFIG.substring(1));
        Files.writeString(config, Files.readString(config).replaceAll("(?m)^mode: .*\\n", "") + lines);
    }

    private static ExecResult ok(SandboxNode n, String command) {
        ExecResult r = n.exec(command);
        assertThat(r.exitCode()).as(command + ": " + r).isZero();
        return r;
    }

    /** A real kube-proxy programs its rules with its first sync, a moment after the start: wait for it. */
    private static void restartAndSync(SandboxNode n) throws InterruptedException {
        ok(n, "systemctl restart kube-proxy");
        assertThat(n.kubeProxy().awaitRulesSynced(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void ipvsAndIptablesRulesStayAfterStopUntilCleanup(@TempDir Path tmp) throws Exception {
        SandboxNode n = node(tmp, "1.32.4", "r1", "127.0.3.1");
        restartAndSync(n);
        assertThat(n.kernelRules()).isEqualTo("ipvs");
        ok(n, "systemctl stop kube-proxy");
        ok(n, "ipvsadm -Ln -t 10.254.0.1:443");
        assertThat(ok(n, "iptables-save -t nat").stdout()).contains(":KUBE-SERVICES").doesNotContain("-d 10.254.0.1/32");
        ok(n, "'/opt/k8s/bin/kube-proxy' --cleanup");
        assertThat(n.exec("ipvsadm -Ln -t 10.254.0.1:443").exitCode()).isEqualTo(1);
        assertThat(ok(n, "iptables-save -t nat").stdout()).doesNotContain("KUBE-");

        setMode(n, "mode: iptables\n");
        restartAndSync(n);
        ok(n, "systemctl stop kube-proxy");
        assertThat(ok(n, "iptables-save -t nat").stdout()).contains("-d 10.254.0.1/32").contains(":KUBE-SERVICES");
        assertThat(n.exec("ipvsadm -Ln -t 10.254.0.1:443").exitCode()).isEqualTo(1);
        ok(n, "'/opt/k8s/bin/kube-proxy' --cleanup");
        assertThat(ok(n, "iptables-save -t nat").stdout()).doesNotContain("KUBE-");
        assertThat(n.exec("/opt/k8s/bin/kube-proxy --cleanup --bogus").exitCode()).isEqualTo(2);
    }

    @Test
    void nftablesTableGoesOnlyWithTheGateOn(@TempDir Path tmp) throws Exception {
        SandboxNode n = node(tmp, "1.30.8", "r2", "127.0.3.2");
        setMode(n, "mode: nftables\nfeatureGates:\n  NFTablesProxyMode: true\n");
        restartAndSync(n);
        assertThat(n.kernelRules()).as(String.join("\n", n.kubeProxy().journal().lines())).isEqualTo("nftables");
        ok(n, "systemctl disable --now kube-proxy");
        ok(n, "nft list table ip kube-proxy");
        // 1.30 without its config: the gate is off, cleanupAndExit leaves the nftables table
        ok(n, "/opt/k8s/bin/kube-proxy --cleanup");
        assertThat(n.kernelRules()).isEqualTo("nftables");
        ok(n, "/opt/k8s/bin/kube-proxy --cleanup --config " + CONFIG);
        assertThat(n.kernelRules()).isNull();
        assertThat(n.exec("nft list table ip kube-proxy").exitCode()).isEqualTo(1);
    }
}
