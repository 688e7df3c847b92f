package io.kubejoin.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.bench.OpenSshNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a timed test: this JVM's CPU for a binary push to N OpenSSH nodes at once, MINA's NIO2 sessions (a write(2)
 * per packet) and {@link GatheringNio2}'s alternated in one process, with the packets per write. Asserts only that
 * the work was done. Run: {@code mvn -o -pl kubejoin-cli -am test -Dtest=PushCpuMeasurement
 * -Dsurefire.failIfNoSpecifiedTests=false -Dkubejoin.measure=true [-Dkubejoin.measure.nodes=8]}.
 */
@Timeout(1200)
@EnabledIfSystemProperty(named = "kubejoin.measure", matches = "true")
class PushCpuMeasurement {
    @TempDir
    Path dir;

    @Test
    void pushCpu() throws Exception {
        int nodes = Integer.getInteger("kubejoin.measure.nodes", 4);
        int rounds = Integer.getInteger("kubejoin.measure.rounds", 5);
        int mib = Integer.getInteger("kubejoin.measure.mib", 64);
        Path key = TestKeys.generate(dir, "ed25519", "");
        Path kh = dir.resolve("known_hosts");
        Path bin = dir.resolve("bin");
        byte[] block = new byte[1 << 20];
        new java.util.Random(1).nextBytes(block);
        try (var out = Files.newOutputStream(bin)) {
            for (int i = 0; i < mib; i++) out.write(block);
        }
        FileBytes fb = FileBytes.map(bin);
        String sha = fb.sha256();
        List<OpenSshNode> ns = new ArrayList<>();
        StringBuilder khs = new StringBuilder();
        for (int i = 0; i < nodes; i++) {
            OpenSshNode n = new OpenSshNode(Files.createDirectories(dir.resolve("sshd" + i)), List.of(Path.of(key + ".pub")));
            ns.add(n);
            khs.append(n.knownHostsLine());
        }
        Files.writeString(kh, khs);
        ExecutorService pool = Executors.newFixedThreadPool(nodes);
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        double[] sum = new double[2];
        try {
            for (int r = -1; r < rounds; r++) {
                for (int v = 0; v < 2; v++) {
                    try (SshConnector c = new SshConnector(SshOptions.defaults(), v == 1)) {
                        long cpu0 = os.getProcessCpuTime();
                        long b0 = GatheringNio2.BATCHES.get(), p0 = GatheringNio2.PACKETS.get();
                        List<Future<?>> fs = new ArrayList<>();
                        for (int i = 0; i < nodes; i++) {
                            OpenSshNode n = ns.get(i);
                            Path dest = dir.resolve("dest" + i).resolve("bin");
                            fs.add(pool.submit(() -> {
                                SshTarget t = new SshTarget("127.0.0.1", n.port, "root", key, kh);
                                try (SshTransport tr = c.open(t)) {
                                    assertThat(tr.push(List.of(new RemoteFile(dest.toString(), 0755, fb, sha))).changed())
                                            .hasSize(1);
                                }
                                Files.delete(dest);
                                return null;
                            }));
                        }
                        for (Future<?> f : fs) f.get();
                        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
                        if (r >= 0) sum[v] += cpu;
                        System.out.printf("[measure] round %d %s: %.2f s CPU for %d x %d MiB; batches %d packets %d%n", r,
                                v == 0 ? "plain   " : "gathering", cpu, nodes, mib, GatheringNio2.BATCHES.get() - b0,
                                GatheringNio2.PACKETS.get() - p0);
                    }
                }
            }
            System.out.printf("[measure] mean plain %.2f s, gathering %.2f s%n", sum[0] / rounds, sum[1] / rounds);
        } finally {
            pool.shutdownNow();
            for (OpenSshNode n : ns) n.close();
        }
    }
}
