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
 * The kernel settings kubeadm's preflight reads from /proc/sys: a node whose kernel does not forward
 * (net.ipv4.ip_forward=0) is stopped by node-preflight with the evidence and the fix, the other node joins; br_netfilter
 * not loaded is a warning (kube-proxy's iptables and ipvs modes need it when pods sit on a bridge); doctor reports both
 * on joined nodes.
 */
@Timeout(300)
class KernelSettingsTest {

    @Test
    void anUnpreparedKernelStopsItsNodeOnlyAndDoctorSeesItOnAJoinedNode(@TempDir Path dir) throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), Sandbox.Options.defaults(2).withProxyMode("iptables"))) {
            Iterator<SandboxNode> nodes = sandbox.nodes().values().iterator();
            SandboxNode first = nodes.next();
            SandboxNode second = nodes.next();
            SandboxFault.UNPREPARED_KERNEL.apply(sandbox);
            // the simulated kernel as a fresh one boots: no forwarding, no bridge settings until br_netfilter loads
            assertThat(first.exec("cat '/proc/sys/net/ipv4/ip_forward'").stdout()).isEqualTo("0\n");
            assertThat(first.exec("test -e '/proc/sys/net/bridge/bridge-nf-call-iptables'").exitCode()).isNotZero();
            assertThat(second.exec("cat '/proc/sys/net/bridge/bridge-nf-call-iptables'").stdout()).isEqualTo("1\n");
            String inventory = sandbox.inventoryFile().toString();

            Cli.Run join = Cli.kubejoin("join", "-f", inventory, "--plain");
            String out = join.out() + join.err();
            assertThat(join.exit()).as(out).isNotZero();
            assertThat(out).contains("node-preflight").contains("/proc/sys/net/ipv4/ip_forward: 0")
                    .contains("sysctl -w net.ipv4.ip_forward=1").contains("/etc/sysctl.d/")
                    .contains("br_netfilter").contains("modprobe br_netfilter").contains("/etc/modules-load.d/");
            // the join stopped for that node only: nothing of kubelet's pushed there, the other node runs it
            assertThat(Files.exists(first.root().resolve("etc/systemd/system/kubelet.service"))).isFalse();
            assertThat(second.exec("systemctl is-active kubelet").stdout().strip()).isEqualTo("active");

            // the operator fixes the node: modprobe loads br_netfilter, forwarding on; the join goes through
            assertThat(first.exec("modprobe br_netfilter").exitCode()).isZero();
            assertThat(first.exec("cat '/proc/sys/net/bridge/bridge-nf-call-iptables'").stdout()).isEqualTo("1\n");
            Files.writeString(first.root().resolve("proc/sys/net/ipv4/ip_forward"), "1\n");
            Cli.Run again = Cli.kubejoin("join", "-f", inventory, "--plain");
            assertThat(again.exit()).as(again.out() + again.err()).isZero();
            Cli.Run healthy = Cli.kubejoin("doctor", "-f", inventory);
            assertThat(healthy.exit()).as(healthy.out() + healthy.err()).isZero();

            // on joined nodes: forwarding turned off on one, bridged traffic kept from iptables on the other
            Files.writeString(second.root().resolve("proc/sys/net/ipv4/ip_forward"), "0\n");
            Files.writeString(first.root().resolve("proc/sys/net/bridge/bridge-nf-call-iptables"), "0\n");
            Cli.Run doctor = Cli.kubejoin("doctor", "-f", inventory, "-o", "json");
            assertThat(doctor.exit()).as(doctor.out() + doctor.err()).isEqualTo(1);
            assertThat(doctor.out()).contains("\"ip-forward\"").contains("/proc/sys/net/ipv4/ip_forward: 0")
                    .contains("sysctl -w net.ipv4.ip_forward=1")
                    .contains("\"bridge-nf-call-iptables\"").contains("/proc/sys/net/bridge/bridge-nf-call-iptables: 0")
                    .contains("sysctl -w net.bridge.bridge-nf-call-iptables=1");
            // kube-proxy itself only logs it, as it starts (iptables and ipvs mode)
            String line = "Missing br-netfilter module or unset sysctl br-nf-call-iptables, proxy may not work as intended";
            assertThat(first.exec("journalctl -u kube-proxy --no-pager").stdout()).doesNotContain(line);
            assertThat(first.exec("systemctl restart kube-proxy").exitCode()).isZero();
            String journal = "";
            for (int i = 0; i < 100 && !journal.contains(line); i++) {
                Thread.sleep(50);
                journal = first.exec("journalctl -u kube-proxy --no-pager").stdout();
            }
            assertThat(journal).contains(line);
        }
    }
}
