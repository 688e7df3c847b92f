package io.kubejoin.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the join and upgrade benchmarks share: their folder, and how they start kubejoin processes (this JVM and class
 * path, the ./kubejoin launcher's flags) and the sandbox in a process of its own.
 */
final class BenchRun {
    final Path dir;
    final Path sandboxDir;
    final Path sandboxLog;
    final String java;
    final String classpath;

    private BenchRun(Path dir) {
        this.dir = dir;
        this.sandboxDir = dir.resolve("sandbox");
        this.sandboxLog = dir.resolve("sandbox.log");
        this.java = ProcessHandle.current().info().command().orElse("java");
        this.classpath = System.getProperty("java.class.path");
    }

    /** The benchmark's folder (absolute, created). */
    static BenchRun in(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        Files.createDirectories(abs);
        return new BenchRun(abs);
    }

    /**
     * java with the launcher's flags for {@code command} ({@link io.kubejoin.cli.JvmFlags}: C1 only for most, which
     * also keeps the sandbox's figures steady — checked again on 2026-12-06 for the long-running sandbox of a 1,000-node
     * join: 116 s of CPU on C2 against 75 s on C1, the machine loaded alike; C2 for the crypto of join and upgrade),
     * then the extra JVM flags (a profiler, say) of the environment variable {@code optsEnv} when not null.
     */
    List<String> jvm(String heap, String command, String optsEnv) {
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + heap));
        cmd.addAll(io.kubejoin.cli.JvmFlags.forCommand(command, dir.resolve("jvm")));
        String opts = optsEnv == null ? null : System.getenv(optsEnv);
        if (opts != null && !opts.isBlank()) cmd.addAll(List.of(opts.trim().split("\\s+")));
        return cmd;
    }

    /** {@code kubejoin sandbox up --nodes N --dir <sandboxDir> [upArgs]} in its own process, its output in sandboxLog. */
    Process startSandbox(List<String> jvm, int nodes, List<String> upArgs) throws IOException {
        List<String> cmd = new ArrayList<>(jvm);
        cmd.addAll(List.of("-cp", classpath, "io.kubejoin.cli.Main",
                "sandbox", "up", "--nodes", Integer.toString(nodes), "--dir", sandboxDir.toString()));
        cmd.addAll(upArgs);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(sandboxLog.toFile()).start();
    }

    /** The sandbox is our own child: SIGTERM lets it stop its servers; then it is gone. */
    static void stop(Process sandbox) throws InterruptedException {
        sandbox.destroy();
        if (!sandbox.waitFor(30, TimeUnit.SECONDS)) sandbox.destroyForcibly();
    }
}
