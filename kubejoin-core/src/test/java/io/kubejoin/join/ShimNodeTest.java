package io.kubejoin.join;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test node's promise: a quoted node path, the root itself included, lands under the node's folder. */
class ShimNodeTest {
    @TempDir
    Path dir;

    @Test
    void theQuotedRootIsTheNodesFolderNotThisMachines() throws Exception {
        ShimNode node = new ShimNode(Files.createDirectories(dir.resolve("node")));
        String name = "kubejoin-shim-probe-" + ProcessHandle.current().pid();
        // a command that names '/' as a folder (tar -C '/', cd '/'): before, it ran in this machine's root
        assertThat(node.exec("cd '/' && mkdir " + name, Duration.ofSeconds(10)).exitCode()).isZero();
        try {
            assertThat(dir.resolve("node").resolve(name)).isDirectory();
        } finally {
            Files.deleteIfExists(Path.of("/", name));
        }
    }
}
