package io.kubejoin.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Debian's real OpenSSH sshd on 127.0.0.1 at a free high port, configured only from files in {@code dir}: the nodes
 * of {@code kubejoin bench ssh} and of the OpenSSH tests. It runs as a child of this JVM and is stopped by its own
 * PID. HOME is set to a folder of its own (SetEnv) so that root's ~/.bashrc on this machine, which runs slow shell
 * init, is not read for every command. sshd logs at VERBOSE to {@code dir/sshd.log} (-E): one "Accepted publickey"
 * per login and one "Starting session" per channel, which the benchmark counts.
 */
public final class OpenSshNode implements AutoCloseable {
    public static final Path SSHD = Path.of("/usr/sbin/sshd");

    public final Path dir;
    public final int port;
    public final Path hostPub;
    private final Process process;
    private final boolean isolated;

    /** Why this machine cannot run sshd nodes, or empty when it can. */
    public static Optional<String> sshdMissing() {
        return Files.isExecutable(SSHD) ? Optional.empty()
                : Optional.of(SSHD + " not installed (apt-get install openssh-server)");
    }

    /** Why this machine cannot run isolated nodes (mount and PID namespaces, overlayfs), or empty when it can. */
    public static Optional<String> isolationMissing() {
        try {
            Process p = new ProcessBuilder("sh", "-c", "command -v unshare >/dev/null && unshare --mount --pid --fork "
                    + "--propagation private true").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) return Optional.empty();
            p.destroyForcibly();
        } catch (IOException e) {
            // no sh: no isolation either
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.of("unshare --mount --pid is unavailable (needs root or user namespaces)");
    }

    /** A plain sshd (this machine's files, no namespaces). */
    public OpenSshNode(Path dir, List<Path> authorizedPublicKeys) throws IOException, InterruptedException {
        this(dir, authorizedPublicKeys, false);
    }

    /**
     * An sshd whose sessions see a node of their own, in private mount and PID namespaces ({@code unshare --mount
     * --pid}): /etc and /opt are overlays whose changes land in {@code dir/root/etc} and {@code dir/root/opt}, and
     * systemctl, journalctl and modprobe are {@link NodeShims} (in /usr/local/sbin, first on sshd's PATH) keeping
     * state in {@code dir/shim-state}. So absolute destinations really land, and this machine is never changed.
     * sshd is PID 1 of its namespace: it reaps every process of the node, orphans included, so its children's CPU
     * ({@link #cpuTicks}) is all the node's, and the namespace's last PID counts the processes ({@link #lastPid}).
     */
    public static OpenSshNode isolated(Path dir, List<Path> authorizedPublicKeys) throws IOException, InterruptedException {
        return new OpenSshNode(dir, authorizedPublicKeys, true);
    }

