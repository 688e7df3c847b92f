package io.kubejoin.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubejoin.inventory.Binaries;
import io.kubejoin.inventory.InvalidInputException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/** kubelet and kube-proxy read from the official node tarball's layout, or from a folder. */
class NodeBinariesTest {
    @TempDir
    Path dir;

    private Path tarball(Map<String, String> entries) throws Exception {
        Path tgz = dir.resolve("kubernetes-node-linux-amd64.tar.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(tgz));
             TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            for (Map.Entry<String, String> e : entries.entrySet()) {
                byte[] data = e.getValue().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
                entry.setSize(data.length);
                entry.setMode(0755);
                tar.putArchiveEntry(entry);
                tar.write(data);
                tar.closeArchiveEntry();
            }
        }
        return tgz;
    }

    @Test
    void readsBothFromTheOfficialTarballLayout() throws Exception {
        Path tgz = tarball(Map.of("kubernetes/node/bin/kubelet", "K", "kubernetes/node/bin/kube-proxy", "P",
                "kubernetes/node/bin/kubeadm", "A", "kubernetes/LICENSES", "L"));
        NodeBinaries b = NodeBinaries.load(new Binaries(null, tgz));
        assertThat(new String(b.get("kubelet").readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("K");
        assertThat(new String(b.get("kube-proxy").readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("P");
    }

    @Test
    void eachBinaryIsHashedOncePerRunWhateverTheNodesAndTheirPaths() throws Exception {
        Path bins = Files.createDirectories(dir.resolve("bin"));
        Files.write(bins.resolve("kubelet"), new byte[3 << 20]);
        Files.writeString(bins.resolve("kube-proxy"), "P");
        NodeBinaries b = NodeBinaries.load(new Binaries(bins, null));
        // 8 nodes' pushes at once, each with its own bin folder
        java.util.List<java.util.concurrent.Future<io.kubejoin.remote.RemoteFile>> pushes = new java.util.ArrayList<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            for (int i = 0; i < 8; i++) {
                String path = "/opt/n" + i + "/bin/kubelet";
                pushes.add(pool.submit(() -> b.file(NodeBinaries.KUBELET, path, 0755)));
            }
            io.kubejoin.remote.RemoteFile first = pushes.get(0).get();
            assertThat(first.sha256()).isEqualTo(io.kubejoin.remote.RemoteFile.sha256(new byte[3 << 20]));
            for (int i = 0; i < 8; i++) {
                io.kubejoin.remote.RemoteFile f = pushes.get(i).get();
                assertThat(f.path()).isEqualTo("/opt/n" + i + "/bin/kubelet");
                // the very same bytes, outside the heap: mapped once, not copied per node
                assertThat(f.file()).isSameAs(b.get(NodeBinaries.KUBELET));
                assertThat(f.content()).isNull();
                // the very same digest object: computed once, not per node
                assertThat(f.sha256()).isSameAs(first.sha256());
            }
        } finally {
            pool.shutdown();
        }
        assertThat(b.file(NodeBinaries.KUBE_PROXY, "/usr/local/bin/kube-proxy", 0755).sha256())
                .isSameAs(b.file(NodeBinaries.KUBE_PROXY, "/opt/bin/kube-proxy", 0755).sha256())
                .isEqualTo(io.kubejoin.remote.RemoteFile.sha256("P".getBytes(StandardCharsets.UTF_8)));
    }

    @Tag("hostile")
    @Test
    void aTarballWithoutKubeProxyIsBadInput() throws Exception {
        Path tgz = tarball(Map.of("kubernetes/node/bin/kubelet", "K"));
        assertThatThrownBy(() -> NodeBinaries.load(new Binaries(null, tgz)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("binaries.tarball").hasMessageContaining("kubernetes/node/bin/kube-proxy");
    }

    @Test
    void readsAFolder() throws Exception {
        Files.writeString(dir.resolve("kubelet"), "K");
        Files.writeString(dir.resolve("kube-proxy"), "P");
        assertThat(NodeBinaries.load(new Binaries(dir, null)).get("kubelet").readAllBytes()).containsExactly('K');
    }
}
