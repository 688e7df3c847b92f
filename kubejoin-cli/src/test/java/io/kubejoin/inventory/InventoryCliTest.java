package io.kubejoin.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/** Bad inventories end the CLI with exit code 2 and one line per problem, never a stack trace. */
class InventoryCliTest {
    @Tag("hostile")
    @Test
    void renderWithABadInventoryExitsTwoAndPrintsTheProblems(@TempDir Path dir) {
        Path file = InventoryFiles.write(dir, InventoryFiles.VALID.replace("192.168.0.114", "127.0.0.1") + """
                network:
                  clusterCidr: 172.30.0.0/16
                """);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true),
                "render", "-f", file.toString(), "-o", dir.resolve("out").toString());

        assertThat(code).isEqualTo(2);
        assertThat(err.toString())
                .contains(file + ":6: nodes[0].address: 127.0.0.1 is a loopback address — "
                        + "use an address of the node that the API server can reach")
                .contains(file + ":8: network.clusterCidr: unknown field 'clusterCidr' — did you mean 'clusterCIDR'?")
                .contains("2 problems; nothing was changed.")
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
        assertThat(out.toString()).isEmpty();
    }

    @Tag("hostile")
    @Test
    void malformedYamlAndMissingFilesExitTwoToo(@TempDir Path dir) {
        for (Path file : new Path[] {InventoryFiles.write(dir, "nodes: [\n"), dir.resolve("missing.yaml")}) {
            StringWriter err = new StringWriter();
            int code = Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
                    "render", "-f", file.toString(), "-o", dir.resolve("out").toString());
            assertThat(code).isEqualTo(2);
            assertThat(err.toString()).startsWith(file + ":").doesNotContain("Exception").doesNotContain("\tat ");
        }
    }
}
