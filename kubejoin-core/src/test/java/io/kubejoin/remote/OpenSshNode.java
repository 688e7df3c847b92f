package io.kubejoin.remote;

import io.kubejoin.testing.Processes;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's real OpenSSH sshd on 127.0.0.1 at a free high port, configured only from files in {@code dir}. It runs
 * as a child of the test JVM and is stopped by its own PID. HOME is set to a folder of the test (SetEnv) so that
 * root's ~/.bashrc on this machine, which runs slow shell init, is not read for every command.
 */
final class OpenSshNode implements AutoCloseable {
    static final Path SSHD = Path.of("/usr/sbin/sshd");

    final Path dir;
    final int port;
    /** the loopback address it listens on (127.0.0.1 unless {@link #on} chose another of 127.0.0.0/8) */
    final String address;
    final Path hostPub;
    private final Process process;

    /** Skips where sshd is not installed, except in CI (CI=true), where its absence is a failure. */
    static void requireSshd() {
        boolean present = Files.isExecutable(SSHD);
        if ("true".equals(System.getenv("CI"))) {
            if (!present) throw new AssertionError(SSHD + " is missing; .ci/run must install openssh-server");
        } else {
            Assumptions.assumeTrue(present, SSHD + " not installed (apt-get install openssh-server): skipping");
        }
    }

    OpenSshNode(Path dir, List<Path> authorizedPublicKeys) throws Exception {
        this(dir, authorizedPublicKeys, false);
    }

    /**
     * An sshd whose sessions see a node of their own, in a private mount namespace ({@code unshare --mount}): /etc
     * and /opt are overlays whose changes land in {@code dir/root/etc} and {@code dir/root/opt}, and systemctl,
     * journalctl and modprobe are shims (in /usr/local/sbin, first on sshd's PATH) keeping state in
     * {@code dir/shim-state}. So absolute destinations really land, and this machine is never changed.
     */
    static OpenSshNode isolated(Path dir, List<Path> authorizedPublicKeys) throws Exception {
        return new OpenSshNode(dir, authorizedPublicKeys, true);
    }

    /** Whether this machine can run isolated nodes (mount namespaces and overlayfs); CI must. */
    static void requireIsolation() {
        boolean ok = Processes.run(List.of("sh", "-c", "command -v unshare && unshare --mount --propagation private "
                + "true")).exitCode() == 0;
        if ("true".equals(System.getenv("CI"))) {
            if (!ok) throw new AssertionError("unshare --mount is unavailable; the isolated sshd tests need it");
        } else {
            Assumptions.assumeTrue(ok, "unshare --mount unavailable: skipping isolated sshd nodes");
        }
    }

    private OpenSshNode(Path dir, List<Path> authorizedPublicKeys, boolean isolated) throws Exception {
        this(dir, authorizedPublicKeys, isolated, "127.0.0.1", List.of());
    }

    /**
     * An sshd on another loopback address ({@code 127.0.0.x}: several hosts on one machine, as bastions and nodes
     * are), with extra sshd_config lines (e.g. "LogLevel DEBUG1" to see what a bastion forwards).
     */
    static OpenSshNode on(String address, Path dir, List<Path> authorizedPublicKeys, boolean isolated,
            List<String> extraConfig) throws Exception {
        return new OpenSshNode(dir, authorizedPublicKeys, isolated, address, extraConfig);
    }

