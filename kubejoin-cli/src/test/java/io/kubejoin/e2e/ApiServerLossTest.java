package io.kubejoin.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.sandbox.Sandbox;
import io.kubejoin.sandbox.SandboxNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * The API server goes away while the nodes wait to be Ready: the join must end soon (not after --ready-timeout)
 * with one line per node naming the API server, and nothing of a library's stack trace on the terminal. The join
 * runs as its own process, as a user runs it, so everything the libraries log to standard error is seen too.
 */
@Timeout(240)
@Tag("hostile")
class ApiServerLossTest {
    @TempDir
    Path dir;
    Sandbox sandbox;
    Process join;

    @AfterEach
    void stop() {
        if (join != null) join.destroyForcibly();
        if (sandbox != null) sandbox.close();
    }

    @Test
    void apiServerStoppedDuringWaitReadyEndsEveryNodeFastWithOneLineAndNoStackTrace() throws Exception {
        sandbox = Sandbox.start(dir.resolve("sandbox"), Sandbox.Options.defaults(2));
        String url = sandbox.api().url();
        Path out = dir.resolve("join.out");
        Path err = dir.resolve("join.err");
        String java = ProcessHandle.current().info().command().orElse("java");
        join = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "io.kubejoin.cli.Main", "join", "-f", sandbox.inventoryFile().toString(),
                "--kubeconfig", sandbox.adminKubeconfig().toString(), "--plain", "--ready-timeout", "300s",
                // 15 s rather than the default 10 s: on a loaded build machine a cold JVM's first requests are slow
                "--request-timeout", "15s")
                .redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();

        // once the preflight has passed (the tokens are being created) the signer stops: CSRs are approved but never
        // signed, so both nodes are surely still in wait-ready when the API server stops
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (sandbox.api().adminClient().secrets().inNamespace("kube-system").list().getItems().stream()
                .noneMatch(sec -> "bootstrap.kubernetes.io/token".equals(sec.getType()))) {
            assertThat(join.isAlive()).as("join ended early: " + read(out) + read(err)).isTrue();
            assertThat(System.nanoTime()).as("no bootstrap token created: " + read(err)).isLessThan(deadline);
            Thread.sleep(20);
        }
        sandbox.api().signer(false);
        // every kubelet has filed its client CSR: the join is in wait-ready on every node
        while (!sandbox.nodes().values().stream().allMatch(ApiServerLossTest::filedCsr)) {
            assertThat(join.isAlive()).as("join ended early: " + read(out) + read(err)).isTrue();
            assertThat(System.nanoTime()).as("kubelets never filed their CSRs: " + read(err)).isLessThan(deadline);
            Thread.sleep(50);
        }
        Thread.sleep(500); // approval written, the readiness watch open
        long stopped = System.nanoTime();
        sandbox.api().close();

        boolean ended = join.waitFor(120, TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - stopped);
        String all = read(out) + read(err);
        System.out.println("join output after the API server stopped (" + took.toSeconds() + " s):\n" + all);
        assertThat(ended).as("join still running 120 s after the API server stopped:\n" + all).isTrue();
        // the loss is called within three request timeouts (45 s here), not at --ready-timeout (300 s)
        assertThat(took).as("join ended " + took.toSeconds() + " s after the API server stopped:\n" + all)
                .isLessThan(Duration.ofSeconds(60));
        assertThat(join.exitValue()).as(all).isNotZero();
        for (String node : sandbox.nodes().keySet()) {
            List<String> lines = all.lines().filter(l -> l.contains(node + ": wait-ready FAILED")).toList();
            assertThat(lines).as(all).hasSize(1);
            assertThat(lines.get(0)).as(all).contains(url);
        }
        assertThat(all).doesNotContain("Exception").doesNotContain("\tat ").doesNotContainPattern("(?m)^\\s*at (io|java|org|sun)\\.");
    }

    private static boolean filedCsr(SandboxNode n) {
        return n.kubelet() != null && n.kubelet().clientCsrName() != null;
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (java.io.IOException e) {
            return "(" + e.getMessage() + ")";
        }
    }
}
