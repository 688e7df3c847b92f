package io.kubejoin.cli;

import io.kubejoin.util.ExitCodes;
import io.kubejoin.bench.JoinBenchmark;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * kubejoin bench --nodes N: a timed join of N sandbox nodes (sandbox and join each in a process of its own); the
 * subcommands time single parts. Everything runs against the sandbox on this machine, never a real cluster.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmarks against the sandbox on this machine (nothing else is contacted).",
                "With --nodes N: start the sandbox with N nodes in one process, time an ordinary 'kubejoin join' of "
                        + "all of them in another; print wall time, nodes/s, time per phase, the join process's CPU, "
                        + "peak RSS and peak heap."},
        subcommands = {BenchApprovalsCommand.class, BenchSshCommand.class})
public class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--nodes", description = "Nodes to join (e.g. 100, 500, 1000).")
    Integer nodes;

    @Option(names = "--parallel", defaultValue = "50", description = "join --parallel (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--join-heap", defaultValue = "", description = "The join process's -Xmx (default: the launcher's, "
            + "from its JVM flags table, as a user's run).")
    String joinHeap;

    @Option(names = "--sandbox-heap", defaultValue = "auto", description = "The sandbox process's -Xmx (default: ${DEFAULT-VALUE}: "
            + "2g, and 500 KiB a node above 4,000 nodes).")
    String sandboxHeap;

    @Option(names = "--dir", paramLabel = "DIR", description = "Folder for the sandbox, logs and results (default: a new temp folder).")
    Path dir;

    @Option(names = "--join-arg", paramLabel = "ARG", description = "Extra argument for the timed join (repeatable).")
    List<String> joinArgs = new ArrayList<>();

    @Option(names = "--sandbox-arg", paramLabel = "ARG", description = "Extra argument for 'kubejoin sandbox up' "
            + "(repeatable), e.g. --sandbox-arg=--fault=slow-kube-proxy-sync: a cluster whose kube-proxy takes 5 s to "
            + "its first sync, as with thousands of Services.")
    List<String> sandboxArgs = new ArrayList<>();

    @Option(names = "--upgrade", description = "Time an upgrade instead: the nodes joined at --from (not timed) under a "
            + "control plane at --to, then the inventory and binaries raised and 'kubejoin upgrade' timed: wall time, API "
            + "requests per node, CPU, peak RSS.")
    boolean upgrade;

    @Option(names = "--from", defaultValue = "1.33.5", description = "With --upgrade: the nodes' release at the join (default: ${DEFAULT-VALUE}).")
    String from;

    @Option(names = "--to", defaultValue = "1.34.2", description = "With --upgrade: the control plane's release and the upgrade's target (default: ${DEFAULT-VALUE}).")
    String to;

    @Option(names = "--max-unavailable", defaultValue = "10%", description = "With --upgrade: upgrade --max-unavailable (default: ${DEFAULT-VALUE}).")
    String maxUnavailable;

    @Option(names = "--then-status", description = "After the join, also time 'kubejoin status' of all the nodes.")
    boolean thenStatus;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (nodes == null) {
            throw new ParameterException(spec.commandLine(), "give --nodes N, or a subcommand; see 'kubejoin bench --help'.");
        }
        if (nodes < 1 || nodes > 60_000) throw new ParameterException(spec.commandLine(), "--nodes takes 1 to 60000");
        PrintWriter out = spec.commandLine().getOut();
        Path where = dir != null ? dir : Files.createTempDirectory("kubejoin-bench-");
        if (upgrade) {
            io.kubejoin.bench.UpgradeBenchmark.Result u = io.kubejoin.bench.UpgradeBenchmark.run(new io.kubejoin.bench.UpgradeBenchmark.Settings(
                    nodes, from, to, maxUnavailable, joinHeap, sandboxHeap, where), out);
            out.print(u.format());
            out.flush();
            return u.upgraded() == u.nodes() && u.exitCode() == ExitCodes.OK ? ExitCodes.OK : ExitCodes.FAILED;
        }
        JoinBenchmark.Result r = JoinBenchmark.run(new JoinBenchmark.Settings(nodes, parallel, joinHeap, sandboxHeap, where,
                joinArgs, thenStatus, sandboxArgs), out);
        out.print(r.format());
        out.flush();
        return r.joined() == r.nodes() ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
