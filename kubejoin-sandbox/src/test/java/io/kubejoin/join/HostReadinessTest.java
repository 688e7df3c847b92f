package io.kubejoin.join;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.inventory.Inventory;
import io.kubejoin.join.phases.NodePreflightPhase;
import io.kubejoin.join.phases.NodePrepPhase;
import io.kubejoin.sandbox.Sandbox;
import io.kubejoin.sandbox.SandboxFault;
import io.kubejoin.sandbox.SandboxNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * node-preflight's look at the host on a sandbox machine: a ready machine passes; each of the sandbox's faults breaks
 * exactly one condition, which node-preflight names with the node's own evidence and the fix (blocking, or a warning
 * where kubeadm's preflight warns); put right, the machine passes again.
 */
@Timeout(120)
class HostReadinessTest {

    /** node-preflight on the machine: its failure, or null when it passed (the summary then in {@code summary[0]}). */
    private static PhaseFailure preflight(Inventory inv, SandboxNode node, String[] summary) {
        try {
            summary[0] = new NodePreflightPhase().run(new NodeContext(inv, inv.nodes().get(0), List.of(), new InProcessNode(node))).summary();
            return null;
        } catch (PhaseFailure e) {
            return e;
        }
    }

    @Test
    void eachFaultBreaksOneConditionAndNodePreflightNamesItWithTheFix(@TempDir Path dir) throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), Sandbox.Options.defaults(1).withProxyMode("ipvs"))) {
            SandboxNode node = sandbox.nodes().values().iterator().next();
            Inventory inv = sandbox.inventory();
            String[] summary = new String[1];
            assertThat(preflight(inv, node, summary)).as("a ready machine").isNull();
            assertThat(summary[0]).doesNotContain("warning");

            SandboxFault.CGROUP_DRIVER_MISMATCH.apply(sandbox);
            PhaseFailure f = preflight(inv, node, summary);
            assertThat(f).isNotNull();
            assertThat(f.getMessage()).as("only that condition").doesNotContain(";")
                    .contains("kubelet's cgroupDriver is systemd but containerd's runc uses cgroupfs")
                    .contains("SystemdCgroup = false]");
            assertThat(f.hint()).contains("set kubelet.config.cgroupDriver: cgroupfs")
                    .contains("SystemdCgroup = true under [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]");
            node.host().systemdCgroup(true);

            SandboxFault.CRI_DISABLED.apply(sandbox);
            f = preflight(inv, node, summary);
            assertThat(f).isNotNull();
            assertThat(f.getMessage()).contains("containerd's CRI plugin is disabled").doesNotContain("cgroupDriver");
            assertThat(f.hint()).contains("remove \"cri\" from disabled_plugins");
            node.host().criDisabled(false);

            SandboxFault.OLD_CONTAINERD.apply(sandbox);
            f = preflight(inv, node, summary);
            assertThat(f).isNotNull();
            assertThat(f.getMessage()).contains("containerd 1.5.18 is not one kubelet 1.34 supports")
                    .contains("[ctr version: Server Version 1.5.18]");
            assertThat(f.hint()).contains("upgrade containerd");
            node.host().containerdVersion("1.7.20");

            // the daemon stopped: its socket is gone, named once (not also as "does not answer")
            node.runtimeDown(true);
            f = preflight(inv, node, summary);
            assertThat(f).isNotNull();
            assertThat(f.getMessage()).contains("containerd.sock is missing").doesNotContain("does not answer");
            node.runtimeDown(false);

            // ipvs mode, kubelet 1.34: ipset and ipvsadm (conntrack only before 1.32)
            SandboxFault.MISSING_PROXY_PROGRAMS.apply(sandbox);
            f = preflight(inv, node, summary);
            assertThat(f).isNotNull();
            assertThat(f.getMessage()).contains("programs kube-proxy's ipvs mode needs are not on the node's PATH: ipset")
                    .doesNotContain("conntrack");
            assertThat(f.hint()).contains("install them (ipset)");
            assertThat(node.exec("ipset list").exitCode()).as("a removed program is not found").isEqualTo(127);
            List.of("conntrack", "ipset", "nft", "iptables-restore").forEach(node.host()::restore);

            SandboxFault.FOREIGN_ADDRESS.apply(sandbox);
            f = preflight(inv, node, summary);
            assertThat(f).isNotNull();
            assertThat(f.getMessage()).contains("the node address " + node.address() + " is not on any of the node's interfaces")
                    .contains("[ip -o addr show: 127.0.0.1, 10.0.2.15]");
            node.host().interfaceAddresses(List.of(node.address() + "/24"));

            SandboxFault.HEALTHZ_PORT_TAKEN.apply(sandbox);
            f = preflight(inv, node, summary);
            assertThat(f).isNotNull();
            assertThat(f.getMessage()).contains("port 10248 is taken, but kubelet is not running");
            assertThat(f.hint()).contains("stop whatever listens on 10248");
            assertThat(f.getMessage()).as("only that condition").doesNotContain(";");
        }
    }

    @Test
    void nodePrepMakesAnUnpreparedNodePassAndASecondRunChangesNothing(@TempDir Path dir) throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), Sandbox.Options.defaults(1).withProxyMode("iptables"))) {
            SandboxNode node = sandbox.nodes().values().iterator().next();
            Inventory inv = sandbox.inventory();
            // everything node-prep handles wrong: no forwarding, no br_netfilter, swap on and in fstab
            SandboxFault.UNPREPARED_KERNEL.apply(sandbox);
            node.swapOn();
            String[] summary = new String[1];
            PhaseFailure before = preflight(inv, node, summary);
            assertThat(before).isNotNull();
            assertThat(before.getMessage()).contains("IPv4 forwarding is off").contains("swap is on").contains("br_netfilter");
            NodeContext ctx = new NodeContext(inv, inv.nodes().get(0), List.of(), new InProcessNode(node));

            // what plan --prepare shows: each file and command, before anything changes
            NodePrepPhase.Prep plan = NodePrepPhase.look(ctx);
            assertThat(plan.files()).extracting(NodePrepPhase.FileChange::path)
                    .containsExactly("/etc/sysctl.d/99-kubernetes.conf", "/etc/modules-load.d/kubernetes.conf", "/etc/fstab");
            assertThat(plan.commands()).containsExactly("modprobe br_netfilter", "sysctl -p /etc/sysctl.d/99-kubernetes.conf", "swapoff -a");
            assertThat(Files.exists(node.root().resolve("etc/sysctl.d/99-kubernetes.conf"))).isFalse();

            PhaseResult first = new NodePrepPhase().run(ctx);
            assertThat(first.changed()).isTrue();
            assertThat(first.summary()).contains("/etc/fstab (swap commented out; the old one kept as /etc/fstab.kubejoin-bak)")
                    .contains("sysctl -p /etc/sysctl.d/99-kubernetes.conf").contains("swapoff -a");
            assertThat(Files.readString(node.root().resolve("etc/sysctl.d/99-kubernetes.conf")))
                    .contains("net.ipv4.ip_forward = 1\n").contains("net.bridge.bridge-nf-call-iptables = 1\n");
            assertThat(Files.readString(node.root().resolve("etc/modules-load.d/kubernetes.conf"))).endsWith("\nbr_netfilter\n");
            assertThat(Files.readString(node.root().resolve("etc/fstab"))).contains("\n#/swap.img\tnone\tswap")
                    .contains("\nUUID=0b5e2d1c / ext4 defaults 0 1\n");
            assertThat(Files.readString(node.root().resolve("etc/fstab.kubejoin-bak"))).contains("\n/swap.img\tnone\tswap");
            assertThat(Files.readString(node.root().resolve("proc/sys/net/ipv4/ip_forward"))).isEqualTo("1\n");
            assertThat(preflight(inv, node, summary)).as("node-preflight after node-prep").isNull();
            assertThat(summary[0]).doesNotContain("warning");

            PhaseResult second = new NodePrepPhase().run(ctx);
            assertThat(second.changed()).as(second.summary()).isFalse();
            assertThat(NodePrepPhase.look(ctx).nothing()).isTrue();
            // never the runtime's configuration
            assertThat(Files.exists(node.root().resolve("etc/containerd"))).isFalse();
        }
    }

    @Test
    void nameAndDiskOnlyWarn(@TempDir Path dir) throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), Sandbox.Options.defaults(1))) {
            SandboxNode node = sandbox.nodes().values().iterator().next();
            Inventory inv = sandbox.inventory();
            String[] summary = new String[1];
            SandboxFault.UNRESOLVED_NAME.apply(sandbox);
            SandboxFault.DISK_FULL.apply(sandbox);
            assertThat(preflight(inv, node, summary)).isNull();
            assertThat(summary[0]).contains("warning: the node name " + node.name() + " does not resolve on the node")
                    .contains("add '" + node.address() + " " + node.name() + "' to the node's /etc/hosts")
                    .contains("warning: kubelet's root folder has 2048 MiB free of 51200 MiB, below kubelet's evictionHard "
                            + "nodefs.available 10%")
                    .contains("warning: the images' filesystem has 2048 MiB free").contains("imagefs.available 15%");
            Files.writeString(node.root().resolve("etc/hosts"), "127.0.0.1 localhost\n" + node.address() + " " + node.name() + "\n");
            node.host().disk(50L * 1024 * 1024, 40L * 1024 * 1024);
            assertThat(preflight(inv, node, summary)).isNull();
            assertThat(summary[0]).doesNotContain("warning");
        }
    }

    @Test
    void dockersCgroupDriverAgainstKubelets(@TempDir Path dir) throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), Sandbox.Options.article(1))) {
            SandboxNode node = sandbox.nodes().values().iterator().next();
            Inventory inv = sandbox.inventory();
            String[] summary = new String[1];
            // the article's 1.17 node: ipvs mode needs conntrack too
            assertThat(preflight(inv, node, summary)).isNull();
            node.host().remove("conntrack");
            PhaseFailure f = preflight(inv, node, summary);
            assertThat(f).isNotNull();
            assertThat(f.getMessage()).contains("not on the node's PATH: conntrack");
            assertThat(f.hint()).contains("conntrack (Debian/Ubuntu) or conntrack-tools (RHEL)");
            node.host().restore("conntrack");
            // docker's rules in the nf_tables backend while the host's iptables is legacy: a warning
            SandboxFault.FOREIGN_IPTABLES_RULES.apply(sandbox);
            assertThat(preflight(inv, node, summary)).isNull();
            assertThat(summary[0]).contains("warning: iptables is the legacy variant, but the nf_tables backend holds rules too")
                    .contains("iptables-nft-save lists rules");
            node.host().foreignRules(null);
            node.host().dockerCgroupDriver("systemd");
            f = preflight(inv, node, summary);
            assertThat(f.getMessage()).contains("kubelet's cgroupDriver is cgroupfs but docker's is systemd: kubelet would exit");
            assertThat(f.hint()).contains("native.cgroupdriver=cgroupfs");
        }
    }
}
