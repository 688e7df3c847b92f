package io.kubejoin.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import io.kubejoin.sandbox.Sandbox;
import io.kubejoin.util.ExitCodes;
import io.kubejoin.util.UserFacingException;

/**
 * What the join and upgrade benchmarks share: their folder, and how they start kubejoin processes (this JVM and class
 * path, the ./kubejoin launcher's flags) and the sandbox in a process of its own.
 */
public final class BenchRun {
    final Path dir;
    final Path sandboxDir;
    final Path sandboxLog;
    final String java;
    final String classpath;
    /** The sandbox runs in a network namespace of its own, with one SSH listener (see {@link #sizeFor}). */
    private boolean privateNetwork;
    private Process sandbox;

    /**
     * Descriptors a sandbox process needs besides one or two per machine: the open connections of a join (both ends
     * of the simulators' own to the API server in the one process, the SSH server's end of each session, watches)
     * and the JVM's own files. At 10,000 machines the join failed at about 200 in use.
     */
    static final int SPARE_DESCRIPTORS = 1_000;

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
     * java with the launcher's flags for {@code command} ({@link JvmFlags}: C1 only for most, which
     * also keeps the sandbox's figures steady — checked again on 2026-12-06 for the long-running sandbox of a 1,000-node
     * join: 116 s of CPU on C2 against 75 s on C1, the machine loaded alike; C2 for the crypto of join and upgrade),
     * then {@code -Xmx}{@code heap} unless blank (the table's heap then), then the extra JVM flags (a profiler, say) of
     * the environment variable {@code optsEnv} when not null.
     */
    List<String> jvm(String heap, String command, String optsEnv) {
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(JvmFlags.forCommand(command, dir.resolve("jvm")));
        // after the table's flags, so a heap asked for wins over the table's (as KUBEJOIN_JAVA_OPTS in ./kubejoin);
        // none asked: the table's, a user's run
        if (heap != null && !heap.isBlank()) cmd.add("-Xmx" + heap);
        String opts = optsEnv == null ? null : System.getenv(optsEnv);
        if (opts != null && !opts.isBlank()) cmd.addAll(List.of(opts.trim().split("\\s+")));
        return cmd;
    }

    /**
     * Fits the sandbox of {@code nodes} machines into this process's descriptor limit (which its child inherits, and
     * which only CAP_SYS_RESOURCE can raise): each machine listens on its own address for SSH and, once kubelet runs,
     * on :10250 — two descriptors. When 2 × nodes does not fit, the sandbox runs in a network namespace of its own
     * ({@code unshare --net}, root), where one wildcard SSH listener serves all machines and reaches nothing but that
     * namespace's loopback, and the join and status run in that namespace too ({@code nsenter}). When that does not fit
     * either, or cannot be done, it fails before anything starts (exit 2) with what is needed.
     */
    void sizeFor(int nodes) throws IOException, InterruptedException {
        privateNetwork = needsPrivateNetwork(nodes, openFilesLimit(), BenchRun::tryUnshare);
    }

    /** What can fail while asking whether the sandbox may run in a network namespace of its own. */
    interface UnshareCheck {
        /** null when it can, else why not. */
        String failure() throws InterruptedException;
    }

    /** {@link #sizeFor}'s decision: false = this machine's network; true = a network namespace of its own; or exit 2. */
    static boolean needsPrivateNetwork(int nodes, long limit, UnshareCheck unshare) throws InterruptedException {
        long hostNeed = 2L * nodes + SPARE_DESCRIPTORS;
        if (limit <= 0 || hostNeed <= limit) return false;
        long privateNeed = nodes + SPARE_DESCRIPTORS;
        String why = "a sandbox of " + nodes + " machines needs about " + hostNeed + " file descriptors in its process "
                + "(2 a machine: its SSH listener and kubelet's :10250, plus " + SPARE_DESCRIPTORS + " for the join's "
                + "connections), and this process's hard limit (ulimit -Hn) is " + limit;
        if (privateNeed > limit) {
            throw new UserFacingException(why + "; even in a network namespace of its own (1 a machine) it needs "
                    + privateNeed + ". Fix: raise the hard limit (as root with CAP_SYS_RESOURCE: ulimit -Hn " + hostNeed
                    + ", then run kubejoin bench from that shell) or give --nodes " + (limit - SPARE_DESCRIPTORS) / 2 + " or fewer.",
                    ExitCodes.BAD_INPUT);
        }
        String unshareFailure = unshare.failure();
        if (unshareFailure != null) {
            throw new UserFacingException(why + ", and the sandbox cannot run in a network namespace of its own, "
                    + "where it would need " + privateNeed + " (" + unshareFailure + "). Fix: run kubejoin bench as root "
                    + "(unshare --net, nsenter and ip on PATH), raise the hard limit (as root with CAP_SYS_RESOURCE: "
                    + "ulimit -Hn " + hostNeed + ") or give --nodes " + (limit - SPARE_DESCRIPTORS) / 2 + " or fewer.",
                    ExitCodes.BAD_INPUT);
        }
        return true;
    }

    /**
     * {@code kubejoin sandbox up} started by hand: too many machines for this process's descriptors fail at once
     * (exit 2) instead of as "Too many open files" in the middle of a join.
     */
    public static void checkDescriptors(int nodes, boolean oneSshListener) {
        long limit = openFilesLimit();
        long need = (oneSshListener ? 1L : 2L) * nodes + SPARE_DESCRIPTORS;
        if (limit <= 0 || need <= limit) return;
        throw new UserFacingException("a sandbox of " + nodes + " machines needs about " + need + " file descriptors ("
                + (oneSshListener ? "1" : "2") + " a machine, plus " + SPARE_DESCRIPTORS + " for a join's connections); "
                + "this process's hard limit (ulimit -Hn) is " + limit + ". Fix: raise it (as root with CAP_SYS_RESOURCE: "
                + "ulimit -Hn " + need + "), give --nodes " + (limit - SPARE_DESCRIPTORS) / (oneSshListener ? 1 : 2)
                + " or fewer, or time a join with 'kubejoin bench --nodes " + nodes + "', which runs the sandbox in a "
                + "network namespace of its own with one SSH listener.", ExitCodes.BAD_INPUT);
    }

    boolean privateNetwork() {
        return privateNetwork;
    }

    /** The hard RLIMIT_NOFILE of this process (Linux's /proc/self/limits; the JVM raises its soft limit to it); 0 unknown. */
    static long openFilesLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (!line.startsWith("Max open files")) continue;
                String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                return f[1].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(f[1]);
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no figure, no check
        }
        return 0;
    }

    /** null when this process may create a network namespace with its loopback up, else what went wrong. */
    private static String tryUnshare() throws InterruptedException {
        try {
            Process p = new ProcessBuilder(privateNetworkPrefix(List.of("true"))).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "unshare --net did not end within 30 s";
            }
            return p.exitValue() == 0 ? null : "unshare --net: exit " + p.exitValue() + (out.isEmpty() ? "" : ", " + out);
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    /** cmd in a new network namespace whose loopback (127.0.0.0/8, so the machines' 127.42.x.y too) is up. */
    private static List<String> privateNetworkPrefix(List<String> cmd) {
        List<String> out = new ArrayList<>(List.of("unshare", "--net", "sh", "-c", "ip link set lo up && exec \"$@\"", "sh"));
        out.addAll(cmd);
        return out;
    }

    /**
     * A command that talks to the sandbox (the join, status): as it is, or in the sandbox's network namespace. Both
     * wrappers exec, so the process is the JVM itself (its CPU and peak RSS are the command's).
     */
    List<String> nearSandbox(List<String> cmd) {
        if (!privateNetwork) return cmd;
        List<String> out = new ArrayList<>(List.of("nsenter", "--net=/proc/" + sandbox.pid() + "/ns/net"));
        out.addAll(cmd);
        return out;
    }

    /**
     * The sandbox's -Xmx: what was asked for, else ("auto") 2 GiB up to about 4,000 machines and 500 KiB a machine above
     * (10,000 machines peaked at 2.8 GiB RSS under -Xmx6g; the default 2g failed there).
     */
    static String sandboxHeap(String asked, int nodes) {
        if (asked != null && !asked.isBlank() && !asked.equals("auto")) return asked;
        return Math.max(2048, nodes * 500L / 1024) + "m";
    }

    /** {@code kubejoin sandbox up --nodes N --dir <sandboxDir> [upArgs]} in its own process, its output in sandboxLog. */
    Process startSandbox(List<String> jvm, int nodes, List<String> upArgs) throws IOException {
        List<String> cmd = new ArrayList<>(jvm);
        if (privateNetwork) cmd.add("-D" + Sandbox.ONE_SSH_LISTENER + "=true");
        cmd.addAll(List.of("-cp", classpath, "io.kubejoin.cli.Main",
                "sandbox", "up", "--nodes", Integer.toString(nodes), "--dir", sandboxDir.toString()));
        cmd.addAll(upArgs);
        if (privateNetwork) cmd = privateNetworkPrefix(cmd);
        sandbox = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(sandboxLog.toFile()).start();
        return sandbox;
    }

    /** The sandbox is our own child: SIGTERM lets it stop its servers; then it is gone. */
    static void stop(Process sandbox) throws InterruptedException {
        sandbox.destroy();
        if (!sandbox.waitFor(30, TimeUnit.SECONDS)) sandbox.destroyForcibly();
    }
}
