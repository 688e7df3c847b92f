package io.kubejoin.cluster.approval;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.testing.TestInventories;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the approver keeps per inventory node for a whole join (10,000 of them): a node's own address is one small
 * reservation naming the node, its owner sentence made when asked; its stated names come from the inventory's node
 * when a CSR asks, the same as they were.
 */
class InventoryApprovalContextTest {
    private static InetAddress ip(String s) {
        return IpLiterals.parse(s).orElseThrow();
    }

    private static Inventory twoNodes() {
        Inventory base = TestInventories.article();
        Node slave = base.nodes().get(0);
        Node second = new Node("worker-2", "192.168.0.115", 1, Map.of(), List.of(), slave.kubelet(), slave.kubeProxy(),
                slave.ssh(), List.of("10.1.0.15", "fd00::15"), List.of("worker-2.example.com"), List.of("192.168.60.0/24"));
        return base.withNodes(List.of(slave, second));
    }

    @Test
    void aNodesAddressIsAReservationNamingOnlyTheNode() {
        InventoryApprovalContext ctx = InventoryApprovalContext.of(twoNodes(), Map.of(),
                InventoryApprovalContext.DEFAULT_MAX_SERVING_EXPIRATION, null);
        List<InventoryApprovalContext.Reserved> at = ctx.reservationsOf(ip("192.168.0.114"));
        assertThat(at).hasSize(1);
        assertThat(at.get(0).ownerNode()).isEqualTo("slave");
        assertThat(at.get(0).owner()).isNull();
        assertThat(at.get(0).network()).isNull();
        assertThat(ctx.reservationsOf(ip("fd00:0:0:0:0:0:0:15"))).extracting(InventoryApprovalContext.Reserved::ownerNode)
                .containsExactly("worker-2");
        // the texts are what they were
        assertThat(ctx.reservedBy(ip("192.168.0.114"), "worker-2")).contains("an inventory address of node slave");
        assertThat(ctx.reservedBy(ip("10.1.0.15"), "slave")).contains("an inventory address of node worker-2");
        assertThat(ctx.reservedBy(ip("fd00::15"), "slave")).contains("an inventory address of node worker-2");
        assertThat(ctx.reservedBy(ip("10.1.0.15"), "worker-2")).isEmpty();
        assertThat(ctx.reservedBy(ip("192.168.0.107"), "slave")).contains("the API server's address");
        assertThat(ctx.reservedBy(ip("10.254.0.1"), "slave")).contains("the service network 10.254.0.0/16");
    }

    @Test
    void statedNamesAreTheInventorysAsBefore() {
        Inventory inv = twoNodes();
        InventoryApprovalContext ctx = InventoryApprovalContext.of(inv, Map.of(),
                InventoryApprovalContext.DEFAULT_MAX_SERVING_EXPIRATION, null);
        StatedNames w2 = ctx.statedNames("worker-2").orElseThrow();
        assertThat(w2.addresses()).containsExactly(ip("192.168.0.115"), ip("10.1.0.15"), ip("fd00::15"));
        assertThat(w2.dnsNames()).containsExactly("worker-2", "worker-2.example.com");
        assertThat(w2.servingCidrs()).extracting(IpLiterals.Network::text).containsExactly("192.168.60.0/24");
        assertThat(ctx.statedNames("slave").orElseThrow().addresses()).containsExactly(ip("192.168.0.114"));
        assertThat(ctx.statedNames("nobody")).isEmpty();
    }

    @Test
    void aHostGivenAsASlash32IsAHostReservation() {
        InventoryApprovalContext ctx = new InventoryApprovalContext(Map.of(), Map.of(),
                Map.of("10.9.9.9/32", "a reserved address"), InventoryApprovalContext.DEFAULT_MAX_SERVING_EXPIRATION,
                TestInventories.article().kubernetesVersion());
        assertThat(ctx.reservationsOf(ip("10.9.9.9"))).extracting(InventoryApprovalContext.Reserved::owner)
                .containsExactly("a reserved address");
        assertThat(ctx.reservedBy(ip("10.9.9.9"), "slave")).contains("a reserved address");
        assertThat(ctx.reservedBy(ip("10.9.9.8"), "slave")).isEmpty();
    }
}
