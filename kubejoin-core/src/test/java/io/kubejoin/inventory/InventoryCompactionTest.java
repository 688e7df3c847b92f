package io.kubejoin.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a loaded inventory keeps per node (a render or join of 10,000 nodes holds it to the end): nodes that override
 * nothing share the cluster-wide settings' objects, overrides stay the node's own, values unchanged.
 */
class InventoryCompactionTest {
    private static final String YAML = """
            kubernetesVersion: "1.32.4"
            apiServer: https://192.168.0.107:6443
            pki: { caCert: ca.pem, caKey: ca-key.pem }
            kubelet: { config: { maxPods: 200 }, flags: { lock-file: /var/run/kubelet.lock } }
            kubeProxy: { config: { clientConnection: { qps: 100 } } }
            nodes:
              - name: w1
                address: 192.168.0.114
              - name: w2
                address: 192.168.0.115
              - name: w3
                address: 192.168.0.116
                labels: { disktype: ssd }
                kubelet: { config: { maxPods: 110 } }
                ssh: { port: 2222 }
            """;

    @Test
    void nodesThatOverrideNothingShareOneObjectPerSetting(@TempDir Path dir) {
        Inventory inv = InventoryLoader.load(InventoryFiles.write(dir, YAML));
        Node w1 = inv.nodes().get(0);
        Node w2 = inv.nodes().get(1);
        Node w3 = inv.nodes().get(2);
        assertThat(w2.kubelet()).isSameAs(w1.kubelet());
        assertThat(w2.kubeProxy()).isSameAs(w1.kubeProxy());
        assertThat(w2.ssh()).isSameAs(w1.ssh());
        assertThat(w2.labels()).isSameAs(w1.labels()).isEmpty();
        assertThat(w2.taints()).isSameAs(w1.taints()).isEmpty();
        // w3's own settings stay its own, merged as before; what it does not override is shared again
        assertThat(w3.kubelet()).isNotSameAs(w1.kubelet());
        assertThat(w3.kubelet().config()).containsExactly(Map.entry("maxPods", 110));
        assertThat(w3.kubelet().flags()).containsExactly(Map.entry("lock-file", "/var/run/kubelet.lock"));
        assertThat(w3.kubeProxy()).isSameAs(w1.kubeProxy());
        assertThat(w3.ssh().port()).isEqualTo(2222);
        assertThat(w3.labels()).containsExactly(Map.entry("disktype", "ssd"));
        assertThat(w1.kubelet().config()).containsExactly(Map.entry("maxPods", 200));
        assertThat(w1.kubeProxy().config()).isEqualTo(Map.of("clientConnection", Map.of("qps", 100)));
    }

    @Test
    void fieldLinesAreKeptAsArraysAndStillFound(@TempDir Path dir) {
        Inventory inv = InventoryLoader.load(InventoryFiles.write(dir, YAML));
        SourceLocations at = inv.locations();
        assertThat(at.compacted()).isTrue();
        assertThat(at.lineOf("nodes[1].address")).isEqualTo(10);
        assertThat(at.lineOf("nodes[2].kubelet.config.maxPods")).isEqualTo(14);
        // a path never written falls back to its nearest recorded parent
        assertThat(at.lineOf("nodes[2].extraNames[0]")).isEqualTo(11);
        assertThat(at.lineOf("nowhere")).isZero();
        // a later put (code that records after loading) still works
        at.put("extra", 99);
        assertThat(at.compacted()).isFalse();
        assertThat(at.lineOf("extra")).isEqualTo(99);
        assertThat(at.lineOf("nodes[1].address")).isEqualTo(10);
    }
}
