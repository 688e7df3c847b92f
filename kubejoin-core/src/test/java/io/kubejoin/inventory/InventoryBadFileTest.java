package io.kubejoin.inventory;

import static io.kubejoin.inventory.InventoryFiles.VALID;
import static io.kubejoin.inventory.InventoryFiles.problemAt;
import static io.kubejoin.inventory.InventoryFiles.problems;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/** Files that are not inventories at all: each ends in problems, never in another exception. */
class InventoryBadFileTest {
    @TempDir
    Path dir;

    private List<Problem> problemsOfPath(Path file) {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> InventoryLoader.load(file));
        assertThat(e).isNotNull();
        assertThat(e.problems()).allSatisfy(p -> assertThat(p.file()).isEqualTo(file));
        return e.problems();
    }

    @Tag("hostile")
    @Test
    void missingFile() {
        Path file = dir.resolve("nope.yaml");
        List<Problem> ps = problemsOfPath(file);
        problemAt(ps, "", 0, "file not found (looked for " + file + ")", "-f");
    }

    @Tag("hostile")
    @Test
    void relativePathIsReportedAsGiven() {
        Path file = Path.of("no-such-dir", "inventory.yaml");
        Problem p = problemsOfPath(file).get(0);
        assertThat(p.format()).startsWith("no-such-dir/inventory.yaml: file not found");
    }

    @Tag("hostile")
    @Test
    void folderInsteadOfFile() {
        problemAt(problemsOfPath(dir), "", 0, "is a folder", "-f");
    }

    @Tag("hostile")
    @Test
    void emptyFile() {
        problemAt(problems(dir, ""), "", 0, "the file is empty", "kubernetesVersion");
        problemAt(problems(dir, "# just a comment\n"), "", 0, "the file is empty", "kubernetesVersion");
    }

    @Tag("hostile")
    @Test
    void malformedYamlNamesTheLine() {
        List<Problem> ps = problems(dir, VALID + "network: { clusterCIDR: 10.0.0.0/8\nruntime: containerd\n");
        assertThat(ps).hasSize(1);
        assertThat(ps.get(0).message()).startsWith("is not valid YAML");
        assertThat(ps.get(0).line()).isBetween(7, 9);
        problemAt(problems(dir, "a: b\n  c: d\n"), "", 2, "is not valid YAML", "syntax");
        problemAt(problems(dir, "nodes:\n\t- name: x\n"), "", 2, "is not valid YAML", "syntax");
    }

    @Tag("hostile")
    @Test
    void topLevelListOrScalar() {
        problemAt(problems(dir, "- name: slave\n  address: 192.168.0.114\n"), "", 1,
                "the inventory must be a map of fields", "kubernetesVersion");
        problemAt(problems(dir, "just text\n"), "", 1, "the inventory must be a map of fields", "kubernetesVersion");
    }

    @Tag("hostile")
    @Test
    void severalDocuments() {
        List<Problem> ps = problems(dir, VALID + "---\n" + VALID);
        assertThat(ps).singleElement().satisfies(p -> {
            assertThat(p.message()).startsWith("is not valid YAML");
            assertThat(p.line()).isEqualTo(7);
        });
    }

    @Tag("hostile")
    @Test
    void notUtf8() throws Exception {
        Path file = dir.resolve("latin1.yaml");
        Files.write(file, new byte[] {'a', ':', ' ', (byte) 0xE9, (byte) 0xFF, '\n'});
        problemAt(problemsOfPath(file), "", 0, "is not UTF-8 text", "UTF-8");
    }

    @Tag("hostile")
    @Test
    void unknownTagInConfig() {
        List<Problem> ps = problems(dir, VALID + "kubelet:\n  config:\n    maxPods: !weird 3\n");
        problemAt(ps, "kubelet.config.maxPods", 9, "cannot read '3'", "quote the value");
    }

    @Tag("hostile")
    @Test
    void recursiveAliasInConfig() {
        List<Problem> ps = problems(dir, VALID + "kubelet:\n  config: &loop\n    self: *loop\n");
        assertThat(ps).isNotEmpty();
        assertThat(ps).allSatisfy(p -> assertThat(p.fieldPath()).startsWith("kubelet.config"));
    }

    @Test
    void aliasesAreFollowed() throws Exception {
        Inventory inv = InventoryLoader.load(InventoryFiles.write(dir, """
                kubernetesVersion: "1.32.4"
                apiServer: https://192.168.0.107:6443
                pki: { caCert: ca.pem, caKey: ca-key.pem }
                kubeProxy:
                  config: { clientConnection: &conn { qps: 100, burst: 200 } }
                nodes:
                  - name: slave
                    address: 192.168.0.114
                    kubeProxy: { config: { clientConnection: *conn } }
                """));
        assertThat(inv.nodes().get(0).kubeProxy().config())
                .isEqualTo(java.util.Map.of("clientConnection", java.util.Map.of("qps", 100, "burst", 200)));
    }

    @Tag("hostile")
    @Test
    void nonScalarKey() {
        List<Problem> ps = problems(dir, VALID + "? [a, b]\n: c\n");
        // snakeyaml-engine refuses it while composing, without a position
        problemAt(ps, "", 0, "is not valid YAML: Non scalar key", "syntax");
    }

    @Test
    void mergeKeysAreApplied() {
        // snakeyaml-engine's composer applies YAML merge keys, so "<<" never reaches the schema check
        Inventory inv = InventoryLoader.load(InventoryFiles.write(dir, """
                kubernetesVersion: "1.32.4"
                apiServer: https://192.168.0.107:6443
                pki: { caCert: ca.pem, caKey: ca-key.pem }
                ssh: &base { user: admin, port: 2222 }
                nodes:
                  - name: slave
                    address: 192.168.0.114
                    ssh: { <<: *base, port: 2200 }
                """));
        assertThat(inv.nodes().get(0).ssh().user()).isEqualTo("admin");
        assertThat(inv.nodes().get(0).ssh().port()).isEqualTo(2200);
    }

    @Tag("hostile")
    @Test
    void nodesAsAMapOrItemsAsScalars() {
        problemAt(problems(dir, VALID.substring(0, VALID.indexOf("nodes:")) + "nodes: { slave: 192.168.0.114 }\n"),
                "nodes", 4, "must be a list, not a map", "- item");
        problemAt(problems(dir, VALID.substring(0, VALID.indexOf("nodes:")) + "nodes: [slave]\n"),
                "nodes[0]", 4, "must be a map of fields, not 'slave'", "field: value");
    }

    @Tag("hostile")
    @Test
    void hugeFile() throws Exception {
        Path file = dir.resolve("big.yaml");
        Files.writeString(file, "# " + "x".repeat(3 * 1024 * 1024) + "\n");
        problemAt(problemsOfPath(file), "", 0, "too large for an inventory", "-f");
    }

    @Tag("hostile")
    @Test
    void hugeNumber() {
        problemAt(problems(dir, VALID + "ssh: { port: 99999999999999999999 }\n"), "ssh.port", 7, "is too large",
                "port: 2");
    }
}
