package io.kubejoin.join;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.sandbox.Sandbox;
import io.kubejoin.sandbox.SandboxNode;
import io.kubejoin.sandbox.node.NodeKernel;
import io.kubejoin.testing.Cli;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kube-proxy's iptables mode on a kernel with ip_tables, iptable_filter and iptable_nat built in and no /lib/modules:
 * modprobe and modinfo find nothing and /sys/module shows nothing, yet iptables works, so the join goes through and
 * doctor finds nothing; a table the kernel truly lacks is still reported.
 */
@Timeout(240)
class BuiltInKernelModulesTest {

    @Test
    void builtInNetfilterModulesPassAndATrulyAbsentOneDoesNot(@TempDir Path dir) throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), Sandbox.Options.defaults(1).withProxyMode("iptables"))) {
            SandboxNode n = sandbox.nodes().values().iterator().next();
            n.kernel(NodeKernel.Kernel.NETFILTER_BUILT_IN);
            assertThat(n.exec("modprobe ip_tables").stderr()).contains("not found in directory /lib/modules/");
            String inventory = sandbox.inventoryFile().toString();

            Cli.Run join = Cli.kubejoin("join", "-f", inventory, "--plain");
            assertThat(join.exit()).as(join.out() + join.err()).isZero();
            Cli.Run doctor = Cli.kubejoin("doctor", "-f", inventory);
            assertThat(doctor.exit()).as(doctor.out() + doctor.err()).isZero();

            n.kernel(NodeKernel.Kernel.NETFILTER_BUILT_IN_WITHOUT_NAT);
            Cli.Run missing = Cli.kubejoin("doctor", "-f", inventory, "-o", "json");
            assertThat(missing.exit()).as(missing.out()).isEqualTo(1);
            assertThat(missing.out()).contains("kernel-modules").contains("iptable_nat")
                    .doesNotContain("ip_tables,").doesNotContain("iptable_filter");
            Cli.Run preflight = Cli.kubejoin("join", "-f", inventory, "--plain");
            assertThat(preflight.exit()).isNotZero();
            assertThat(preflight.out() + preflight.err()).contains("node-preflight").contains("iptable_nat");
        }
    }
}
