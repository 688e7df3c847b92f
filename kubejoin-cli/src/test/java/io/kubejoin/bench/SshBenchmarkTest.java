package io.kubejoin.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The parts of {@code kubejoin bench ssh} that read what the nodes and tools report, and its table. */
class SshBenchmarkTest {
    @Test
    void sshdLogCountsLoginsAndSessionsByKind() {
        String log = """
                Server listening on 127.0.0.1 port 40001.
                Connection from 127.0.0.1 port 5000 on 127.0.0.1 port 40001 rdomain ""
                Accepted key ED25519 SHA256:abc found at /tmp/n/authorized_keys:1
                Accepted publickey for root from 127.0.0.1 port 5000 ssh2: ED25519 SHA256:abc
                Starting session: command for root from 127.0.0.1 port 5000 id 0
                Starting session: command for root from 127.0.0.1 port 5000 id 1
                Starting session: subsystem 'sftp' for root from 127.0.0.1 port 5000 id 2
                Received disconnect from 127.0.0.1 port 5000:11: disconnected by user
                Accepted publickey for root from 127.0.0.1 port 5001 ssh2: ED25519 SHA256:abc
                Starting session: forced-command (config) 'internal-sftp' for root from 127.0.0.1 port 5001 id 0
                """;
        SshdLog.Figures f = SshdLog.parse(log);
        assertThat(f.logins()).isEqualTo(2); // "Accepted key" is the check before the login, not one
        assertThat(f.sessions()).isEqualTo(4);
        assertThat(f.sessionKinds()).containsExactlyInAnyOrderEntriesOf(Map.of("command", 2L, "subsystem", 1L,
                "forced-command", 1L));
        assertThat(f.plus(f).logins()).isEqualTo(4);
        assertThat(f.plus(f).sessionKinds()).containsEntry("command", 4L);
    }

    @Test
    void procStatSumsOwnAndReapedChildrenCpuEvenWithOddCommandNames() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
        String stat = "4242 (sshd: a) b) S 1 4242 4242 0 -1 4194560 300 9000 0 0 12 7 150 40 20 0 1 0 100 0 0\n";
        assertThat(ProcStat.cpuTicks(stat)).isEqualTo(12 + 7 + 150 + 40);
    }

    @Test
    void tableShowsBothToolsPerNodeAndTheGoalRatios() {
        SshdLog.Figures pl = new SshdLog.Figures(400, 400, Map.of("command", 100L, "subsystem", 300L));
        SshdLog.Figures kl = new SshdLog.Figures(50, 300, Map.of("command", 300L));
        SshBenchmark.ToolFigures pssh = new SshBenchmark.ToolFigures("parallel-ssh", 50, 60, 37.5, 40, pl, 2950,
                50L * 95 << 20, 1 << 20, 50, List.of(), 0);
        SshBenchmark.ToolFigures kj = new SshBenchmark.ToolFigures("kubejoin", 50, 30, 5.5, 50, kl, 6550,
                50L * 91 << 20, 1 << 20, 49, List.of("node-7: /etc/kubernetes/kubelet-config.yaml missing"), 1);
        SshBenchmark.Result r = new SshBenchmark.Result(new SshBenchmark.Settings(50, 50, 50, Path.of("/tmp/b"), "512m", false),
                "1.00 2.00 3.00 on 2 CPUs", pssh, kj, 0.7, 1.2, "/x/cds/join.1.2.3.4.jsa");
        String t = r.format();
        assertThat(t).contains("50 nodes, binaries 50 MiB + 40 MiB, parallel 50; load before: 1.00 2.00 3.00 on 2 CPUs");
        assertThat(t).containsPattern("parallel-ssh +60\\.0s +37\\.5s +0\\.750s +40\\.0s +0\\.800s +8\\.0 +8\\.0 +59\\.0 +4750\\.0 +50/50");
        assertThat(t).containsPattern("kubejoin +30\\.0s +5\\.5s +0\\.110s +50\\.0s +1\\.000s +1\\.0 +6\\.0 +131\\.0 +4550\\.0 +49/50");
        assertThat(t).contains("controller CPU per node kubejoin/parallel-ssh 0.147 (goal <= 0.05)",
                "node CPU per node kubejoin/parallel-ssh 1.25 (goal <= 1)");
        assertThat(t).contains("kubejoin: node-7: /etc/kubernetes/kubelet-config.yaml missing");
        assertThat(t).contains("kubejoin class archive (as ./kubejoin join maps it after the first run): /x/cds/join.1.2.3.4.jsa");
        assertThat(r.ok()).isFalse();
    }

    @Test
    void modeIsOctalOfThePermissions() throws Exception {
        Path f = java.nio.file.Files.createTempFile("kubejoin-mode", "");
        try {
            java.nio.file.Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
            assertThat(SshBenchmark.mode(f)).isEqualTo("0640");
        } finally {
            java.nio.file.Files.delete(f);
        }
    }

    @Test
    void aBinaryMustEqualItsSourceByteForByteAndAConfigItsSha256() throws Exception {
        Path dir = java.nio.file.Files.createTempDirectory("kubejoin-same");
        try {
            byte[] bytes = new byte[300_000];
            new java.util.Random(7).nextBytes(bytes);
            Path source = java.nio.file.Files.write(dir.resolve("kubelet"), bytes);
            Path copy = java.nio.file.Files.write(dir.resolve("copy"), bytes);
            SshBenchmark.Expected binary = new SshBenchmark.Expected("/usr/local/bin/kubelet", "0755",
                    SshBenchmark.sha256(source), bytes.length, source);
            assertThat(SshBenchmark.sameContent(binary, copy)).isTrue();
            bytes[200_001] ^= 1;
            java.nio.file.Files.write(copy, bytes);
            assertThat(SshBenchmark.sameContent(binary, copy)).as("one bit off, same size").isFalse();
            java.nio.file.Files.write(copy, java.util.Arrays.copyOf(bytes, 1000));
            assertThat(SshBenchmark.sameContent(binary, copy)).as("cut short").isFalse();

            Path config = java.nio.file.Files.writeString(dir.resolve("config"), "a: 1\n");
            SshBenchmark.Expected rendered = new SshBenchmark.Expected("/etc/kubernetes/config", "0644",
                    SshBenchmark.sha256(config), 5);
            assertThat(SshBenchmark.sameContent(rendered, config)).isTrue();
            java.nio.file.Files.writeString(config, "a: 2\n");
            assertThat(SshBenchmark.sameContent(rendered, config)).isFalse();
        } finally {
            try (var s = java.nio.file.Files.list(dir)) {
                for (Path p : s.toList()) java.nio.file.Files.delete(p);
            }
            java.nio.file.Files.delete(dir);
        }
    }
}
