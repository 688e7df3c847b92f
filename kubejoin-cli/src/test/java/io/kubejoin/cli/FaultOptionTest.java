package io.kubejoin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.sandbox.SandboxFault;
import io.kubejoin.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/** --fault of sandbox up and demo: unknown names are bad input listing the faults; a known one has its effect. */
@Timeout(240)
class FaultOptionTest {

    @Tag("hostile")
    @Test
    void anUnknownFaultIsBadInputListingEveryFault(@TempDir Path dir) {
        for (String command : new String[] {"demo", "sandbox up"}) {
            String[] words = (command + " --fault t1 --fault no-such-fault --dir " + dir.resolve("x")).split(" ");
            Cli.Run r = Cli.kubejoin(words);
            assertThat(r.exit()).as(command + ": " + r).isEqualTo(2);
            assertThat(r.err()).contains("--fault no-such-fault");
            for (SandboxFault f : SandboxFault.values()) assertThat(r.err()).contains(f.id() + ": " + f.description());
            assertThat(Files.exists(dir.resolve("x").resolve("nodes"))).as("no sandbox started").isFalse();
        }
        Cli.Run help = Cli.kubejoin("sandbox", "up", "--help");
        assertThat(help.out()).contains("--fault").contains("stopped-kubelet").contains("built-in-modules");
    }

    @Test
    void theDemoWithAStoppedKubeletShowsDoctorDiagnosingIt(@TempDir Path dir) {
        Cli.Run r = Cli.kubejoin("demo", "--nodes", "2", "--fault", "stopped-kubelet", "--dir", dir.resolve("demo").toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains("fault stopped-kubelet").contains("== kubejoin doctor")
                .contains("kubelet-inactive").contains("systemctl start kubelet")
                .contains("kubelet service inactive");
    }

    /** sandbox up: a before-join fault at once, an after-join one only once the join has made the fleet healthy. */
    @Test
    void sandboxUpAppliesAnAfterJoinFaultOnceTheFleetHasJoined(@TempDir Path dir) throws Exception {
        try (var sandbox = io.kubejoin.sandbox.Sandbox.start(dir.resolve("sb"), io.kubejoin.sandbox.Sandbox.Options.defaults(1))) {
            var out = new java.io.StringWriter();
            SandboxUpCommand.applyFaults(sandbox, java.util.List.of(SandboxFault.KUBELET_BUILD_SUFFIX, SandboxFault.STOPPED_KUBELET),
                    new java.io.PrintWriter(out, true));
            assertThat(out.toString()).contains("fault kubelet-build-suffix:").contains("fault stopped-kubelet (after the join)")
                    .doesNotContain("applied");
            Cli.Run join = Cli.kubejoin("join", "-f", sandbox.inventoryFile().toString(), "--plain");
            assertThat(join.exit()).as(join.toString()).isZero();
            var node = sandbox.nodes().values().iterator().next();
            for (int i = 0; i < 200 && !out.toString().contains("fault stopped-kubelet applied"); i++) Thread.sleep(100);
            assertThat(out.toString()).contains("fault stopped-kubelet applied");
            assertThat(node.kubelet().state()).isEqualTo(io.kubejoin.sandbox.kubelet.SimulatedKubelet.State.STOPPED);
            Cli.Run doctor = Cli.kubejoin("doctor", "-f", sandbox.inventoryFile().toString());
            assertThat(doctor.exit()).isEqualTo(1);
            assertThat(doctor.out()).contains("kubelet-inactive").doesNotContain("kubelet-version-mismatch");
        }
    }

    /** Every fault applies to a running sandbox as it says (the ones a test above does not run end to end too). */
    @Test
    void everyFaultAppliesToARunningSandbox(@TempDir Path dir) throws Exception {
        try (var sandbox = io.kubejoin.sandbox.Sandbox.start(dir.resolve("sb"), io.kubejoin.sandbox.Sandbox.Options.defaults(2))) {
            for (SandboxFault f : SandboxFault.values()) {
                if (f != SandboxFault.STOPPED_KUBELET && f != SandboxFault.RUNTIME_DOWN) f.apply(sandbox);
            }
            var nodes = new java.util.ArrayList<>(sandbox.nodes().values());
            assertThat(Files.exists(nodes.get(0).root().resolve("run/systemd/resolve/resolv.conf"))).isFalse();
            assertThat(sandbox.api().signingController().running()).isTrue();
        }
    }
}