    private OpenSshNode(Path dir, List<Path> authorizedPublicKeys, boolean isolated, String address,
            List<String> extraConfig) throws Exception {
        requireSshd();
        this.address = address;
        if (isolated) requireIsolation();
        this.dir = dir;
        // sshd refuses to start without its privilege separation folder; the packaged service creates it the same way
        Path privsep = Path.of("/run/sshd");
        if (!Files.isDirectory(privsep)) Files.createDirectories(privsep);
        Path hostKey = dir.resolve("ssh_host_ed25519_key");
        Processes.Result r = Processes.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                hostKey.toString()));
        if (r.exitCode() != 0) throw new AssertionError("ssh-keygen: " + r.stderr());
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
            Files.writeString(cfg, String.join("\n", extraConfig) + "\n" + String.join("\n",
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
                    "SetEnv HOME=" + home,
                    ""));
            List<String> command = List.of(SSHD.toString(), "-D", "-e", "-f", cfg.toString());
            if (isolated) command = List.of("unshare", "--mount", "--propagation", "private", "sh", "-ec",
                    isolationScript(dir) + "exec " + String.join(" ", command));
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
            if (waitListening(p, address, chosen)) {
                started = p;
            } else {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }
        if (started == null) throw new AssertionError("sshd did not start: " + Files.readString(dir.resolve("sshd.log")));
        process = started;
        port = chosen;
    }

    /**
     * Before an isolated node starts in {@code dir}: a login user of that node only (its /etc is an overlay whose
     * upper layer is {@code dir/root/etc}), with a password for sudo and its sudoers line. This machine's
     * passwd, shadow and group are copied into the upper layer with the user added; the machine itself is unchanged.
     * The test folder is opened (0755) so sshd, reading authorized_keys as that user, can reach it.
     */
    static void addUser(Path dir, String name, int uid, String password, String sudoers) throws Exception {
        Path etc = Files.createDirectories(dir.resolve("root/etc"));
        Processes.Result hash = Processes.run(List.of("openssl", "passwd", "-6", password));
        if (hash.exitCode() != 0) throw new AssertionError("openssl passwd: " + hash.stderr());
        append(etc, "passwd", name + ":x:" + uid + ":" + uid + "::/tmp:/bin/sh\n");
        append(etc, "group", name + ":x:" + uid + ":\n");
        append(etc, "shadow", name + ":" + hash.stdout().strip() + ":19000:0:99999:7:::\n");
        Path d = Files.createDirectories(etc.resolve("sudoers.d"));
        Path f = d.resolve("kubejoin-test-" + name);
        Files.writeString(f, sudoers + "\n");
        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("r--r-----"));
        for (Path p = dir; p != null && p.startsWith(Path.of(System.getProperty("java.io.tmpdir"))); p = p.getParent()) {
            if (p.equals(Path.of(System.getProperty("java.io.tmpdir")))) break;
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private static void append(Path etc, String file, String line) throws IOException {
        Path upper = etc.resolve(file);
        String content = Files.exists(upper) ? Files.readString(upper) : Files.readString(Path.of("/etc", file));
        Files.writeString(upper, content + line);
        Files.setPosixFilePermissions(upper, Files.getPosixFilePermissions(Path.of("/etc", file)));
        if (file.equals("shadow")) Processes.run(List.of("chgrp", "--reference=/etc/shadow", upper.toString()));
    }

    /** Mounts done inside the namespace before sshd starts; unshare and sh exec, so the PID stays sshd's. */
    private static String isolationScript(Path dir) throws IOException {
        Path root = dir.resolve("root");
        Path work = dir.resolve("overlay-work");
        io.kubejoin.testing.ShimScripts.install(dir.resolve("shim-bin"), dir.resolve("shim-state"));
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

    Path root() {
        return dir.resolve("root");
    }

    List<String> shimLog() throws IOException {
        return io.kubejoin.testing.ShimScripts.log(dir.resolve("shim-state"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean waitListening(Process p, String address, int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
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

    String knownHostsLine() throws IOException {
        String[] parts = Files.readString(hostPub).strip().split(" ");
        return "[" + address + "]:" + port + " " + parts[0] + " " + parts[1] + "\n";
    }

    /** The per-connection sshd processes (children of the listener this fixture started). */
    List<ProcessHandle> sessionProcesses() {
        return process.descendants().toList();
    }

    String log() throws IOException {
        return Files.readString(dir.resolve("sshd.log"));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM to the listener we started, by its PID
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
    }
}
