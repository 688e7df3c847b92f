package io.kubejoin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.testing.Cli;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/** The README's first command: the demo joins the sandbox's nodes, shows them, and a second join changes nothing. */
@Timeout(120)
class DemoCommandTest {
    @TempDir
    Path dir;

    @Test
    void theDemoJoinsShowsTheNodesAndTheSecondJoinChangesNothing() {
        Cli.Run r = Cli.kubejoin("demo", "--dir", dir.resolve("demo").toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("3 of 3 nodes joined")
                .containsPattern("node-1\\s+Ready\\s+<none>\\s+\\S+\\s+v1\\.34\\.2\\s+127\\.42\\.0\\.1")
                .contains("3 nodes healthy")
                .contains("second join: 3 of 3 nodes joined, 0 files changed, 0 services restarted");
        assertThat(dir.resolve("demo/join-report.html")).exists();
        assertThat(r.out() + r.err()).doesNotContainPattern("[a-z0-9]{6}\\.[a-z0-9]{16}"); // never a token's secret
    }

    @Test
    void withUpgradeTheNodesJoinOneMinorBehindAndAreUpgradedToTheControlPlanesRelease() {
        Cli.Run r = Cli.kubejoin("demo", "--upgrade", "--nodes", "2", "--dir", dir.resolve("upgrade").toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Kubernetes 1.33.0").containsPattern("node-1\\s+Ready\\s+<none>\\s+\\S+\\s+v1\\.33\\.0")
                .contains("kubejoin upgrade -f").contains("2 upgraded, 0 unchanged")
                .containsPattern("node-2\\s+Ready\\s+<none>\\s+\\S+\\s+v1\\.34\\.2");
    }

    @Test
    void anOlderClusterFromTheArticle() {
        Cli.Run r = Cli.kubejoin("demo", "--article", "--nodes", "2", "--dir", dir.resolve("article").toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Kubernetes 1.17.2, docker, kube-proxy ipvs").contains("v1.17.2");
    }

    @Tag("hostile")
    @Test
    void badShapeIsRefusedWithExitTwoAndLeavesNoFolderBehind() throws Exception {
        java.util.Set<Path> before = demoFolders();
        assertThat(Cli.kubejoin("demo", "--kubernetes-version", "1.99").exit()).isEqualTo(2);
        assertThat(Cli.kubejoin("demo", "--runtime", "cri-o").exit()).isEqualTo(2);
        assertThat(Cli.kubejoin("demo", "--upgrade", "--kubernetes-version", "1.17").exit()).isEqualTo(2);
        assertThat(demoFolders()).as("a refused demo makes no temp folder").isEqualTo(before);
    }

    private static java.util.Set<Path> demoFolders() throws java.io.IOException {
        try (var s = java.nio.file.Files.newDirectoryStream(Path.of(System.getProperty("java.io.tmpdir")), "kubejoin-demo-*")) {
            java.util.Set<Path> all = new java.util.HashSet<>();
            s.forEach(all::add);
            return all;
        }
    }
}
