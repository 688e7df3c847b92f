package io.kubejoin.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.bench.OpenSshNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a timed test: prints the cost of one node's connect + login + push of 10 small files + one command, against
 * MINA and OpenSSH servers, with MINA's default key exchange and with curve25519 first. Asserts only that the work
 * was done. Run: {@code mvn -o test -Dtest=TransportMeasurement -Dkubejoin.measure=true}.
 */
@Timeout(300)
@EnabledIfSystemProperty(named = "kubejoin.measure", matches = "true")
class TransportMeasurement {
    static final int WARMUP = 10;
    static final int RUNS = 30;

    @TempDir
    Path dir;

    @Test
    void connectLoginPushTenFilesOneCommand() throws Exception {
        Path key = TestKeys.generate(dir, "ed25519", "");
        Path kh = dir.resolve("known_hosts");
        try (MinaNode mina = new MinaNode(List.of(TestKeys.publicKey(key)), null, null);
                OpenSshNode openssh = new OpenSshNode(Files.createDirectories(dir.resolve("sshd")),
                        List.of(Path.of(key + ".pub")))) {
            Files.writeString(kh, mina.knownHostsLine() + openssh.knownHostsLine());
            for (boolean curve : new boolean[] {false, true}) {
                for (String server : List.of("MINA", "OpenSSH")) {
                    int port = server.equals("MINA") ? mina.port() : openssh.port;
                    SshTarget target = new SshTarget("127.0.0.1", port, "root", key, kh);
                    try (SshConnector c = new SshConnector(SshOptions.defaults().withPreferCurve25519(curve))) {
                        double[] ms = new double[RUNS];
                        double[] connectMs = new double[RUNS];
                        double[] pushMs = new double[RUNS];
                        double[] execMs = new double[RUNS];
                        String negotiated = "";
                        java.time.Duration cpu0 = java.time.Duration.ZERO;
                        for (int i = -WARMUP; i < RUNS; i++) {
                            if (i == 0) cpu0 = ProcessHandle.current().info().totalCpuDuration().orElseThrow();
                            List<RemoteFile> files = new ArrayList<>();
                            for (int f = 0; f < 10; f++) {
                                files.add(new RemoteFile(dir + "/node-" + server + "/f" + f, 0644,
                                        ("file " + f + " run " + i + " " + curve + "\n").getBytes(StandardCharsets.UTF_8)));
                            }
                            long start = System.nanoTime();
                            try (SshTransport t = c.open(target)) {
                                long connected = System.nanoTime();
                                assertThat(t.push(files).changed()).hasSize(10);
                                long pushed = System.nanoTime();
                                assertThat(t.exec("true", Duration.ofSeconds(10)).ok()).isTrue();
                                long execd = System.nanoTime();
                                negotiated = t.negotiated().orElseThrow().kex();
                                if (i >= 0) {
                                    connectMs[i] = (connected - start) / 1e6;
                                    pushMs[i] = (pushed - connected) / 1e6;
                                    execMs[i] = (execd - pushed) / 1e6;
                                }
                            }
                            if (i >= 0) ms[i] = (System.nanoTime() - start) / 1e6;
                        }
                        double cpuMs = (ProcessHandle.current().info().totalCpuDuration().orElseThrow().minus(cpu0)
                                .toNanos() / 1e6) / RUNS;
                        Arrays.sort(ms);
                        Arrays.sort(connectMs);
                        Arrays.sort(pushMs);
                        Arrays.sort(execMs);
                        System.out.printf("[measure] %-7s kex %-24s median %6.1f ms  p90 %6.1f ms  min %6.1f ms"
                                + "  (connect+auth+push 10 new files+1 exec, %d runs)%n", server, negotiated,
                                ms[RUNS / 2], ms[RUNS * 9 / 10], ms[0], RUNS);
                        System.out.printf("[measure] %-7s   medians: connect+auth %.1f ms, push %.1f ms, exec %.1f ms;"
                                + " JVM CPU per node %.1f ms (%s)%n", server, connectMs[RUNS / 2], pushMs[RUNS / 2],
                                execMs[RUNS / 2], cpuMs, server.equals("MINA")
                                        ? "client and in-process server" : "client only; sshd is a separate process");
                    }
                }
            }
        }
    }

    /** 1,000 connections open at once from one client (to one in-process server): threads and heap. */
    @Test
    void thousandOpenConnections() throws Exception {
        int n = 1000;
        Path key = TestKeys.generate(dir, "ed25519", "");
        Path kh = dir.resolve("known_hosts");
        try (MinaNode mina = new MinaNode(List.of(TestKeys.publicKey(key)), null, null)) {
            Files.writeString(kh, mina.knownHostsLine());
            SshTarget target = new SshTarget("127.0.0.1", mina.port(), "root", key, kh);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(50);
            List<SshTransport> open = java.util.Collections.synchronizedList(new ArrayList<>());
            try (SshConnector c = new SshConnector(SshOptions.defaults())) {
                System.gc();
                long heapBefore = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
                long start = System.nanoTime();
                List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
                for (int i = 0; i < n; i++) fs.add(pool.submit(() -> open.add(c.open(target))));
                for (var f : fs) f.get();
                double secs = (System.nanoTime() - start) / 1e9;
                // keepalive and exec on a sample of the open connections
                for (int i = 0; i < n; i += 100) assertThat(open.get(i).exec("true", Duration.ofSeconds(10)).ok()).isTrue();
                System.gc();
                long heapAfter = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
                System.out.printf("[measure] %d connections open at once (50 opening in parallel): %.1f s to open, "
                        + "client threads %d (JVM total %d incl. the in-process server and the 50 openers), "
                        + "heap +%d MiB (client and server together)%n", open.size(), secs,
                        SshConnector.clientThreads(), Thread.activeCount(), (heapAfter - heapBefore) >> 20);
                assertThat(open).hasSize(n);
            } finally {
                pool.shutdownNow();
                open.forEach(SshTransport::close);
            }
        }
    }
}
