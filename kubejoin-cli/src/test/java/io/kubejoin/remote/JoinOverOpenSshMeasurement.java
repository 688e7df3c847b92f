package io.kubejoin.remote;

import io.kubejoin.bench.OpenSshNode;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.InventoryLoader;
import io.kubejoin.join.Join;
import io.kubejoin.join.JoinRunner;
import io.kubejoin.sandbox.api.SandboxApiServer;
import io.kubejoin.state.StateStore;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a timed test: a measurement, run only on request —
 * {@code mvn -o test -Dtest=JoinOverOpenSshMeasurement -Dkubejoin.measure=true -Dkubejoin.measure.nodes=50}
 * (and {@code -Dkubejoin.measure.binaryMiB=0} to leave the binaries' size out).
 * Joins N isolated real-sshd nodes (push + commands; kubelet-dependent phases skipped) and prints wall time, the
 * join's CPU time and heap, and the negotiated algorithms.
 */
class JoinOverOpenSshMeasurement {
    @TempDir
    Path dir;

    @Test
    void measure() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("kubejoin.measure"), "measurement: run with -Dkubejoin.measure=true");
        int count = Integer.getInteger("kubejoin.measure.nodes", 50);
        Path key = TestKeys.generate(Files.createDirectories(dir.resolve("keys")), "ed25519", "");
        List<OpenSshNode> nodes = new ArrayList<>();
        try (SandboxApiServer sandbox = SandboxApiServer.start(SandboxApiServer.Options.defaults().withGitVersion("v1.33.4"))) {
            for (int i = 1; i <= count; i++) {
                nodes.add(OpenSshNode.isolated(Files.createDirectories(dir.resolve("n" + i)), List.of(Path.of(key + ".pub"))));
            }
            Path knownHosts = OpenSshInventory.writeKnownHosts(dir, nodes);
            Path bin = Files.createDirectories(dir.resolve("bin"));
            // default: about the size of real kubelet (~50 MiB) and kube-proxy (~40 MiB) binaries
            int mib = Integer.getInteger("kubejoin.measure.binaryMiB", 50);
            Files.write(bin.resolve("kubelet"), new byte[Math.max(1, mib << 20)]);
            Files.write(bin.resolve("kube-proxy"), new byte[Math.max(1, (mib << 20) * 4 / 5)]);
            OpenSshInventory.write(dir, sandbox.url(), OpenSshInventory.keySsh(key, knownHosts), bin,
                    OpenSshInventory.nodesOnLoopback(nodes));
            Inventory inv = InventoryLoader.load(dir.resolve("inventory.yaml"));
            Path kubeconfig = dir.resolve("admin.kubeconfig");
            sandbox.writeAdminKubeconfig(kubeconfig);
            var bean = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            try (KubeConnection conn = KubeConnection.open(kubeconfig, Duration.ofSeconds(30));
                 SshConnector ssh = new SshConnector(SshOptions.defaults())) {
                for (String run : List.of("first join", "second join (no changes)")) {
                    long cpu0 = bean.getProcessCpuTime();
                    long t0 = System.nanoTime();
                    Join.Outcome o = Join.run(inv, conn, new StateStore(dir.resolve("state")),
                            node -> ssh.open(SshTarget.of(node)),
                            new Join.Settings(Set.of("node-preflight", "wait-ready", "verify"),
                                    new JoinRunner.Options(50, 1, Duration.ofMillis(200), false), Duration.ofSeconds(60),
                                    false, Duration.ofDays(365)),
                            Clock.systemUTC(), line -> { });
                    long wall = System.nanoTime() - t0;
                    Runtime rt = Runtime.getRuntime();
                    System.out.printf("MEASURE %s of %d real-sshd nodes (binaries " + mib + " MiB): %d joined, wall %.1f s, JVM CPU %.1f s "
                                    + "(test JVM: client + sandbox API server), heap used %d MiB%n", run, count,
                            o.nodes().stream().filter(JoinRunner.NodeReport::ok).count(), wall / 1e9,
                            (bean.getProcessCpuTime() - cpu0) / 1e9, (rt.totalMemory() - rt.freeMemory()) >> 20);
                }
                try (SshTransport t = ssh.open(SshTarget.of(inv.nodes().get(0)))) {
                    System.out.println("MEASURE negotiated " + t.negotiated().orElseThrow());
                }
                io.kubejoin.bench.ProcessStats st = io.kubejoin.bench.ProcessStats.ofThisProcess();
                System.out.printf("MEASURE test JVM peak RSS %d MiB, peak heap %d MiB, peak threads %d (the join, the "
                        + "sandbox API server and JUnit together: an upper bound for the join alone)%n",
                        st.peakRssKiB() / 1024, st.peakHeapBytes() >> 20, st.peakThreads());
            } finally {
                for (OpenSshNode n : nodes) n.close();
            }
        }
    }
}
