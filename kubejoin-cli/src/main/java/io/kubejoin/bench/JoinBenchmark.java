package io.kubejoin.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code kubejoin bench --nodes N}: the sandbox in a process of its own, then a timed, ordinary {@code kubejoin join}
 * of all N nodes in another, so the figures are the join's alone: wall time, nodes/s, time per phase, the join
 * process's CPU seconds, peak RSS and peak heap (it writes them itself, see {@link ProcessStats}).
 */
public final class JoinBenchmark {
    /** How the two processes are started. */
    /**
     * @param thenStatus  after the join, also time a {@code kubejoin status} of all nodes (in a process of its own)
     * @param sandboxArgs added to {@code kubejoin sandbox up}, e.g. {@code --fault=slow-kube-proxy-sync} (a cluster
     *                    whose kube-proxy takes seconds to its first sync, as with thousands of Services)
     */
    public record Settings(int nodes, int parallel, String joinHeap, String sandboxHeap, Path dir, List<String> joinArgs,
                           boolean thenStatus, List<String> sandboxArgs) {
    }

    /** What the timed {@code kubejoin status} found: its wall time and how many rows were healthy. */
    public record StatusFigures(double wallSeconds, int healthy, int rows, int exitCode) {
    }

    public record PhaseFigures(String phase, int nodes, double meanSeconds, double p50Seconds, double maxSeconds) {
    }

