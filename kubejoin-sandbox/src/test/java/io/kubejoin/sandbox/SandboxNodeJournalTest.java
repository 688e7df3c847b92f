package io.kubejoin.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.version.KubeVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.kubejoin.sandbox.node.NodeSshServer;
import io.kubejoin.sandbox.node.SimulatorRuntime;

/** The sandbox machine's systemd and journald as doctor reads them: runs, invocation ids, a journal across restarts. */
class SandboxNodeJournalTest {
    @TempDir
    Path dir;
    SimulatorRuntime runtime;
    SandboxNode node;

    @BeforeEach
    void machine() throws Exception {
        runtime = SimulatorRuntime.create();
        node = new SandboxNode("w1", "127.42.9.1", dir, NodeSshServer.generateHostKey(), KubeVersion.parse("1.34.2"),
                runtime, "10.96.0.1", "/run/containerd/containerd.sock");
        Files.createDirectories(dir.resolve("etc/systemd/system"));
        Files.writeString(dir.resolve("etc/systemd/system/kubelet.service"),
                "[Unit]\nDescription=Kubernetes Kubelet\n[Service]\nExecStart=/usr/local/bin/kubelet --v=2\n");
    }

    @AfterEach
    void stop() {
        node.shutdown();
        runtime.close();
    }

    private String show() {
        return node.exec("systemctl show kubelet -p ActiveState,Result,InvocationID,ExecMainStartTimestamp").stdout();
    }

    private String awaitFailed() throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        String s = show();
        while (!s.contains("ActiveState=failed") && System.nanoTime() < end) {
            Thread.sleep(20);
            s = show();
        }
        return s;
    }

    private static String invocation(String show) {
        return show.lines().filter(l -> l.startsWith("InvocationID=")).findFirst().orElseThrow().substring(13);
    }

    @Test
    void eachRunHasItsInvocationAndTheUnitsJournalSpansThem() throws Exception {
        assertThat(show()).contains("ActiveState=inactive").contains("InvocationID=\n");
        node.failKubelet(true);
        assertThat(node.exec("systemctl restart kubelet").exitCode()).isZero();
        String first = awaitFailed(); // Type=simple: active at once, the process fails a moment later
        assertThat(first).contains("ActiveState=failed").contains("Result=exit-code").matches("(?s).*ExecMainStartTimestamp=\\w{3} \\d{4}-.*UTC\n.*");
        // systemd's order, not the order asked for
        assertThat(first.indexOf("Result=")).isLessThan(first.indexOf("ActiveState="));
        assertThat(node.exec("systemctl restart kubelet").exitCode()).isZero();
        String second = invocation(awaitFailed());
        assertThat(second).matches("[0-9a-f]{32}").isNotEqualTo(invocation(first));

        String all = node.exec("journalctl -u kubelet --no-pager -o cat").stdout();
        assertThat(all.split("simulated failure at start", -1)).hasSize(3);
        assertThat(all.split("Started kubelet.service - Kubernetes Kubelet\\.", -1)).hasSize(3);
        assertThat(all.split("kubelet.service: Failed with result 'exit-code'\\.", -1)).hasSize(3);

        String run = node.exec("journalctl _SYSTEMD_INVOCATION_ID=" + second + " -n 200 --no-pager -o cat").stdout();
        assertThat(run.split("simulated failure at start", -1)).hasSize(2);
        assertThat(run).doesNotContain("Started kubelet.service");

        assertThat(node.exec("journalctl -u kubelet --since @99999999999 --no-pager -o cat").stdout()).isEqualTo("-- No entries --\n");
        assertThat(node.exec("journalctl -u kubelet --since '2000-01-01 00:00:00' --no-pager -o cat").stdout()).isEqualTo(all);
        assertThat(node.exec("journalctl -u kubelet --since yesterday-ish --no-pager -o cat").exitCode()).isEqualTo(1);
    }
}
