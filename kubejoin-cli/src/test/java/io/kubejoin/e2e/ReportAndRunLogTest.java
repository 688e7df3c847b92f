package io.kubejoin.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.sandbox.Sandbox;
import io.kubejoin.state.StateStore;
import io.kubejoin.testing.Cli;
import io.kubejoin.testing.Processes;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A sandbox join with --log-file and --report (issue 16): the log holds what the run printed and its debug lines but
 * no bootstrap token secret and no PEM block; the report, rendered by a real headless Chromium, is a drawn page.
 */
@Timeout(300)
class ReportAndRunLogTest {
    @TempDir
    Path dir;

    @Tag("hostile")
    @Test
    void aJoinsLogFileHoldsTheRunButNoSecretAndItsReportRendersInABrowser() throws Exception {
        try (Sandbox s = Sandbox.start(dir.resolve("sandbox"), Sandbox.Options.defaults(2))) {
            Path log = dir.resolve("logs/join.log");
            Path report = dir.resolve("report.html");
            Cli.Run r = Cli.kubejoin("join", "-f", s.inventoryFile().toString(), "--plain", "--v=2",
                    "--log-file", log.toString(), "--report", report.toString());
            assertThat(r.exit()).as(r.toString()).isZero();

            String text = Files.readString(log);
            assertThat(text).contains(" log kubejoin join -f ").contains(" out node-1").contains("2 of 2 nodes joined");
            JsonNode tokens = JsonMapper.builder().build().readTree(
                    Files.readString(StateStore.defaultDirFor(s.inventoryFile()).resolve("tokens.json"))).path("tokens");
            assertThat(tokens.size()).isEqualTo(2);
            for (JsonNode t : tokens) {
                String secret = t.path("secret").asString();
                assertThat(secret).hasSize(16);
                assertThat(text).doesNotContain(secret);
            }
            assertThat(text).doesNotContain("-----BEGIN").doesNotContain("PRIVATE KEY");
            assertThat(io.kubejoin.util.SecureFiles.mode(log)).isEqualTo(0600);

            // without --log-file: logs/kubejoin.log in the inventory's state folder
            Cli.Run status = Cli.kubejoin("status", "-f", s.inventoryFile().toString(), "node-2");
            assertThat(status.exit()).as(status.toString()).isZero();
            assertThat(status.out()).contains("node-2").doesNotContain("node-1");
            Path defaultLog = StateStore.defaultDirFor(s.inventoryFile()).resolve("logs/kubejoin.log");
            assertThat(Files.readString(defaultLog)).contains(" log kubejoin status -f ").contains(" out node-2");

            // kubejoin version asks the API server, as kubectl version does
            Cli.Run version = Cli.kubejoin("version", "--kubeconfig", s.adminKubeconfig().toString(), "-o", "json");
            assertThat(version.exit()).as(version.toString()).isZero();
            assertThat(version.json().path("serverVersion").path("gitVersion").asString()).startsWith("v1.");
            assertThat(version.json().path("clientVersion").path("gitVersion").asString()).isNotEmpty();
            assertThat(version.out()).contains("\n    \"clientVersion\": {\n        \"gitVersion\": ");
            Cli.Run versionText = Cli.kubejoin("version", "--kubeconfig", s.adminKubeconfig().toString());
            assertThat(versionText.out()).contains("Server Version: v1.");

            // approve takes the same -o: nothing is pending after the join
            Cli.Run approve = Cli.kubejoin("approve", "-f", s.inventoryFile().toString(), "--once", "-o", "yaml");
            assertThat(approve.exit()).as(approve.toString()).isZero();
            assertThat(approve.out()).contains("csrs: []\n").contains("approved: 0\n").contains("failed: 0\n");

            // NODE arguments on plan and join, as on status, doctor and reset
            Cli.Run plan = Cli.kubejoin("plan", "-f", s.inventoryFile().toString(), "node-2", "-o", "json");
            assertThat(plan.exit()).as(plan.toString()).isZero();
            assertThat(plan.json().path("nodes")).hasSize(1);
            assertThat(plan.node("node-2").path("changes").asInt()).isZero();
            Cli.Run typo = Cli.kubejoin("plan", "-f", s.inventoryFile().toString(), "node-3");
            assertThat(typo.exit()).isEqualTo(2);
            assertThat(typo.err()).contains("'node-3' is not a node of").contains("did you mean 'node-");
            Cli.Run again = Cli.kubejoin("join", "-f", s.inventoryFile().toString(), "--plain", "-o", "yaml", "node-1");
            assertThat(again.exit()).as(again.toString()).isZero();
            assertThat(again.out()).startsWith("nodes:\n- node: node-1\n").doesNotContain("node-2");

            screenshot(report);
        }
    }

    /** Chromium (Debian's package) draws the report: a 1200×800 PNG with the bars' colours on it. */
    static void screenshot(Path report) throws Exception {
        Processes.requireTool("chromium");
        // its profile beside the report, in the test's own folder: removed with it, not left in /tmp
        Path profile = Files.createDirectories(report.resolveSibling("chromium-profile"));
        Path png = report.resolveSibling("report.png");
        Processes.Result r = Processes.run(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--screenshot=" + png, "--window-size=1200,800",
                report.toUri().toString()), java.time.Duration.ofSeconds(120));
        assertThat(png).as(r.stderr()).exists();
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1200);
        assertThat(image.getHeight()).isEqualTo(800);
        Set<Integer> colours = new HashSet<>();
        long notWhite = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                colours.add(rgb);
                if (rgb != 0xffffff) notWhite++;
            }
        }
        assertThat(colours.size()).as("distinct colours").isGreaterThan(50);
        assertThat(notWhite).as("pixels drawn").isGreaterThan(20_000);
        // the cluster steps' purple and the phases' blue or grey bars are on the page
        assertThat(colours).contains(0x6b46c1);
        assertThat(colours.contains(0x2b6cb0) || colours.contains(0x8a94a6)).isTrue();
    }
}
