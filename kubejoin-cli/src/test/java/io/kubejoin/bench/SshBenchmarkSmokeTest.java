package io.kubejoin.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.remote.OpenSshRequirements;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kubejoin bench ssh --nodes 2} end to end, where pssh is installed (the benchmark is no CI test: .ci/run does
 * not install pssh, so CI skips this).
 */
@Timeout(600)
class SshBenchmarkSmokeTest {
    @TempDir
    Path dir;

    @Test
    void bothToolsPushEveryFileToEveryNodeAndTheTableSaysSo() throws Exception {
        OpenSshRequirements.requireSshd();
        OpenSshRequirements.requireIsolation();
        Assumptions.assumeTrue(Stream.of("/usr/bin/parallel-ssh", "/usr/bin/parallel-scp", "/usr/bin/time")
                .allMatch(p -> Files.isExecutable(Path.of(p))), "pssh or /usr/bin/time not installed: skipping");
        StringWriter progress = new StringWriter();
        // 2 MiB + 1.6 MiB binaries: over SshTransport.INLINE_MAX, so the push surveys first and sends them separately
        SshBenchmark.Result r = SshBenchmark.run(new SshBenchmark.Settings(2, 2, 2, dir, "256m", false),
                new PrintWriter(progress, true));
        String table = r.format();
        assertThat(r.ok()).as(table + progress).isTrue();
        assertThat(r.pssh().verified()).isEqualTo(2);
        assertThat(r.kubejoin().verified()).isEqualTo(2);
        // pssh logs in once per step (mkdir, a parallel-scp per folder, the per-node scp, the start); kubejoin once
        assertThat(r.pssh().log().logins()).isGreaterThan(2 * 4);
        assertThat(r.kubejoin().log().logins()).isEqualTo(2);
        // the binaries ride on an exec channel's stdin: no SFTP subsystem on kubejoin's side (parallel-scp uses it)
        assertThat(r.kubejoin().log().sessionKinds()).as(table).containsOnlyKeys("command");
        assertThat(r.pssh().log().sessionKinds()).as(table).containsKey("subsystem");
        for (SshBenchmark.ToolFigures t : java.util.List.of(r.pssh(), r.kubejoin())) {
            assertThat(t.controllerCpuSeconds()).as(t.tool()).isPositive();
            assertThat(t.nodeCpuSeconds()).as(t.tool()).isPositive();
            assertThat(t.processes()).as(t.tool()).isGreaterThan(2 * 5);
            assertThat(t.bytesToNodes()).as(t.tool()).isGreaterThan(2 * 10_000);
        }
        assertThat(table).contains("parallel-ssh", "kubejoin", "2/2");
        // the pushed files are removed at the end, the logs stay
        assertThat(dir.resolve("kubejoin-nodes/node-1/root")).doesNotExist();
        assertThat(dir.resolve("kubejoin-nodes/node-1/sshd.log")).exists();
    }
}
