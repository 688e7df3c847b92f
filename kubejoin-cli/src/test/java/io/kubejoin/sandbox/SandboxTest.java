package io.kubejoin.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.inventory.InventoryLoader;
import io.kubejoin.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class SandboxTest {
    @TempDir
    Path dir;

    @Test
    void writesALoadableSandboxInventoryWithDistinctLoopbackAddressesAndHostKeys() throws Exception {
        try (Sandbox s = Sandbox.start(dir, Sandbox.Options.defaults(300))) {
            var inv = InventoryLoader.load(s.inventoryFile());
            assertThat(inv.sandbox()).isTrue();
            assertThat(inv.nodes()).hasSize(300);
            assertThat(inv.nodes().stream().map(n -> n.address()).distinct()).hasSize(300)
                    .allMatch(a -> a.startsWith("127.42.")).noneMatch(a -> a.endsWith(".0") || a.endsWith(".255"));
            assertThat(Files.readAllLines(s.dir().resolve("ssh/known_hosts"))).hasSize(300)
                    .extracting(l -> l.split(" ")[2]).doesNotHaveDuplicates();
            assertThat(Files.getPosixFilePermissions(s.dir().resolve("ssh/id_ed25519"))).hasSize(2);
            assertThat(Files.getPosixFilePermissions(s.dir().resolve("pki/ca-key.pem"))).hasSize(2);
        }
    }

    @Test
    void aSandboxStartedAgainInTheSameFolderStartsFresh() throws Exception {
        try (Sandbox s = Sandbox.start(dir, Sandbox.Options.defaults(1))) {
            assertThat(Cli.kubejoin("join", "-f", s.inventoryFile().toString(), "--plain").exit()).isZero();
        }
        Files.writeString(dir.resolve("notes.txt"), "mine");
        try (Sandbox s = Sandbox.start(dir, Sandbox.Options.defaults(1))) {
            // a new CA: the machine and the join state of the first sandbox are gone, so this join starts over
            assertThat(s.node("node-1").root().resolve("etc/kubernetes/kubelet.kubeconfig")).doesNotExist();
            Cli.Run again = Cli.kubejoin("join", "-f", s.inventoryFile().toString(), "--plain", "-o", "json");
            assertThat(again.exit()).as(again.toString()).isZero();
            assertThat(again.node("node-1").path("changedFiles").size()).isPositive();
        }
        assertThat(dir.resolve("notes.txt")).hasContent("mine");
    }
}
