package io.kubejoin.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.remote.OpenSshRequirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The node-side accounting of the benchmark's sshd nodes: nothing a session starts escapes it. */
@Timeout(180)
class OpenSshNodeTest {
    @TempDir
    Path dir;

    @Test
    void cpuAndProcessesCountWhatOutlivesItsSession() throws Exception {
        OpenSshRequirements.requireSshd();
        OpenSshRequirements.requireIsolation();
        Path key = dir.resolve("id_ed25519");
        assertThat(new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString())
                .redirectErrorStream(true).start().waitFor()).isZero();
        try (OpenSshNode n = OpenSshNode.isolated(Files.createDirectories(dir.resolve("node")),
                List.of(Path.of(key + ".pub")))) {
            Files.writeString(dir.resolve("known_hosts"), n.knownHostsLine());
            long ticks0 = n.cpuTicks();
            long pid0 = n.lastPid();
            // a busy loop left running in the background: the session ends at once, the orphan goes on and, at its
            // end, writes its own CPU (the shell reads /proc/self/stat itself, so it is its own)
            String busy = "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; read -r s < /proc/self/stat; "
                    + "echo \"$s\" > /opt/busy.stat";
            Process ssh = new ProcessBuilder("ssh", "-F", "/dev/null", "-i", key.toString(), "-o",
                    "UserKnownHostsFile=" + dir.resolve("known_hosts"), "-o", "StrictHostKeyChecking=yes", "-o",
                    "BatchMode=yes", "-p", Integer.toString(n.port), "root@127.0.0.1",
                    "nohup sh -c '" + busy + "' >/dev/null 2>&1 </dev/null &").redirectErrorStream(true).start();
            assertThat(ssh.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(ssh.exitValue()).as(new String(ssh.getInputStream().readAllBytes())).isZero();
            assertThat(n.awaitIdle(120_000)).as("the orphan is the node's PID 1's: waited for").isTrue();
            long orphan = ProcStat.cpuTicks(Files.readString(n.root().resolve("opt/busy.stat")));
            assertThat(orphan).isGreaterThan(10);
            // the session (sshd, bash, sh) costs something too: more than the orphan alone
            assertThat(n.cpuTicks() - ticks0).isGreaterThan(orphan);
            // sshd's session processes, bash, nohup (exec'd), sh: at least 3, less the reading itself
            assertThat(n.lastPid() - pid0 - 1).isGreaterThanOrEqualTo(3);
            assertThat(SshdLog.parse(n.log()).logins()).isEqualTo(1);
            assertThat(SshdLog.parse(n.log()).sessions()).isEqualTo(1);
        }
    }
}