    private OpenSshNode(Path dir, List<Path> authorizedPublicKeys, boolean isolated) throws IOException, InterruptedException {
        Optional<String> missing = sshdMissing().or(() -> isolated ? isolationMissing() : Optional.empty());
        if (missing.isPresent()) throw new IOException(missing.get());
        this.dir = dir;
        this.isolated = isolated;
        // sshd refuses to start without its privilege separation folder; the packaged service creates it the same way
        Path privsep = Path.of("/run/sshd");
        if (!Files.isDirectory(privsep)) Files.createDirectories(privsep);
        Path hostKey = dir.resolve("ssh_host_ed25519_key");
        run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey.toString()));
        hostPub = Path.of(hostKey + ".pub");
        StringBuilder ak = new StringBuilder();
        for (Path p : authorizedPublicKeys) ak.append(Files.readString(p).strip()).append('\n');
        Files.writeString(dir.resolve("authorized_keys"), ak);
        Path home = dir.resolve("home");
        Files.createDirectories(home);
        Process started = null;
        int chosen = 0;
        for (int attempt = 0; attempt < 3 && started == null; attempt++) {
            chosen = freePort();
            Path cfg = dir.resolve("sshd_config");
            Files.writeString(cfg, String.join("\n",
                    "Port " + chosen,
                    "ListenAddress 127.0.0.1",
                    "HostKey " + hostKey,
                    "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                    "PidFile " + dir.resolve("sshd.pid"),
                    "Subsystem sftp internal-sftp",
                    "UsePAM no",
                    "StrictModes no",
                    "PermitRootLogin prohibit-password",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "PrintMotd no",
                    "MaxStartups 300",
                    "LogLevel VERBOSE",
                    "SetEnv HOME=" + home,
                    ""));
            List<String> command = List.of(SSHD.toString(), "-D", "-E", dir.resolve("sshd.log").toString(), "-f", cfg.toString());
            // --kill-child: when unshare ends (close), its child sshd — PID 1 of the namespace — is killed, and with it
            // every process of the node
            if (isolated) command = List.of("unshare", "--mount", "--pid", "--kill-child", "--propagation", "private",
                    "sh", "-ec", isolationScript(dir) + "exec " + String.join(" ", command));
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.out").toFile()).start();
            if (waitListening(p, chosen)) {
                started = p;
            } else {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }
        if (started == null) {
            throw new IOException("sshd did not start: " + read(dir.resolve("sshd.out")) + read(dir.resolve("sshd.log")));
        }
        process = started;
        port = chosen;
    }

    /** Mounts done inside the namespace before sshd starts; sh execs, so the namespace's PID 1 is sshd. */
    private static String isolationScript(Path dir) throws IOException {
        Path root = dir.resolve("root");
        Path work = dir.resolve("overlay-work");
        NodeShims.install(dir.resolve("shim-bin"), dir.resolve("shim-state"));
        StringBuilder sh = new StringBuilder();
        for (String top : List.of("etc", "opt")) {
            Files.createDirectories(root.resolve(top));
            Files.createDirectories(work.resolve(top));
            sh.append("mount -t overlay overlay -o lowerdir=/").append(top).append(",upperdir=").append(root.resolve(top))
                    .append(",workdir=").append(work.resolve(top)).append(" /").append(top).append("; ");
        }
        sh.append("mount --bind ").append(dir.resolve("shim-bin")).append(" /usr/local/sbin; ");
        return sh.toString();
    }

    /** The node's own files: {@code root()/etc/...} is what its sessions see as /etc (isolated nodes). */
    public Path root() {
        return dir.resolve("root");
    }

    /** The shim calls recorded so far (isolated nodes). */
    public List<String> shimLog() throws IOException {
        return NodeShims.log(dir.resolve("shim-state"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean waitListening(Process p, int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) return false;
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        return false;
    }

    public String knownHostsLine() throws IOException {
        return knownHostsLine(port);
    }

    /** The known_hosts line of this node's host key as reached at {@code 127.0.0.1:port} (through a relay, say). */
    public String knownHostsLine(int port) throws IOException {
        String[] parts = Files.readString(hostPub).strip().split(" ");
        return "[127.0.0.1]:" + port + " " + parts[0] + " " + parts[1] + "\n";
    }

    /** The listening sshd: the process started, or for an isolated node unshare's child (PID 1 inside). */
    public ProcessHandle listener() {
        if (!isolated) return process.toHandle();
        return process.children().findFirst().orElseThrow(() -> new IllegalStateException("sshd of " + dir + " is gone"));
    }

    /** The per-connection sshd processes and what they run (the listener's descendants). */
    public List<ProcessHandle> sessionProcesses() {
        return listener().descendants().toList();
    }

    /**
     * The listener's own CPU plus that of every child it reaped (utime + stime + cutime + cstime of /proc/PID/stat,
     * in clock ticks): each connection's sshd is its child and waits for its own children, so this is the CPU of
     * every finished session and the commands it ran. Processes still running are not in it: read it when the
     * node is idle ({@link #awaitIdle}).
     */
    public long cpuTicks() throws IOException {
        return ProcStat.cpuTicks(Files.readString(Path.of("/proc/" + listener().pid() + "/stat")));
    }

    /** Waits until no session process is left (every connection closed and reaped); false at the timeout. */
    public boolean awaitIdle(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() < deadline) {
            if (listener().children().findAny().isEmpty()) return true;
            Thread.sleep(20);
        }
        return false;
    }

    /**
     * The last PID handed out in the node's PID namespace (isolated nodes): the difference of two readings, less
     * one for the reading itself, is the number of processes the node started in between.
     */
    public long lastPid() throws IOException, InterruptedException {
        if (!isolated) throw new IllegalStateException("only an isolated node has a PID namespace of its own");
        return Long.parseLong(run(List.of("nsenter", "-t", Long.toString(listener().pid()), "--pid", "cat",
                "/proc/sys/kernel/ns_last_pid")).strip());
    }

    public String log() throws IOException {
        return read(dir.resolve("sshd.log"));
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + p.exitValue() + ": "
                    + new String(out, StandardCharsets.UTF_8).strip());
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws InterruptedException {
        List<ProcessHandle> left = new ArrayList<>();
        if (!isolated) left.addAll(process.descendants().toList());
        // SIGTERM to sshd by its PID: unshare ignores it while it waits for its child; an isolated node's
        // namespace ends with its PID 1, and unshare with it
        (isolated ? process.children().findFirst() : Optional.of(process.toHandle())).ifPresent(ProcessHandle::destroy);
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
        for (ProcessHandle h : left) h.destroyForcibly(); // a plain sshd's sessions, by their PIDs
    }
}
