package io.kubejoin.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.remote.ExecResult;
import io.kubejoin.version.KubeVersion;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import io.kubejoin.sandbox.api.SandboxApiServer;
import io.kubejoin.sandbox.kubelet.SimulatedKubelet;
import io.kubejoin.sandbox.node.NodeSshServer;
import io.kubejoin.sandbox.node.SimulatorRuntime;

/**
 * The sandbox node's systemd for kubelet.service as real systemd runs kubejoin's unit (Type=simple,
 * Restart=always, RestartSec=5): active at once after a restart, a kubelet that exits is restarted after
 * RestartSec and counted in NRestarts, one journal across the restarts.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SandboxNodeSystemdTest {

    @Test
    void aKubeletThatExitsAtStartIsRestartedEveryRestartSecAndCounted(@TempDir Path tmp) throws Exception {
        try (SimulatorRuntime runtime = SimulatorRuntime.create();
             SandboxApiServer server = SandboxApiServer.start(SandboxApiServer.Options.defaults().withSigner(false))) {
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "s1", "127.0.4.1");
            SandboxNode node = new SandboxNode("s1", "127.0.4.1", nodes.root("s1"), NodeSshServer.generateHostKey(),
                    KubeVersion.parse("1.32.4"), runtime, "10.96.0.1", "/run/containerd/containerd.sock");
            node.failKubelet(true);
            assertThat(node.exec("systemctl restart kubelet && systemctl is-active kubelet").stdout())
                    .as("Type=simple: active as soon as the process is started").isEqualTo("active\n");
            // but its healthz never answers: the real kubelet opens :10248 only after its start-up checks (server.go run)
            assertThat(node.exec("curl -fsS --max-time 5 http://127.0.4.1:10248/healthz").exitCode()).isEqualTo(7);
            assertThat(node.kubelet().awaitSettled(5, TimeUnit.SECONDS)).isEqualTo(SimulatedKubelet.State.FAILED);
            ExecResult show = node.exec("systemctl show -p ActiveState -p SubState -p NRestarts kubelet");
            assertThat(show.stdout()).isEqualTo("NRestarts=0\nActiveState=activating\nSubState=auto-restart\n") /* systemd's order */;
            assertThat(node.exec("systemctl is-active kubelet").exitCode()).isEqualTo(3);

            long end = System.nanoTime() + 15_000_000_000L;
            while (!node.exec("systemctl show --property=NRestarts kubelet").stdout().equals("NRestarts=1\n") && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            assertThat(node.exec("systemctl show --property=NRestarts kubelet").stdout()).isEqualTo("NRestarts=1\n");
            String journal = node.exec("journalctl -u kubelet -n 50 --no-pager -o cat").stdout();
            assertThat(journal).contains("kubelet.service: Main process exited, code=exited, status=1/FAILURE",
                    "kubelet.service: Scheduled restart job, restart counter is at 1.");
            assertThat(journal.indexOf("\"command failed\"")).as("the first process's error, before the restart")
                    .isLessThan(journal.indexOf("restart counter is at 1."));

            // by hand: stop is inactive; a restart starts counting again
            node.exec("systemctl stop kubelet");
            assertThat(node.exec("systemctl is-active kubelet").stdout()).isEqualTo("inactive\n");
            node.failKubelet(false);
            node.exec("systemctl restart kubelet");
            assertThat(node.exec("systemctl show -p NRestarts -p ActiveState kubelet").stdout())
                    .isEqualTo("NRestarts=0\nActiveState=active\n");
            node.shutdown();
        }
    }

    /**
     * Several units in one call, as systemctl takes them (systemctl-is-active.c, systemctl-is-enabled.c,
     * systemctl-start-unit.c): is-enabled and is-active print one line per unit and exit 0 when ANY of them is
     * enabled / active; enable and restart act on every unit; a restart that fails for one unit still restarts the
     * others and exits non-zero.
     */
    @Test
    void severalUnitsInOneCallAsSystemctlTakesThem(@TempDir Path tmp) throws Exception {
        try (SimulatorRuntime runtime = SimulatorRuntime.create();
             SandboxApiServer server = SandboxApiServer.start(SandboxApiServer.Options.defaults().withSigner(false))) {
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "s2", "127.0.4.2");
            SandboxNode node = new SandboxNode("s2", "127.0.4.2", nodes.root("s2"), NodeSshServer.generateHostKey(),
                    KubeVersion.parse("1.32.4"), runtime, "10.96.0.1", "/run/containerd/containerd.sock");
            ExecResult enabled = node.exec("systemctl is-enabled kubelet kube-proxy");
            assertThat(enabled.stdout()).isEqualTo("disabled\ndisabled\n");
            assertThat(enabled.exitCode()).isEqualTo(1);
            assertThat(node.exec("systemctl enable kubelet").exitCode()).isZero();
            enabled = node.exec("systemctl is-enabled kubelet kube-proxy");
            assertThat(enabled.stdout()).isEqualTo("enabled\ndisabled\n");
            assertThat(enabled.exitCode()).as("any enabled: exit 0").isZero();
            assertThat(node.exec("systemctl enable kubelet kube-proxy").exitCode()).isZero();
            assertThat(node.exec("systemctl is-enabled kubelet.service kube-proxy").stdout()).isEqualTo("enabled\nenabled\n");

            ExecResult active = node.exec("systemctl is-active kubelet kube-proxy");
            assertThat(active.stdout()).isEqualTo("inactive\ninactive\n");
            assertThat(active.exitCode()).isEqualTo(3);
            assertThat(node.exec("systemctl restart kube-proxy").exitCode()).isZero();
            active = node.exec("systemctl is-active kubelet kube-proxy");
            assertThat(active.stdout()).isEqualTo("inactive\nactive\n");
            assertThat(active.exitCode()).as("any active: exit 0, though kubelet is not").isZero();
            assertThat(node.exec("systemctl is-active --quiet kubelet kube-proxy").stdout()).isEmpty();
            assertThat(node.exec("systemctl restart kubelet kube-proxy").exitCode()).isZero();
            assertThat(node.exec("systemctl is-active kubelet kube-proxy").stdout()).isEqualTo("active\nactive\n");

            // one unit of two cannot be restarted: the other is, and systemctl exits with the failure's code
            node.exec("systemctl stop kubelet kube-proxy");
            assertThat(node.exec("systemctl is-active kubelet kube-proxy").stdout()).isEqualTo("inactive\ninactive\n");
            java.nio.file.Files.delete(nodes.root("s2").resolve("etc/systemd/system/kubelet.service"));
            ExecResult restart = node.exec("systemctl restart kubelet kube-proxy");
            assertThat(restart.exitCode()).isEqualTo(5);
            assertThat(restart.stderr()).contains("Unit kubelet.service not found.");
            assertThat(node.exec("systemctl is-active kube-proxy").stdout()).isEqualTo("active\n");
            // enable with one unit file missing enables none
            node.exec("systemctl disable kube-proxy");
            ExecResult enable = node.exec("systemctl enable kube-proxy kubelet");
            assertThat(enable.exitCode()).isEqualTo(1);
            assertThat(enable.stderr()).contains("Unit file kubelet.service does not exist.");
            assertThat(node.exec("systemctl is-enabled kube-proxy").stdout()).isEqualTo("disabled\n");
            node.shutdown();
        }
    }
}
