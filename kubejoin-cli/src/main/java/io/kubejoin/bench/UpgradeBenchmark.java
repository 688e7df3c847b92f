package io.kubejoin.bench;

import io.kubejoin.sandbox.Sandbox;
import io.kubejoin.version.KubeVersion;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * {@code kubejoin bench --upgrade --nodes N}: a sandbox whose control plane is one minor ahead of its nodes (its own
 * process), an ordinary join of all N nodes at the older release, then the inventory and its binaries raised and a
 * timed, ordinary {@code kubejoin upgrade --max-unavailable M} in a process of its own: wall time, the API requests
 * it sent per node, its CPU and peak RSS.
 */
public final class UpgradeBenchmark {
    /** @param from the nodes' release at the join; @param to the control plane's, and the upgrade's target */
    public record Settings(int nodes, String from, String to, String maxUnavailable, String heap, String sandboxHeap, Path dir) {
    }

    public record Result(int nodes, int upgraded, int exitCode, double wallSeconds, long apiRequests, ProcessStats upgrade,
                         double sandboxCpuSeconds, Path dir) {
        public String format() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("nodes upgraded      %d of %d (upgrade exit %d)%n", upgraded, nodes, exitCode));
            sb.append(String.format("upgrade wall time   %.1f s%n", wallSeconds));
            sb.append(String.format("API requests        %d (%.1f per node)%n", apiRequests, nodes == 0 ? 0.0 : apiRequests / (double) nodes));
            sb.append(String.format("upgrade CPU         %.1f s%n", upgrade.cpuSeconds()));
            sb.append(String.format("upgrade peak RSS    %d MiB%n", upgrade.peakRssKiB() / 1024));
            sb.append(String.format("upgrade peak heap   %d MiB of %d MiB max%n", upgrade.peakHeapBytes() >> 20, upgrade.maxHeapBytes() >> 20));
            sb.append(String.format("sandbox CPU         %.1f s during the upgrade%n", sandboxCpuSeconds));
            sb.append("files: ").append(dir).append('\n');
            return sb.toString();
        }
    }

    private UpgradeBenchmark() {
    }

    public static Result run(Settings s, PrintWriter progress) throws IOException, InterruptedException {
        BenchRun run = BenchRun.in(s.dir());
        Path dir = run.dir;
        Path sandboxDir = run.sandboxDir;
        Path sandboxLog = run.sandboxLog;
        String classpath = run.classpath;
        progress.println("starting the sandbox (" + s.nodes() + " nodes at " + s.from() + ", control plane " + s.to() + "); log: " + sandboxLog);
        progress.flush();
        run.sizeFor(s.nodes());
        Process sandbox = run.startSandbox(run.jvm(BenchRun.sandboxHeap(s.sandboxHeap(), s.nodes()), "sandbox", null), s.nodes(),
                List.of("--kubernetes-version", s.from(), "--api-server-version", s.to()));
        try {
            JoinBenchmark.awaitReady(sandbox, sandboxLog);
            Path inventory = sandboxDir.resolve("inventory.yaml");
            progress.println("joining them at " + s.from() + " (not timed); log: " + dir.resolve("join.log"));
            progress.flush();
            List<String> joinCmd = run.jvm(s.heap(), "join", null);
            joinCmd.addAll(List.of("-cp", classpath, "io.kubejoin.cli.Main", "join", "-f", inventory.toString(), "--kubeconfig",
                    sandboxDir.resolve("admin.kubeconfig").toString(), "--plain"));
            Process join = new ProcessBuilder(run.nearSandbox(joinCmd)).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("join.log").toFile()).start();
            int joined = join.waitFor();
            if (joined != 0) throw new IOException("the join before the upgrade failed (exit " + joined + "); see " + dir.resolve("join.log"));
            // the operator's edit: kubernetesVersion raised, the new release's binaries in binaries.dir
            KubeVersion to = KubeVersion.parse(s.to());
            Files.writeString(inventory, Files.readString(inventory).replaceFirst("(?m)^kubernetesVersion: \"[^\"]*\"",
                    "kubernetesVersion: \"" + to.major() + "." + to.minor() + "." + to.patch() + "\""));
            Sandbox.writeBinaries(sandboxDir.resolve("bin"), to);
            Path stats = dir.resolve("upgrade.stats");
            Path json = dir.resolve("upgrade.json");
            List<String> cmd = run.jvm(s.heap(), "upgrade", null);
            cmd.addAll(List.of("-D" + ProcessStats.PROPERTY + "=" + stats, "-cp", classpath, "io.kubejoin.cli.Main", "upgrade", "-f",
                    inventory.toString(), "--kubeconfig", sandboxDir.resolve("admin.kubeconfig").toString(), "--plain",
                    "-o", "json", "--max-unavailable", s.maxUnavailable(), "--report", dir.resolve("upgrade-report.html").toString()));
            progress.println("timing: kubejoin upgrade --max-unavailable " + s.maxUnavailable() + "; log: " + dir.resolve("upgrade.log"));
            progress.flush();
            double cpu0 = JoinBenchmark.cpuSeconds(sandbox);
            long t0 = System.nanoTime();
            Process upgrade = new ProcessBuilder(run.nearSandbox(cmd)).redirectOutput(json.toFile()).redirectError(dir.resolve("upgrade.log").toFile()).start();
            int exit = upgrade.waitFor();
            double wall = (System.nanoTime() - t0) / 1e9;
            double sandboxCpu = JoinBenchmark.cpuSeconds(sandbox) - cpu0;
            ProcessStats figures = Files.exists(stats) ? ProcessStats.read(stats) : new ProcessStats(0, -1, 0, 0, 0);
            long requests = 0;
            if (Files.exists(stats)) {
                for (String line : Files.readAllLines(stats)) {
                    if (line.startsWith("apiRequests ")) requests = Long.parseLong(line.substring("apiRequests ".length()).strip());
                }
            }
            int upgraded = 0;
            for (JsonNode n : JoinBenchmark.parse(json).path("nodes")) {
                if (n.path("upgraded").asBoolean()) upgraded++;
            }
            return new Result(s.nodes(), upgraded, exit, wall, requests, figures, sandboxCpu, dir);
        } finally {
            BenchRun.stop(sandbox);
        }
    }
}
