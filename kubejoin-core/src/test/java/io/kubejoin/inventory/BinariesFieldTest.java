package io.kubejoin.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/** binaries: { dir } or { tarball }: resolved like other local paths, checked for what kubejoin will read. */
class BinariesFieldTest {
    @TempDir
    Path dir;

    private Path inventory(String binaries) throws Exception {
        Path pki = Path.of("examples/pki").toAbsolutePath();
        Path inv = dir.resolve("inventory.yaml");
        Files.writeString(inv, """
                kubernetesVersion: "1.33.1"
                apiServer: https://10.0.0.10:6443
                pki: { caCert: %s/ca.pem, caKey: %s/ca-key.pem }
                %s
                nodes:
                  - { name: a, address: 10.0.1.1 }
                """.formatted(pki, pki, binaries));
        return inv;
    }

    @Test
    void absentMeansNotManaged() throws Exception {
        assertThat(InventoryLoader.load(inventory("")).binaries().managed()).isFalse();
    }

    @Test
    void aRelativeFolderResolvesBesideTheInventory() throws Exception {
        Files.createDirectories(dir.resolve("bin"));
        Files.writeString(dir.resolve("bin/kubelet"), "k");
        Files.writeString(dir.resolve("bin/kube-proxy"), "p");
        Binaries b = InventoryLoader.load(inventory("binaries: { dir: bin }")).binaries();
        assertThat(b.dir()).isEqualTo(dir.resolve("bin"));
        assertThat(b.managed()).isTrue();
    }

    @Tag("hostile")
    @Test
    void aFolderWithoutKubeProxyIsRefused() throws Exception {
        Files.createDirectories(dir.resolve("bin"));
        Files.writeString(dir.resolve("bin/kubelet"), "k");
        assertThatThrownBy(() -> InventoryLoader.load(inventory("binaries: { dir: bin }")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(":4: binaries.dir: no readable kube-proxy in");
    }

    @Tag("hostile")
    @Test
    void bothOrNeitherIsRefused() throws Exception {
        Files.writeString(dir.resolve("node.tar.gz"), "x");
        Files.createDirectories(dir.resolve("bin"));
        Files.writeString(dir.resolve("bin/kubelet"), "k");
        Files.writeString(dir.resolve("bin/kube-proxy"), "p");
        assertThatThrownBy(() -> InventoryLoader.load(inventory("binaries: { dir: bin, tarball: node.tar.gz }")))
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> InventoryLoader.load(inventory("binaries: { tarbal: node.tar.gz }")))
                .hasMessageContaining("did you mean 'tarball'");
        assertThatThrownBy(() -> InventoryLoader.load(inventory("binaries: { tarball: missing.tar.gz }")))
                .hasMessageContaining("binaries.tarball: cannot read");
    }
}
