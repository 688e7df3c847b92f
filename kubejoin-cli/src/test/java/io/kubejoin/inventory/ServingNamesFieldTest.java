package io.kubejoin.inventory;

import static io.kubejoin.inventory.InventoryFiles.problemAt;
import static io.kubejoin.inventory.InventoryFiles.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/** extraAddresses, extraNames and approval.servingCIDRs: what a node's serving certificate may carry. */
class ServingNamesFieldTest {
    @TempDir
    Path dir;

    static final String HEAD = """
            kubernetesVersion: "1.32.4"
            apiServer: https://192.168.0.107:6443
            pki: { caCert: ca.pem, caKey: ca-key.pem }
            """;

    @Test
    void fieldsAreReadAndANodesServingCidrsReplaceTheClusterWideOnes() {
        Inventory inv = InventoryLoader.load(InventoryFiles.write(dir, HEAD + """
                approval:
                  servingCIDRs: [192.168.50.0/24, "fd00:50::/64"]
                nodes:
                  - name: w1
                    address: 192.168.0.114
                    extraAddresses: [10.0.1.11, "fd00::11"]
                    extraNames: [w1.example.com]
                  - name: w2
                    address: 192.168.0.115
                    approval: { servingCIDRs: [10.9.0.0/16] }
                  - name: w3
                    address: 192.168.0.116
                """));
        Node w1 = inv.node("w1").orElseThrow();
        assertThat(w1.extraAddresses()).containsExactly("10.0.1.11", "fd00::11");
        assertThat(w1.extraNames()).containsExactly("w1.example.com");
        assertThat(w1.servingCIDRs()).containsExactly("192.168.50.0/24", "fd00:50::/64");
        assertThat(inv.node("w2").orElseThrow().servingCIDRs()).containsExactly("10.9.0.0/16");
        assertThat(inv.node("w3").orElseThrow().extraAddresses()).isEmpty();
        assertThat(inv.node("w3").orElseThrow().extraNames()).isEmpty();
    }

    @Tag("hostile")
    @Test
    void badAddressesNamesAndNetworksAreRefusedWithPathLineAndFix() {
        List<Problem> ps = problems(dir, HEAD + """
                approval:
                  servingCIDRs: [192.168.50.1/24, 0.0.0.0/0, 10.1.2.3, nonsense]
                nodes:
                  - name: w1
                    address: 192.168.0.114
                    extraAddresses: [10.0.1.300, 127.0.0.1, 10.254.0.9, 192.168.0.115, 10.0.5.0/24]
                    extraNames: [W1.example.com, w1.example.com., "*.example.com", w2]
                  - name: w2
                    address: 192.168.0.115
                    approval: { servingCIDRs: [10.9.0.0/33] }
                """);
        problemAt(ps, "approval.servingCIDRs[0]", 5, "'192.168.50.1/24' has host bits set", "did you mean 192.168.50.0/24?");
        problemAt(ps, "approval.servingCIDRs[1]", 5, "'0.0.0.0/0' contains every address", "list only the networks");
        problemAt(ps, "approval.servingCIDRs[2]", 5, "'10.1.2.3' is not a CIDR", "write 10.1.2.3/32");
        problemAt(ps, "approval.servingCIDRs[3]", 5, "'nonsense' is not a CIDR", "192.168.10.0/24");
        problemAt(ps, "nodes[0].extraAddresses[0]", 9, "'10.0.1.300' is not an IP address", "e.g. 10.0.1.11");
        problemAt(ps, "nodes[0].extraAddresses[1]", 9, "127.0.0.1 is a loopback address", "remove it");
        problemAt(ps, "nodes[0].extraAddresses[2]", 9, "10.254.0.9 is inside the service range 10.254.0.0/16",
                "remove it");
        problemAt(ps, "nodes[0].extraAddresses[3]", 9, "192.168.0.115 is the address of nodes[1] (w2)", "remove it");
        problemAt(ps, "nodes[0].extraAddresses[4]", 9, "'10.0.5.0/24' is not an IP address",
                "list networks under approval.servingCIDRs");
        problemAt(ps, "nodes[0].extraNames[0]", 10, "'W1.example.com' is not a lower-case DNS name without a trailing dot",
                "write 'w1.example.com'");
        problemAt(ps, "nodes[0].extraNames[1]", 10, "not a lower-case DNS name without a trailing dot",
                "write 'w1.example.com'");
        problemAt(ps, "nodes[0].extraNames[2]", 10, "'*.example.com' is not", "no wildcard");
        problemAt(ps, "nodes[0].extraNames[3]", 10, "'w2' is the name of nodes[1]", "remove it");
        problemAt(ps, "nodes[1].approval.servingCIDRs[0]", 13, "'10.9.0.0/33' is not a CIDR", "192.168.10.0/24");
        assertThat(ps).hasSize(14);
    }

    @Tag("hostile")
    @Test
    void aKubeletNodeIpTheInventoryDoesNotStateIsRefused() {
        List<Problem> ps = problems(dir, HEAD + """
                nodes:
                  - name: w1
                    address: 192.168.0.114
                    kubelet: { flags: { node-ip: 10.0.1.11 } }
                  - name: w2
                    address: 192.168.0.115
                    extraAddresses: [10.0.1.12]
                    kubelet: { flags: { node-ip: 10.0.1.12 } }
                """);
        problemAt(ps, "nodes[0].kubelet.flags.node-ip", 7, "kubelet's node-ip 10.0.1.11 is not an address the inventory "
                + "states for w1", "add 10.0.1.11 to nodes[0].extraAddresses");
        assertThat(ps).hasSize(1);
    }

    @Tag("hostile")
    @Test
    void badInputExitsWithCode2NamingFileFieldAndFix() {
        Path file = InventoryFiles.write(dir, HEAD + """
                nodes:
                  - name: w1
                    address: 192.168.0.114
                    extraNames: [W1.Example.com]
                """);
        java.io.StringWriter err = new java.io.StringWriter();
        int code = io.kubejoin.cli.Main.run(new java.io.PrintWriter(new java.io.StringWriter(), true),
                new java.io.PrintWriter(err, true), "render", "-f", file.toString(), "-o", dir.resolve("out").toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains(file + ":7: nodes[0].extraNames[0]").contains("write 'w1.example.com'");
    }
}
