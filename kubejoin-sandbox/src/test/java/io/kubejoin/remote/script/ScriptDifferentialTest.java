package io.kubejoin.remote.script;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.join.ShimNode;
import io.kubejoin.remote.ExecResult;
import io.kubejoin.sandbox.node.NodePrograms;
import io.kubejoin.sandbox.node.shell.NodeShell;
import io.kubejoin.testing.ShimScripts;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same script, against the same starting node, under a real /bin/sh (the shim node: quoted node paths re-rooted
 * into a folder, systemd, the kernel's tools and the network stood in by shims) and under the sandbox's
 * {@link NodeShell}, whose external programs are those very shims: equal exit code, equal stdout (the sectioned
 * output kubejoin parses), stderr empty in both or in neither, equal resulting files and equal shim calls. What
 * differs is the shell and its file commands — where NodeShell is kinder than sh, the simulator is wrong.
 */
class ScriptDifferentialTest {
    static final long EPOCH = 1_796_500_000L;
    private static final Path SH_WORLD_MARKER = Path.of("shim-bin");

    enum Start {
        /** A machine before its join: runtime socket, no swap, cgroup v2, nothing of kubejoin's. */
        FRESH,
        /** A joined node: kubejoin's files (some changed since), services active, rules in place, a pod volume. */
        JOINED,
        /**
         * A node in odd shape: a destination and a backup that are folders, a file where a folder is to be made, a
         * link in kubelet's data folder, services stopped and failing.
         */
        ODD,
        /**
         * Links and leftovers: a destination that is a link (to a file, and dangling), a backup folder holding a
         * folder of the file's name, a data folder that is a link, a PEM cut short, /proc/swaps without its last
         * newline, a stale temp file of a secret (0666) and a temp name that is a dangling link.
         */
        LINKS,
        /**
         * JOINED with a pod volume mounted below kubelet's folder: under sh a real bind mount in a mount namespace of
         * the command's own, for NodeShell the same line in the node's /proc/mounts.
         */
        MOUNTED,
        /**
         * As MOUNTED, the volume on another filesystem (a folder of this machine's /dev/shm, a tmpfs, bind-mounted):
         * another device, which rm --one-file-system skips.
         */
        TMPFS
    }

    /**
     * Samples that must succeed on a {@link Start#FRESH} node, under sh as under NodeShell (finish expects the folders
     * its survey made, so it is not among them).
     */
    static final java.util.Set<String> FRESH_SUCCEEDS = java.util.Set.of("push/inline.sh", "start/kube-proxy-start.sh");

    static final String VOLUME = ScriptCatalog.PATHS.kubeletRootDir() + "/pods/p1/volumes/v";
    /** Where the mounted volume's files live in the sh world's folder (bind-mounted at {@link #VOLUME}). */
    static final String SEED = "/.volume-v";

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (ScriptCatalog.Sample s : ScriptCatalog.all()) {
            for (Start st : Start.values()) out.add(Arguments.of(s, st));
        }
        return out.stream();
    }

    private final List<Path> tmpfsSeeds = new ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void removeSeeds() throws IOException {
        for (Path seed : tmpfsSeeds) {
            try (Stream<Path> all = Files.walk(seed)) {
                for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    @ParameterizedTest(name = "{0} on a {1} node")
    @MethodSource("cases")
    void realShAndNodeShellAgree(ScriptCatalog.Sample sample, Start start, @TempDir Path tmp) throws Exception {
        Path shRoot = tmp.resolve("sh");
        Path simRoot = tmp.resolve("sim");
        Files.createDirectories(shRoot);
        Files.createDirectories(simRoot);
        ShimNode shim = new ShimNode(shRoot);
        Path simBin = simRoot.resolve("shim-bin");
        Path simState = simRoot.resolve("shim-state");
        ShimScripts.install(simBin, simState);
        prepare(shRoot, shim.bin, shim.state, start);
        prepare(simRoot, simBin, simState, start);

        Path seed = null;
        ExecResult real;
        if (start == Start.MOUNTED || start == Start.TMPFS) {
            requireMountNamespaces();
            // the volume's files move out of the mount point; the bind mount shows them there again under sh
            seed = start == Start.MOUNTED ? Files.createDirectories(at(shRoot, SEED))
                    : Files.createTempDirectory(Path.of("/dev/shm"), "kubejoin-volume-");
            if (start == Start.TMPFS) tmpfsSeeds.add(seed);
            Path volume = at(shRoot, VOLUME);
            Files.setPosixFilePermissions(seed, Files.getPosixFilePermissions(volume));
            try (Stream<Path> files = Files.list(volume)) {
                for (Path f : files.toList()) {
                    Files.copy(f, seed.resolve(f.getFileName()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                    Files.delete(f);
                }
            }
            // (a quoted path is a node path, re-rooted; /dev/shm is this machine's)
            String source = start == Start.MOUNTED ? "'" + SEED + "'" : seed.toString();
            real = shim.exec("mount --bind " + source + " '" + VOLUME + "' || exit 99\n" + sample.script(),
                    sample.stdin(), Duration.ofSeconds(30), List.of("unshare", "-m", "--propagation", "private"));
        } else {
            real = shim.exec(sample.script(), sample.stdin(), Duration.ofSeconds(30));
        }
        if (start == Start.FRESH && FRESH_SUCCEEDS.contains(sample.golden())) {
            // both shells failing alike would pass below: a push that cannot place files on a fresh node must not
            assertThat(real.exitCode()).as("%s on a fresh node under sh (stderr: %s)", sample, real.stderr()).isZero();
        }
        String rootText = shRoot.toString();
        real = new ExecResult(real.exitCode(), real.stdout().replace(rootText, ""), real.stderr().replace(rootText, ""));

        NodeShell shell = NodeShell.forFolder(simRoot, programs(simRoot, simBin), Clock.fixed(Instant.ofEpochSecond(EPOCH),
                ZoneOffset.UTC), p -> isSocket(simRoot, p));
        ExecResult sim = shell.run(sample.script(), new ByteArrayInputStream(sample.stdin()));

        // a node's messages name node paths: the simulator's own folder on this machine never shows
        assertThat(sim.stdout() + sim.stderr()).as("NodeShell's output of %s", sample).doesNotContain(simRoot.toString());
        assertThat(sim.exitCode()).as("exit code of %s (sh stderr: %s; NodeShell stderr: %s)", sample, real.stderr(),
                sim.stderr()).isEqualTo(real.exitCode());
        assertThat(sim.stdout()).as("stdout of %s", sample).isEqualTo(real.stdout());
        assertThat(sim.stderr().isEmpty()).as("stderr of %s: sh %s, NodeShell %s", sample, real.stderr(), sim.stderr())
                .isEqualTo(real.stderr().isEmpty());
        assertThat(tree(simRoot, "", null)).as("files after %s", sample).isEqualTo(tree(shRoot, rootText, seed));
        if (sample.script().startsWith(NodeScript.SECTION_FUNCTION)) {
            // what kubejoin reads: every section the script asks, whatever the answers before it printed
            assertThat(NodeScript.sections(real.stdout()).keySet()).as("sections kubejoin reads from %s", sample)
                    .containsExactlyInAnyOrderElementsOf(sectionNames(sample.script()));
        }
    }

    private static List<String> sectionNames(String script) {
        return script.lines().filter(l -> l.startsWith("s ") && l.contains(";")).map(l -> l.substring(2, l.indexOf(';')))
                .toList();
    }

    /** Mount namespaces (unshare --mount): CI must have them (it runs the isolated sshd tests too); elsewhere skipped. */
    private static void requireMountNamespaces() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", "command -v unshare && unshare --mount --propagation private true")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        boolean ok = p.waitFor() == 0;
        if ("true".equals(System.getenv("CI"))) {
            assertThat(ok).as("unshare --mount is unavailable; the mounted-volume cases need it").isTrue();
        } else {
            org.junit.jupiter.api.Assumptions.assumeTrue(ok, "unshare --mount unavailable: skipping mounted-volume cases");
        }
    }

    /** The same starting node in {@code root}, its shims in {@code bin} keeping their state in {@code state}. */
    static void prepare(Path root, Path bin, Path state, Start start) throws IOException {
        String s = "#!/bin/sh\ns='" + state + "'; ";
        shim(bin, "ss", s + "echo \"ss $*\" >> \"$s/log\"; p=\"${2##*:}\"; [ -f \"$s/listen-$p\" ] && echo \"LISTEN 0 4096 *:$p *:*\"; exit 0\n");
        shim(bin, "curl", s + "echo \"curl $*\" >> \"$s/log\"; for a in \"$@\"; do u=\"$a\"; done; p=\"${u##*:}\"; p=\"${p%%/*}\"\n"
                + "if [ -f \"$s/healthz-$p\" ]; then cat \"$s/healthz-$p\"; else echo \"curl: (7) Failed to connect to port $p\" >&2; exit 7; fi\n");
        shim(bin, "iptables-save", s + "echo \"iptables-save $*\" >> \"$s/log\"; [ -f \"$s/nat\" ] && cat \"$s/nat\"; exit 0\n");
        shim(bin, "ip6tables-save", s + "echo \"ip6tables-save $*\" >> \"$s/log\"; exit 0\n");
        shim(bin, "iptables", s + "echo \"iptables $*\" >> \"$s/log\"; [ -f \"$s/nat\" ]\n");
        shim(bin, "ipvsadm", s + "echo \"ipvsadm $*\" >> \"$s/log\"; if [ -f \"$s/ipvs\" ]; then cat \"$s/ipvs\"; else echo 'Memory allocation problem' >&2; exit 1; fi\n");
        shim(bin, "nft", s + "echo \"nft $*\" >> \"$s/log\"; if [ -f \"$s/nft\" ]; then cat \"$s/nft\"; else echo 'Error: No such file or directory' >&2; exit 1; fi\n");
        shim(bin, "modinfo", s + "echo \"modinfo $*\" >> \"$s/log\"; [ -f \"$s/module-$2\" ] && echo \"/lib/modules/6.1/$2.ko\"\n");
        shim(bin, "hostname", s + "echo hostname >> \"$s/log\"; echo node-1\n");
        // node-preflight's look at the host: answers that do not name node paths (those differ between the two worlds)
        shim(bin, "getent", s + "echo \"getent $*\" >> \"$s/log\"; [ \"$2\" = node-1 ] && [ -f \"$s/resolves\" ] && echo '127.42.0.2      node-1' && exit 0; exit 2\n");
        shim(bin, "ip", s + "echo \"ip $*\" >> \"$s/log\"; echo '1: lo    inet 127.0.0.1/8 scope host lo'; echo '2: eth0    inet 127.42.0.2/24 scope global eth0'\n");
        shim(bin, "df", s + "echo df >> \"$s/log\"; echo 'Filesystem     1024-blocks     Used Available Capacity Mounted on'; shift; for p in \"$@\"; do [ -f \"$s/disk-full\" ] && echo '/dev/vda1 100 99 1 99% /' || echo '/dev/vda1 100 10 90 10% /'; done\n");
        shim(bin, "containerd", s + "echo \"containerd $*\" >> \"$s/log\"; printf 'version = 2\\n\\n[plugins]\\n  [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\\n    SystemdCgroup = false\\n'\n");
        shim(bin, "ctr", s + "echo \"ctr $3\" >> \"$s/log\"; echo 'Client:'; echo '  Version:  v1.7.20'; [ -f \"$s/runtime-down\" ] && echo 'ctr: failed to dial' >&2 && exit 1; echo 'Server:'; echo '  Version:  v1.7.20'\n");
        shim(bin, "sysctl", s + "echo \"sysctl $1\" >> \"$s/log\"; [ -f \"$s/sysctl-fails\" ] && echo 'sysctl: cannot stat /proc/sys/net/bridge/bridge-nf-call-iptables: No such file or directory' >&2 && exit 255; exit 0\n");
        shim(bin, "iptables-legacy-save", s + "echo iptables-legacy-save >> \"$s/log\"; echo '*filter'; [ -f \"$s/legacy-rules\" ] && echo '-A FORWARD -j DOCKER-USER'; echo COMMIT\n");
        shim(bin, "iptables-nft-save", s + "echo iptables-nft-save >> \"$s/log\"; echo '*filter'; echo COMMIT\n");
        shim(bin, "swapoff", s + "echo \"swapoff $*\" >> \"$s/log\"\n");
        shim(bin, "docker", s + "echo \"docker $*\" >> \"$s/log\"; echo cgroupfs\n");
        shim(bin, "umount", s + "echo \"umount $*\" >> \"$s/log\"\n");
        shim(bin, "sleep", s + "echo \"sleep $*\" >> \"$s/log\"\n");
        shim(bin, "kube-proxy-shim", s + "echo \"kube-proxy $*\" >> \"$s/log\"\n");
        // the node's clock and its filesystem types are the kernel's: the same answers NodeShell gives from its clock
        // and folder (date and stat are NodeShell builtins, so these two do not log)
        shim(bin, "date", "#!/bin/sh\n[ \"$1\" = +%s ] && echo " + EPOCH + " && exit 0; exec /bin/date \"$@\"\n");
        shim(bin, "stat", "#!/bin/sh\nif [ \"$1\" = -fc ] && [ \"$2\" = %T ]; then\n"
                + "  if [ -e \"$3/cgroup.controllers\" ]; then echo cgroup2fs; else case \"$3\" in */sys/fs/cgroup) echo tmpfs ;; *) echo ext2/ext3 ;; esac; fi; exit 0\n"
                + "fi\nexec /usr/bin/stat \"$@\"\n");

        socket(root, ScriptCatalog.SOCKET);
        file(root, "/proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n", "r--r--r--");
        file(root, "/tmp/kubejoin-stage/0-ca.pem", "ca\n", "rw-------");
        file(root, "/tmp/kubejoin-stage/1-kubelet-config.yaml", "kind: KubeletConfiguration\n", "rw-------");
        Files.writeString(state.resolve("module-ip_vs"), "");
        var p = ScriptCatalog.PATHS;
        if (start != Start.ODD) Files.writeString(state.resolve("resolves"), "");
        if (start == Start.LINKS) Files.writeString(state.resolve("disk-full"), "");
        if (start == Start.ODD) Files.writeString(state.resolve("runtime-down"), "");
        if (start == Start.FRESH) Files.writeString(state.resolve("sysctl-fails"), "");
        if (start == Start.JOINED) Files.writeString(state.resolve("legacy-rules"), "");
        // node-prep's files: an installer's fstab with swap on a joined node, a prepared node's own files on LINKS
        if (start == Start.JOINED || start == Start.MOUNTED) file(root, "/etc/fstab", "UUID=1 / ext4 defaults 0 1\n/swap.img none swap sw 0 0\n", "rw-r--r--");
        if (start == Start.LINKS) {
            file(root, "/etc/sysctl.d/99-kubernetes.conf", "net.ipv4.ip_forward = 1\n", "rw-r--r--");
            file(root, "/etc/fstab", "#/swap.img none swap sw 0 0", "rw-r--r--");
        }
        if (start == Start.FRESH) {
            // a kernel as it boots: no forwarding, no /proc/sys/net/bridge/ (br_netfilter not loaded)
            file(root, "/proc/sys/net/ipv4/ip_forward", "0\n", "rw-r--r--");
            file(root, "/proc/sys/net/ipv6/conf/default/forwarding", "0\n", "rw-r--r--");
            file(root, "/sys/fs/cgroup/cgroup.controllers", "cpu memory\n", "r--r--r--");
            Files.createDirectories(at(root, "/sys/module/nf_conntrack"));
            return;
        }
        if (start == Start.LINKS) {
            // br_netfilter loaded with IPv4 bridged traffic kept from iptables; no /proc/sys/net/ipv6 (IPv6 disabled)
            file(root, "/proc/sys/net/ipv4/ip_forward", "1", "rw-r--r--");
            file(root, "/proc/sys/net/bridge/bridge-nf-call-iptables", "0\n", "rw-r--r--");
            file(root, "/proc/sys/net/bridge/bridge-nf-call-ip6tables", "1\n", "rw-r--r--");
            file(root, "/sys/fs/cgroup/cgroup.controllers", "cpu\n", "r--r--r--");
            file(root, "/proc/swaps", "Filename Type Size Used Priority\n/dev/sdb2 partition 8 0 -2", "r--r--r--");
            file(root, p.caCert(), "old ca\n", "rw-r--r--");
            file(root, PushScripts.bak(p.caCert()) + "/ca.pem/x", "a folder named like the file\n", "rw-r--r--");
            file(root, p.certDir() + "/other-key.pem", "old key\n", "rw-r-----");
            Files.createSymbolicLink(at(root, p.kubeProxyKey()), Path.of("other-key.pem"));
            Files.createSymbolicLink(at(root, p.kubeletConfig()), Path.of("missing.yaml"));
            file(root, p.kubeProxyCert(), "-----BEGIN CERTIFICATE-----\nMIIC\nno end line\n", "rw-r--r--");
            // leftovers of a dropped push: a temp file of a secret with a loose mode, a temp name that is a link
            file(root, PushScripts.tmp(p.kubeProxyKey()), "stale\n", "rw-rw-rw-");
            Files.createSymbolicLink(at(root, PushScripts.tmp(p.caCert())), Path.of("stale-target"));
            file(root, p.kubeletClientCurrent(), "-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----\n"
                    + "-----BEGIN CERTIFICATE-----\nB\n-----END CERTIFICATE-----", "rw-------");
            file(root, p.kubeletKubeconfig(), "kubeconfig\n", "rw-------");
            file(root, "/etc/kubernetes/keep", "must stay\n", "rw-r--r--");
            Files.createDirectories(at(root, "/data/k8s/k8s"));
            Files.createSymbolicLink(at(root, p.kubeProxyWorkDir()), Path.of("../../../etc/kubernetes"));
            file(root, p.kubeletRootDir() + "/pods/p1/x", "x\n", "rw-r--r--");
            file(root, "/proc/mounts", "", "r--r--r--");
            Files.writeString(state.resolve("active-kubelet"), "");
            return;
        }
        if (start == Start.ODD) {
            file(root, "/sys/fs/cgroup/cgroup.controllers", "cpu\n", "r--r--r--");
            file(root, p.kubeletConfig() + "/old", "a folder where a file goes\n", "rw-r--r--");
            file(root, p.caCert(), "old ca\n", "rw-r--r--");
            file(root, PushScripts.bak(p.caCert()) + "/x", "a folder where the backup goes\n", "rw-r--r--");
            file(root, p.staticPodPath(), "a file where a folder goes\n", "rw-r--r--");
            file(root, p.kubeletRootDir() + "/pods/p1/x", "x\n", "rw-r--r--");
            Files.createSymbolicLink(at(root, p.kubeletRootDir() + "/config"), Path.of("../../../../etc/kubernetes"));
            file(root, p.kubeProxyBinary(), "#!/bin/sh\nexec kube-proxy-shim \"$@\"\n", "rwxr-xr-x");
            file(root, p.kubeletClientCurrent(), "no certificate here\n", "rw-------");
            file(root, "/proc/mounts", "", "r--r--r--");
            Files.writeString(state.resolve("fail-kubelet"), "");
            Files.writeString(state.resolve("enabled-kube-proxy"), "");
            Files.writeString(state.resolve("listen-10256"), "");
            Files.writeString(state.resolve("healthz-10248"), "ok");
            return;
        }
        Files.createDirectories(at(root, "/sys/fs/cgroup")); // cgroup v1
        // a prepared kernel: forwarding on, br_netfilter loaded
        file(root, "/proc/sys/net/ipv4/ip_forward", "1\n", "rw-r--r--");
        file(root, "/proc/sys/net/ipv6/conf/default/forwarding", "1\n", "rw-r--r--");
        file(root, "/proc/sys/net/bridge/bridge-nf-call-iptables", "1\n", "rw-r--r--");
        file(root, "/proc/sys/net/bridge/bridge-nf-call-ip6tables", "1\n", "rw-r--r--");
        file(root, "/proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/swapfile file 1048572 0 -2\n", "r--r--r--");
        file(root, "/proc/net/ip_tables_names", "nat\nfilter\n", "r--r--r--");
        // NodeShell's rm reads the node's mounts from this file; the real rm meets the real bind mount (MOUNTED)
        file(root, "/proc/mounts", "/dev/sda1 / ext4 rw 0 0\n" + (start == Start.MOUNTED ? "/dev/sda1 " + VOLUME
                + " ext4 rw 0 0\n" : start == Start.TMPFS ? "tmpfs " + VOLUME + " tmpfs rw 0 0\n" : ""), "r--r--r--");
        file(root, "/run/systemd/resolve/resolv.conf", "nameserver 127.0.0.53\n", "rw-r--r--");
        file(root, p.caCert(), "old ca\n", "rw-r--r--");
        file(root, p.kubeletConfig(), "kind: KubeletConfiguration\n", "rw-------");
        file(root, p.kubeProxyKey(), "key\n", "rw-------");
        file(root, p.kubeletBootstrapKubeconfig(), "bootstrap\n", "rw-------");
        file(root, p.kubeletKubeconfig(), "kubeconfig\n", "rw-------");
        String pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN EC PRIVATE KEY-----\nsecret\n-----END EC PRIVATE KEY-----\n";
        file(root, p.kubeletClientCurrent(), pem, "rw-------");
        file(root, p.certDir() + "/kubelet-client-2026-12-05-20-00-00.pem", pem, "rw-------");
        file(root, p.certDir() + "/kubelet-server-current.pem", pem, "rw-------");
        file(root, p.kubeProxyCert(), "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n", "rw-r--r--");
        file(root, p.kubeProxyConfig(), "mode: iptables\n", "rw-r--r--");
        file(root, p.kubeletBinary(), "#!/bin/sh\nexit 0\n", "rwxr-xr-x");
        file(root, p.kubeProxyBinary(), "#!/bin/sh\nexec kube-proxy-shim \"$@\"\n", "rwxr-xr-x");
        file(root, p.kubeletRootDir() + "/pods/p1/volumes/v/data", "pod data\n", "rw-r--r--");
        file(root, p.kubeProxyWorkDir() + "/state", "x\n", "rw-r--r--");
        for (String u : List.of("kubelet", "kube-proxy")) {
            Files.writeString(state.resolve("active-" + u), "");
            Files.writeString(state.resolve("enabled-" + u), "");
        }
        Files.writeString(state.resolve("journal-kubelet"), "I1205 20:00:00.000000 1 server.go:1] \"Started kubelet\"\n");
        Files.writeString(state.resolve("listen-10250"), "");
        Files.writeString(state.resolve("healthz-10248"), "ok");
        Files.writeString(state.resolve("healthz-10256"), "ok");
        Files.writeString(state.resolve("nat"), "-A KUBE-SERVICES -d " + ScriptCatalog.VIP + "/32 -p tcp -m comment --comment \"default/kubernetes:https cluster IP\" -j KUBE-SVC-NPX46M4PTMTKRN6Y\n");
        Files.writeString(state.resolve("ipvs"), "TCP  " + ScriptCatalog.VIP + ":443 rr\n");
    }

    /** NodeShell's programs: the same shims, run for real; a node path names a program inside the node. */
    static NodePrograms programs(Path root, Path bin) {
        NodePrograms run = runner(root, bin);
        return new NodePrograms() {
            @Override
            public ExecResult run(String program, List<String> args, String stdin) {
                return run.run(program, args, stdin);
            }

            /** As sh's command -v: the shims first, then this machine's PATH (sh's finds its programs too). */
            @Override
            public String which(String program) {
                for (String dir : (bin + ":/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
                    Path p = Path.of(dir, program);
                    if (Files.isExecutable(p) && !Files.isDirectory(p)) return p.toString();
                }
                return null;
            }
        };
    }

    private static NodePrograms runner(Path root, Path bin) {
        return (program, args, stdin) -> {
            Path exe = program.startsWith("/") ? at(root, program) : bin.resolve(program);
            if (program.contains("/") && !program.startsWith("/") || !Files.isExecutable(exe) || Files.isDirectory(exe)) return null;
            try {
                List<String> cmd = new ArrayList<>();
                cmd.add(exe.toString());
                cmd.addAll(args);
                ProcessBuilder pb = new ProcessBuilder(cmd);
                pb.environment().put("PATH", bin + ":/usr/sbin:/usr/bin:/sbin:/bin");
                Process proc = pb.start();
                try (var in = proc.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // the program did not read it all
                }
                var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return new String(proc.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        return "";
                    }
                });
                String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                return new ExecResult(proc.waitFor(), out, err.join());
            } catch (IOException e) {
                return new ExecResult(126, "", e.getMessage() + "\n");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new ExecResult(130, "", "interrupted\n");
            }
        };
    }

    /**
     * Every file and folder below {@code root} but the shims: type, mode and content, node paths un-rooted; with the
     * files of {@code seed} (null: none), the folder bind-mounted at {@link #VOLUME} under sh, in its place.
     */
    static Map<String, String> tree(Path root, String rootText, Path seed) throws IOException {
        Map<String, String> out = new TreeMap<>();
        List<Path> all;
        try (Stream<Path> below = Files.walk(root)) {
            all = new ArrayList<>(below.toList());
        }
        if (seed != null && !seed.startsWith(root)) {
            try (Stream<Path> below = Files.walk(seed)) {
                all.addAll(below.toList());
            }
        }
        for (Path f : all) {
            String node;
            if (seed != null && f.startsWith(seed)) {
                node = VOLUME + (f.equals(seed) ? "" : "/" + seed.relativize(f));
            } else {
                Path rel = root.relativize(f);
                if (rel.startsWith(SH_WORLD_MARKER)) continue;
                node = "/" + rel;
                if (seed != null && node.equals(VOLUME)) continue; // the mount point: the seed's files are shown
            }
            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS));
            String what = a.isDirectory() ? "dir " + mode : a.isOther() ? "socket" : a.isSymbolicLink() ? "link " + Files.readSymbolicLink(f)
                    : "file " + mode + " " + (rootText.isEmpty() ? Files.readString(f, StandardCharsets.ISO_8859_1)
                    : Files.readString(f, StandardCharsets.ISO_8859_1).replace(rootText, ""));
            out.put(node, what);
        }
        return out;
    }

    private static boolean isSocket(Path root, String nodePath) {
        try {
            return Files.readAttributes(at(root, nodePath), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther();
        } catch (IOException e) {
            return false;
        }
    }

    private static Path at(Path root, String nodePath) {
        return root.resolve(nodePath.substring(1));
    }

    private static void file(Path root, String nodePath, String content, String mode) throws IOException {
        Path f = at(root, nodePath);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
    }

    private static void shim(Path bin, String name, String script) throws IOException {
        Path f = bin.resolve(name);
        Files.writeString(f, script);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void socket(Path root, String nodePath) throws IOException {
        Path f = at(root, nodePath);
        Files.createDirectories(f.getParent());
        try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(f));
        }
    }
}
