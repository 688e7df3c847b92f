package io.kubejoin.join;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.sandbox.Sandbox;
import io.kubejoin.sandbox.SandboxFault;
import io.kubejoin.sandbox.SandboxNode;
import io.kubejoin.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host's readiness through the commands: a containerd whose cgroup driver is not kubelet's stops its node at
 * node-preflight (the other joins); on joined nodes doctor reports the same conditions — the driver, the node name
 * not resolving, the disk below the eviction threshold — with evidence and fix.
 */
@Timeout(300)
class HostReadinessCliTest {

    @Test
    void joinPrepareFixesAnUnpreparedNodeShownByPlanFirstAndTheSecondRunChangesNothing(@TempDir Path dir) throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), Sandbox.Options.defaults(1).withProxyMode("iptables"))) {
            SandboxNode node = sandbox.nodes().values().iterator().next();
            SandboxFault.UNPREPARED_KERNEL.apply(sandbox);
            node.swapOn();
            String inventory = sandbox.inventoryFile().toString();

            Cli.Run list = Cli.kubejoin("join", "--list-phases");
            assertThat(list.out()).contains("node-prep").contains("only with --prepare");
            Cli.Run plan = Cli.kubejoin("plan", "-f", inventory, "--prepare");
            assertThat(plan.exit()).as(plan.out() + plan.err()).isEqualTo(1);
            assertThat(plan.out()).contains("new       /etc/sysctl.d/99-kubernetes.conf").contains("+net.ipv4.ip_forward = 1")
                    .contains("new       /etc/modules-load.d/kubernetes.conf").contains("changed   /etc/fstab")
                    .contains("-/swap.img\tnone\tswap").contains("+#/swap.img\tnone\tswap")
                    .contains("run       modprobe br_netfilter").contains("run       sysctl -p /etc/sysctl.d/99-kubernetes.conf")
                    .contains("run       swapoff -a");
            assertThat(Files.exists(node.root().resolve("etc/sysctl.d/99-kubernetes.conf"))).as("plan changes nothing").isFalse();
            // without --prepare, plan shows none of it
            assertThat(Cli.kubejoin("plan", "-f", inventory).out()).doesNotContain("99-kubernetes.conf");

            Cli.Run join = Cli.kubejoin("join", "-f", inventory, "--prepare", "--plain");
            assertThat(join.exit()).as(join.out() + join.err()).isZero();
            assertThat(join.out()).contains("node-prep");
            Cli.Run again = Cli.kubejoin("join", "-f", inventory, "--prepare", "--plain", "-o", "json");
            assertThat(again.exit()).as(again.out() + again.err()).isZero();
            assertThat(again.out()).contains("kernel settings persistent and applied, swap off");
            Cli.Run planAgain = Cli.kubejoin("plan", "-f", inventory, "--prepare");
            assertThat(planAgain.exit()).as(planAgain.out()).isZero();
        }
    }

    @Test
    void joinStopsTheMismatchedNodeAndDoctorReportsTheHostOnJoinedNodes(@TempDir Path dir) throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), Sandbox.Options.defaults(2))) {
            Iterator<SandboxNode> nodes = sandbox.nodes().values().iterator();
            SandboxNode first = nodes.next();
            SandboxNode second = nodes.next();
            SandboxFault.CGROUP_DRIVER_MISMATCH.apply(sandbox);
            String inventory = sandbox.inventoryFile().toString();

            Cli.Run join = Cli.kubejoin("join", "-f", inventory, "--plain");
            String out = join.out() + join.err();
            assertThat(join.exit()).as(out).isNotZero();
            assertThat(out).contains("node-preflight").contains("kubelet's cgroupDriver is systemd but containerd's runc uses cgroupfs")
                    .contains("set kubelet.config.cgroupDriver: cgroupfs");
            assertThat(Files.exists(first.root().resolve("etc/systemd/system/kubelet.service"))).isFalse();
            assertThat(second.exec("systemctl is-active kubelet").stdout().strip()).isEqualTo("active");

            first.host().systemdCgroup(true);
            Cli.Run again = Cli.kubejoin("join", "-f", inventory, "--plain");
            assertThat(again.exit()).as(again.out() + again.err()).isZero();

            // joined nodes: the driver changed under one, the other's name gone from /etc/hosts and its disk filling up
            first.host().systemdCgroup(false);
            Files.writeString(second.root().resolve("etc/hosts"), "127.0.0.1 localhost\n");
            second.host().disk(50L * 1024 * 1024, 1024L * 1024);
            Cli.Run doctor = Cli.kubejoin("doctor", "-f", inventory, "-o", "json");
            assertThat(doctor.exit()).as(doctor.out() + doctor.err()).isEqualTo(1);
            assertThat(doctor.out()).contains("\"cgroup-driver\"").contains("SystemdCgroup = false")
                    .contains("\"hostname\"").contains("does not resolve on the node")
                    .contains("\"disk-kubelet\"").contains("below kubelet's evictionHard nodefs.available 10%")
                    .doesNotContain("\"port-taken\"");
        }
    }
}
