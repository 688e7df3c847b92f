package io.kubejoin.cli;

import io.kubejoin.bench.SshBenchmark;
import io.kubejoin.util.ExitCodes;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** kubejoin bench ssh --nodes N: parallel-ssh against kubejoin on N real sshd nodes on this machine. */
@Command(name = "ssh", mixinStandardHelpOptions = true,
        description = {"Starts N real sshd nodes on 127.0.0.1 (Debian's /usr/sbin/sshd, each in mount and PID namespaces "
                + "of its own; needs root, pssh and /usr/bin/time), pushes the same files and start commands once with "
                + "parallel-ssh/parallel-scp and once with 'kubejoin join' (kubelet-dependent phases and node-preflight "
                + "skipped), each on fresh nodes, verifies every file's sha256 and mode on every node, and prints one "
                + "table: wall, controller CPU, node CPU, logins, sessions and processes per node, bytes sent."})
public class BenchSshCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--nodes", required = true, description = "Nodes (sshd processes) per tool, e.g. 50 or 200.")
    int nodes;

    @Option(names = "--parallel", defaultValue = "50", description = "Hosts at once, both tools (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--binary-mib", defaultValue = "50",
            description = "Size of the kubelet stand-in in MiB, kube-proxy 4/5 of it (default: ${DEFAULT-VALUE}, about the real ones).")
    int binaryMiB;

    @Option(names = "--join-heap", defaultValue = "", description = "The join process's -Xmx (default: the launcher's, "
            + "from its JVM flags table, as a user's run).")
    String joinHeap;

    @Option(names = "--dir", paramLabel = "DIR", description = "Folder for keys, nodes, logs and results (default: a new temp folder).")
    Path dir;

    @Option(names = "--keep-files", description = "Keep the files pushed to the nodes (N times the binaries' size).")
    boolean keepFiles;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (nodes < 1 || nodes > 1000) throw new ParameterException(spec.commandLine(), "--nodes takes 1 to 1000");
        if (parallel < 1) throw new ParameterException(spec.commandLine(), "--parallel takes 1 or more");
        if (binaryMiB < 0 || binaryMiB > 1024) throw new ParameterException(spec.commandLine(), "--binary-mib takes 0 to 1024");
        PrintWriter out = spec.commandLine().getOut();
        Path where = dir != null ? dir : Files.createTempDirectory("kubejoin-bench-ssh-");
        SshBenchmark.Result r = SshBenchmark.run(new SshBenchmark.Settings(nodes, parallel, binaryMiB, where, joinHeap,
                keepFiles), out);
        out.print(r.format());
        out.flush();
        return r.ok() ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