    public record Result(int nodes, int joined, double sandboxStartSeconds, double wallSeconds, ProcessStats join,
                         double sandboxCpuSeconds, List<PhaseFigures> phases, int exitCode, Path dir,
                         StatusFigures status, long sandboxPeakRssKiB, String classArchive) {
        public double nodesPerSecond() {
            return wallSeconds == 0 ? 0 : joined / wallSeconds;
        }

        public String format() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("nodes joined      %d of %d (join exit %d)%n", joined, nodes, exitCode));
            sb.append(String.format("join wall time    %.1f s   (%.1f nodes/s)%n", wallSeconds, nodesPerSecond()));
            sb.append(String.format("join CPU          %.1f s%n", join.cpuSeconds()));
            sb.append(String.format("join peak RSS     %d MiB%n", join.peakRssKiB() / 1024));
            sb.append(String.format("join peak heap    %d MiB of %d MiB max (sum of heap pools' peaks)%n",
                    join.peakHeapBytes() >> 20, join.maxHeapBytes() >> 20));
            sb.append(String.format("join peak threads %d%n", join.peakThreads()));
            sb.append("join class archive ").append(classArchive).append('\n');
            sb.append(String.format("sandbox start     %.1f s (separate process, not in the figures above)%n", sandboxStartSeconds));
            sb.append(String.format("sandbox CPU       %.1f s during the join (the simulated cluster's share of the machine)%n",
                    sandboxCpuSeconds));
            if (sandboxPeakRssKiB > 0) {
                sb.append(String.format("sandbox peak RSS  %d MiB (the simulated cluster and its %d machines, heap up to its -Xmx)%n",
                        sandboxPeakRssKiB / 1024, nodes));
            }
            sb.append(String.format("%-18s %6s %9s %9s %9s%n", "PHASE", "NODES", "MEAN", "P50", "MAX"));
            for (PhaseFigures p : phases) {
                sb.append(String.format("%-18s %6d %8.2fs %8.2fs %8.2fs%n", p.phase(), p.nodes(), p.meanSeconds(),
                        p.p50Seconds(), p.maxSeconds()));
            }
            if (status != null) {
                sb.append(String.format("status wall time  %.1f s for %d nodes (%d healthy, exit %d)%n", status.wallSeconds(),
                        status.rows(), status.healthy(), status.exitCode()));
            }
            sb.append("files: ").append(dir).append('\n');
            return sb.toString();
        }
    }

    private JoinBenchmark() {
    }

    public static Result run(Settings s, PrintWriter progress) throws IOException, InterruptedException {
        BenchRun run = BenchRun.in(s.dir());
        Path dir = run.dir;
        Path sandboxDir = run.sandboxDir;
        Path sandboxLog = run.sandboxLog;
        String classpath = run.classpath;
        run.sizeFor(s.nodes());
        String sandboxHeap = BenchRun.sandboxHeap(s.sandboxHeap(), s.nodes());
        progress.println("starting the sandbox (" + s.nodes() + " nodes, heap " + sandboxHeap + ") in its own process"
                + (run.privateNetwork() ? ", in a network namespace of its own (descriptor limit " + BenchRun.openFilesLimit()
                + ")" : "") + "; log: " + sandboxLog);
        progress.flush();
        long t0 = System.nanoTime();
        // extra JVM flags for the sandbox only: KUBEJOIN_BENCH_SANDBOX_OPTS
        Process sandbox = run.startSandbox(run.jvm(sandboxHeap, "sandbox", "KUBEJOIN_BENCH_SANDBOX_OPTS"), s.nodes(), s.sandboxArgs());
        try {
            awaitReady(sandbox, sandboxLog);
            double sandboxStart = (System.nanoTime() - t0) / 1e9;
            Path stats = dir.resolve("join.stats");
            Path json = dir.resolve("join.json");
            Path joinLog = dir.resolve("join.log");
            // the JVM flags of the ./kubejoin launcher, so the figures are those of a user's run; extra JVM flags for
            // the timed join (a profiler, say): KUBEJOIN_BENCH_JOIN_OPTS
            List<String> joinCmd = run.jvm(s.joinHeap(), "join", "KUBEJOIN_BENCH_JOIN_OPTS");
            // the launcher's class archive of join, mapped as every ./kubejoin join after a user's first maps it (class
            // loading and verification from the jar are ~5% of a 1,000-node join's CPU); none yet: this join dumps it at
            // its exit, as the launcher's first run does (after it wrote its figures: the dump is not in its CPU)
            Optional<ClassArchive> archive = ClassArchive.of("join", classpath, Path.of(run.java));
            Path dumpTo = null;
            String archiveUse;
            if (archive.isEmpty()) {
                archiveUse = ClassArchive.NONE;
            } else if (archive.get().exists()) {
                joinCmd.addAll(archive.get().useFlags());
                archiveUse = "mapped " + archive.get().file();
            } else {
                dumpTo = archive.get().dumpTarget();
                joinCmd.addAll(ClassArchive.dumpFlags(dumpTo));
                archiveUse = "none: this first join loaded its classes from the jar and dumped " + archive.get().file()
                        + " at its exit (in its wall time, not its CPU); the next runs map it";
            }
            joinCmd.add("-D" + ProcessStats.PROPERTY + "=" + stats);
            joinCmd.addAll(List.of("-cp", classpath, "io.kubejoin.cli.Main", "join", "-f", sandboxDir.resolve("inventory.yaml").toString(),
                    "--kubeconfig", sandboxDir.resolve("admin.kubeconfig").toString(), "--plain", "-o", "json",
                    "--parallel", Integer.toString(s.parallel()), "--report", dir.resolve("join-report.html").toString()));
            joinCmd.addAll(s.joinArgs());
            progress.printf("sandbox up in %.1f s; timing: kubejoin join --parallel %d (heap %s); log: %s%n", sandboxStart,
                    s.parallel(), s.joinHeap() == null || s.joinHeap().isBlank() ? "the launcher's" : s.joinHeap(), joinLog);
            progress.flush();
            double sandboxCpu0 = cpuSeconds(sandbox);
            long j0 = System.nanoTime();
            Process join = new ProcessBuilder(run.nearSandbox(joinCmd)).redirectOutput(json.toFile()).redirectError(joinLog.toFile()).start();
            int exit;
            try {
                exit = join.waitFor();
                if (exit == 0 && dumpTo != null) {
                    try {
                        archive.get().keep(dumpTo);
                    } catch (IOException e) {
                        // best effort, as the launcher's (mv || true): the next run dumps again
                    }
                }
            } finally {
                if (dumpTo != null) Files.deleteIfExists(dumpTo);
            }
            double wall = (System.nanoTime() - j0) / 1e9;
            double sandboxCpu = cpuSeconds(sandbox) - sandboxCpu0;
            long sandboxRss = peakRssKiB(sandbox);
            ProcessStats figures = Files.exists(stats) ? ProcessStats.read(stats) : new ProcessStats(0, -1, 0, 0, 0);
            JsonNode root = parse(json);
            int joined = 0;
            Map<String, List<Double>> byPhase = new LinkedHashMap<>();
            for (JsonNode n : root.path("nodes")) {
                if (n.path("joined").asBoolean()) joined++;
                for (JsonNode p : n.path("phases")) {
                    if (p.path("skipped").asBoolean()) continue;
                    byPhase.computeIfAbsent(p.path("phase").asString(), k -> new ArrayList<>())
                            .add(p.path("durationMs").asLong() / 1000.0);
                }
            }
            List<PhaseFigures> phases = new ArrayList<>();
            byPhase.forEach((phase, times) -> {
                List<Double> sorted = times.stream().sorted().toList();
                phases.add(new PhaseFigures(phase, sorted.size(), sorted.stream().mapToDouble(d -> d).average().orElse(0),
                        sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1)));
            });
            StatusFigures status = s.thenStatus() ? status(run, sandboxDir, dir, s, progress) : null;
            return new Result(s.nodes(), joined, sandboxStart, wall, figures, sandboxCpu, phases, exit, dir, status,
                    Math.max(sandboxRss, peakRssKiB(sandbox)), archiveUse);
        } finally {
            BenchRun.stop(sandbox);
        }
    }

    /** kubejoin status of the joined fleet, in a process of its own, as a user would run it. */
    private static StatusFigures status(BenchRun run, Path sandboxDir, Path dir, Settings s,
                                        PrintWriter progress) throws IOException, InterruptedException {
        Path out = dir.resolve("status.json");
        progress.println("timing: kubejoin status of " + s.nodes() + " nodes");
        progress.flush();
        long t0 = System.nanoTime();
        List<String> cmd = run.jvm(s.joinHeap(), "status", null);
        cmd.addAll(List.of("-cp", run.classpath, "io.kubejoin.cli.Main", "status", "-f", sandboxDir.resolve("inventory.yaml").toString(),
                "-o", "json", "--parallel", Integer.toString(s.parallel())));
        Process p = new ProcessBuilder(run.nearSandbox(cmd)).redirectOutput(out.toFile())
                .redirectError(dir.resolve("status.log").toFile()).start();
        int exit = p.waitFor();
        double wall = (System.nanoTime() - t0) / 1e9;
        int healthy = 0;
        int rows = 0;
        for (JsonNode n : parse(out).path("nodes")) {
            rows++;
            if (n.path("healthy").asBoolean()) healthy++;
        }
        return new StatusFigures(wall, healthy, rows, exit);
    }

    /** A live process's peak resident set (VmHWM of /proc/PID/status, Linux); 0 when it cannot be read. */
    static long peakRssKiB(Process p) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone: no figure
        }
        return 0;
    }

    static double cpuSeconds(Process p) {
        return p.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
    }

    static void awaitReady(Process sandbox, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                String text = Files.readString(log, StandardCharsets.UTF_8);
                if (text.contains("\nsandbox ready") || text.startsWith("sandbox ready")) return;
            }
            if (!sandbox.isAlive()) {
                throw new IOException("the sandbox process ended (exit " + sandbox.exitValue() + "); see " + log);
            }
            Thread.sleep(100);
        }
        throw new IOException("the sandbox did not get ready within 10 minutes; see " + log);
    }

    static JsonNode parse(Path json) throws IOException {
        String text = Files.readString(json, StandardCharsets.UTF_8);
        // a profiler's start-up lines (JFR's "Started recording" goes to stdout) come before the document
        int start = text.startsWith("{") ? 0 : text.indexOf("\n{");
        if (start > 0) text = text.substring(start + 1);
        if (text.isBlank()) return JsonMapper.builder().build().createObjectNode();
        return JsonMapper.builder().build().readTree(text);
    }
}
