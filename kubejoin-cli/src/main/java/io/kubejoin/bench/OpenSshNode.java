package io.kubejoin.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Debian's real OpenSSH sshd on 127.0.0.1 (or another loopback address, {@link #on}) at a free high port, configured only from files in {@code dir}: the nodes
 * of {@code kubejoin bench ssh} and of the OpenSSH tests. It runs as a child of this JVM and is stopped by its own
 * PID. HOME is set to a folder of its own (SetEnv) so that root's ~/.bashrc on this machine, which runs slow shell
 * init, is not read for every command. sshd logs at VERBOSE to {@code dir/sshd.log} (-E): one "Accepted publickey"
 * per login and one "Starting session" per channel, which the benchmark counts.
 */
public final class OpenSshNode implements AutoCloseable {
    public static final Path SSHD = Path.of("/usr/sbin/sshd");

    public final Path dir;
    public final int port;
    /** The loopback address it listens on: 127.0.0.1 unless {@link #on} chose another of 127.0.0.0/8. */
    public final String address;
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
        this(dir, authorizedPublicKeys, isolated, "127.0.0.1", List.of());
    }

    /**
     * An sshd on another loopback address ({@code 127.0.0.x}), so that several hosts share one machine as bastions
     * and nodes do (an ssh config's ProxyJump chain), with extra sshd_config lines placed first: sshd keeps the first
     * value of a keyword, so e.g. "LogLevel DEBUG1" (to see what a bastion forwards) wins over the default VERBOSE.
     */
    public static OpenSshNode on(String address, Path dir, List<Path> authorizedPublicKeys, boolean isolated,
            List<String> extraConfig) throws IOException, InterruptedException {
        return new OpenSshNode(dir, authorizedPublicKeys, isolated, address, extraConfig);
    }

    private OpenSshNode(Path dir, List<Path> authorizedPublicKeys, boolean isolated, String address,
            List<String> extraConfig) throws IOException, InterruptedException {
        Optional<String> missing = sshdMissing().or(() -> isolated ? isolationMissing() : Optional.empty());
        if (missing.isPresent()) throw new IOException(missing.get());
        this.dir = dir;
        this.isolated = isolated;
        this.address = address;
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
            StringBuilder extra = new StringBuilder();
            for (String line : extraConfig) extra.append(line).append('\n');
            Files.writeString(cfg, extra + String.join("\n",
                    "Port " + chosen,
                    "ListenAddress " + address,
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
            if (waitListening(p, address, chosen)) {
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

    /**
     * Before an isolated node starts in {@code dir}: a login user of that node only (its /etc is an overlay whose
     * upper layer is {@code dir/root/etc}), with a password for sudo and its sudoers line, so that sudo with a
     * password is tested against real sudo without adding a user to this machine. This machine's passwd, shadow and
     * group are copied into the upper layer with the user added. The folders from {@code dir} up to (not including)
     * the temporary folder are opened (0755) so that sshd, reading authorized_keys as that user, can reach them.
     */
    public static void addUser(Path dir, String name, int uid, String password, String sudoers)
            throws IOException, InterruptedException {
        Path etc = Files.createDirectories(dir.resolve("root/etc"));
        String hash = run(List.of("openssl", "passwd", "-6", password)).strip();
        appendEtc(etc, "passwd", name + ":x:" + uid + ":" + uid + "::/tmp:/bin/sh\n");
        appendEtc(etc, "group", name + ":x:" + uid + ":\n");
        appendEtc(etc, "shadow", name + ":" + hash + ":19000:0:99999:7:::\n");
        Path f = Files.createDirectories(etc.resolve("sudoers.d")).resolve("kubejoin-test-" + name);
        Files.writeString(f, sudoers + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--r-----")); // sudo ignores laxer files
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        for (Path p = dir; p != null && p.startsWith(tmp) && !p.equals(tmp); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /** Appends a line to the upper layer's copy of /etc/{@code file} (made from this machine's), same mode and group. */
    private static void appendEtc(Path etc, String file, String line) throws IOException, InterruptedException {
        Path upper = etc.resolve(file);
        Path lower = Path.of("/etc", file);
        String content = Files.exists(upper) ? Files.readString(upper) : Files.readString(lower);
        Files.writeString(upper, content + line);
        Files.setPosixFilePermissions(upper, Files.getPosixFilePermissions(lower));
        // shadow is group shadow on Debian: keep it so, as the tools reading it expect
        if (file.equals("shadow")) run(List.of("chgrp", "--reference=/etc/shadow", upper.toString()));
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

    private static boolean waitListening(Process p, String address, int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) return false;
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(address, port), 200);
                return true;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        return false;
    }

    /** The known_hosts line of this node's host key as reached directly, at {@code [address]:port}. */
    public String knownHostsLine() throws IOException {
        return knownHostsLine(address, port);
    }

    /** The known_hosts line of this node's host key as reached at {@code 127.0.0.1:port} (through a relay, say). */
    public String knownHostsLine(int port) throws IOException {
        return knownHostsLine("127.0.0.1", port);
    }

    private String knownHostsLine(String host, int port) throws IOException {
        String[] parts = Files.readString(hostPub).strip().split(" ");
        return "[" + host + "]:" + port + " " + parts[0] + " " + parts[1] + "\n";
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
