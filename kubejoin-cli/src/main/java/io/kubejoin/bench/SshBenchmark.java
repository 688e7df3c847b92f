package io.kubejoin.bench;

import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.InventoryLoader;
import io.kubejoin.inventory.Node;
import io.kubejoin.pki.CaConfig;
import io.kubejoin.pki.CaGenerator;
import io.kubejoin.pki.CertificateAuthority;
import io.kubejoin.pki.KeySpec;
import io.kubejoin.remote.script.Sh;
import io.kubejoin.remote.script.StartScripts;
import io.kubejoin.render.ModulesLoadRenderer;
import io.kubejoin.render.NodeFiles;
import io.kubejoin.sandbox.api.SandboxApiServer;
import io.kubejoin.sandbox.tls.SandboxCa;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code kubejoin bench ssh --nodes N}: N real Debian sshd nodes on 127.0.0.1 ({@link OpenSshNode#isolated}, each in
 * mount and PID namespaces of its own), the same files and start commands pushed once by parallel-ssh (Debian's
 * pssh, scripted as an operator would) and once by an ordinary {@code kubejoin join} in a process of its own (the
 * phases that need a kubelet or check the host skipped, as {@code JoinOverOpenSshMeasurement}), each tool on fresh
 * nodes; both verified file by file (sha256 and mode) on every node against kubejoin's own render.
 *
 * <p>How each figure is taken:
 * <ul>
 * <li>wall: the tool's run, from this JVM (the machine may be shared: compare CPU, not wall).
 * <li>controller CPU: parallel-ssh — the operator's script under {@code /usr/bin/time}, whose user + system time is
 * that of the script and every process it waited for (pssh's Python, each ssh and scp, xargs); kubejoin — the join
 * process's own CPU at its exit ({@link ProcessStats}), JVM start included; a {@code kubejoin --version} with the same
 * flags gives the JVM start apart.
 * <li>node CPU: each node's sshd is PID 1 of its namespace and reaps every process there; the difference of its
 * utime + stime + cutime + cstime before and after the run, once no session is left, is all the node spent.
 * <li>logins, sessions: sshd's log (LogLevel VERBOSE): "Accepted publickey" lines, "Starting session:" lines (one per
 * exec or subsystem channel). Processes: the node's PID namespace's last PID before and after.
 * <li>bytes sent: TCP payload from the tools to the nodes, counted by a {@link ByteCountingRelay} in front of each
 * sshd (sshd logs its own counters only when it ends a connection itself, which it does not for OpenSSH clients).
 * parallel-scp always runs {@code scp -qC}: its files travel zlib-compressed (random binaries do not shrink), and
 * its CPU figures include that.
 * </ul>
 */
public final class SshBenchmark {
    static final Set<String> SKIPPED = Set.of("node-preflight", "wait-ready", "verify");

    public record Settings(int nodes, int parallel, int binaryMiB, Path dir, String joinHeap, boolean keepFiles) {
    }

    /** One tool's run over its N nodes. */
    public record ToolFigures(String tool, int nodes, double wallSeconds, double controllerCpuSeconds,
                              double nodeCpuSeconds, SshdLog.Figures log, long processes, long bytesToNodes,
                              long bytesFromNodes, int verified,
                              List<String> problems, int exitCode) {
        double perNode(double v) {
            return nodes == 0 ? 0 : v / nodes;
        }
    }

    public record Result(Settings settings, String load, ToolFigures pssh, ToolFigures kubejoin, double jvmStartCpuSeconds,
                         double jvmStartWallSeconds, String classArchive) {
        public boolean ok() {
            return pssh.verified() == pssh.nodes() && kubejoin.verified() == kubejoin.nodes()
                    && pssh.exitCode() == 0 && kubejoin.exitCode() == 0;
        }

        public String format() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("kubejoin bench ssh: %d nodes, binaries %d MiB + %d MiB, parallel %d; load before: %s%n",
                    settings.nodes(), settings.binaryMiB(), settings.binaryMiB() * 4 / 5, settings.parallel(), load));
            sb.append(String.format("%-12s %7s %9s %9s %9s %9s %7s %9s %7s %9s %9s%n", "TOOL", "WALL", "CTRL-CPU",
                    "CTRL/NODE", "NODE-CPU", "NODE/NODE", "LOGINS", "SESSIONS", "PROCS", "MiB-SENT", "VERIFIED"));
            for (ToolFigures t : List.of(pssh, kubejoin)) {
                sb.append(String.format("%-12s %6.1fs %8.1fs %8.3fs %8.1fs %8.3fs %7.1f %9.1f %7.1f %9.1f %9s%n",
                        t.tool(), t.wallSeconds(), t.controllerCpuSeconds(), t.perNode(t.controllerCpuSeconds()),
                        t.nodeCpuSeconds(), t.perNode(t.nodeCpuSeconds()), t.perNode(t.log().logins()),
                        t.perNode(t.log().sessions()), t.perNode(t.processes()), t.bytesToNodes() / 1048576.0,
                        t.verified() + "/" + t.nodes()));
            }
            sb.append("LOGINS, SESSIONS (exec/subsystem channels), PROCS (processes started on the node) are per node; "
                    + "MiB-SENT is the total sent to the nodes (TCP payload, counted by a relay in front of each sshd).\n");
            for (ToolFigures t : List.of(pssh, kubejoin)) {
                sb.append(String.format("%s sessions by kind: %s%n", t.tool(), t.log().sessionKinds()));
            }
            sb.append(String.format("kubejoin JVM start: %.2f s CPU, %.2f s wall ('kubejoin --version', same JVM flags; "
                    + "inside kubejoin's CTRL-CPU, which is the whole join process)%n", jvmStartCpuSeconds, jvmStartWallSeconds));
            sb.append("kubejoin class archive (as ./kubejoin join maps it after the first run): ").append(classArchive).append('\n');
            sb.append(String.format("ratios: controller CPU per node kubejoin/parallel-ssh %.3f (goal <= 0.05), node CPU "
                            + "per node kubejoin/parallel-ssh %.2f (goal <= 1)%n",
                    ratio(kubejoin.controllerCpuSeconds(), pssh.controllerCpuSeconds()),
                    ratio(kubejoin.nodeCpuSeconds(), pssh.nodeCpuSeconds())));
            for (ToolFigures t : List.of(pssh, kubejoin)) {
                for (String p : t.problems().stream().limit(10).toList()) sb.append(t.tool()).append(": ").append(p).append('\n');
            }
            sb.append("files: ").append(settings.dir()).append('\n');
            return sb.toString();
        }
    }

    static double ratio(double a, double b) {
        return b == 0 ? 0 : a / b;
    }

    /**
     * An expected file on a node: destination, mode (octal), sha256; a release binary also its source, which the node's
     * copy is compared with byte by byte (hashing 90 MiB a node with C1's SHA-256, ~100 MB/s, took this JVM 45 s after
     * a 50-node run and 3 minutes after each tool's 200-node run; the comparison reads both files at page-cache speed).
     */
    record Expected(String destination, String mode, String sha256, long size, Path source) {
        Expected(String destination, String mode, String sha256, long size) {
            this(destination, mode, sha256, size, null);
        }
    }

    private SshBenchmark() {
    }

    public static Result run(Settings s, PrintWriter progress) throws IOException, InterruptedException {
        Optional<String> missing = OpenSshNode.sshdMissing().or(OpenSshNode::isolationMissing)
                .or(() -> onPath("parallel-ssh") && onPath("parallel-scp") && Files.isExecutable(Path.of("/usr/bin/time"))
                        ? Optional.<String>empty()
                        : Optional.of("parallel-ssh, parallel-scp (apt-get install pssh) and /usr/bin/time "
                                + "(apt-get install time) are needed"));
        if (missing.isPresent()) throw new IOException("cannot run the benchmark: " + missing.get());
        Path dir = s.dir().toAbsolutePath();
        Files.createDirectories(dir);
        String load = Files.readString(Path.of("/proc/loadavg")).strip().replaceAll("^(\\S+ \\S+ \\S+).*", "$1")
                + " on " + Runtime.getRuntime().availableProcessors() + " CPUs";
        Path keys = Files.createDirectories(dir.resolve("keys"));
        Path key = keys.resolve("id_ed25519");
        Files.deleteIfExists(key);
        Files.deleteIfExists(Path.of(key + ".pub"));
        exec(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString()), dir.resolve("keygen.log"));
        Path pki = Files.createDirectories(dir.resolve("pki"));
        CaGenerator.GeneratedCa generated = CaGenerator.generate("kubejoin-bench-ca", KeySpec.ECDSA_256, Duration.ofDays(3650),
                Instant.now());
        Files.writeString(pki.resolve("ca-key.pem"), generated.privateKeyPem());
        Files.setPosixFilePermissions(pki.resolve("ca-key.pem"), PosixFilePermissions.fromString("rw-------"));
        Files.writeString(pki.resolve("ca.pem"), generated.certificatePem());
        Files.writeString(pki.resolve("ca-config.json"), CaConfig.ARTICLE_JSON);
        CertificateAuthority ca = CertificateAuthority.load(pki.resolve("ca.pem"), "pki.caCert", pki.resolve("ca-key.pem"),
                "pki.caKey");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        // stand-ins of the release binaries' size (real kubelet ~50 MiB, kube-proxy ~40 MiB), incompressible
        writeBinary(bin.resolve("kubelet"), (long) s.binaryMiB() << 20, 1);
        writeBinary(bin.resolve("kube-proxy"), ((long) s.binaryMiB() << 20) * 4 / 5, 2);
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("java.class.path");
        try (SandboxApiServer api = SandboxApiServer.start(SandboxApiServer.Options.defaults().withGitVersion("v1.34.2")
                .withCa(SandboxCa.of(ca)))) {
            Path kubeconfig = dir.resolve("admin.kubeconfig");
            api.writeAdminKubeconfig(kubeconfig);
            Path inventory = dir.resolve("inventory.yaml");
            Path knownHosts = dir.resolve("known_hosts");

            // parallel-ssh first, on nodes of its own; the files come from kubejoin's render of the same inventory
            List<BenchNode> psshNodes = startNodes(dir.resolve("pssh-nodes"), s.nodes(), key, progress);
            ToolFigures pssh;
            Optional<ClassArchive> archive;
            try {
                writeInventory(inventory, api.url(), pki, key, knownHosts, bin, psshNodes);
                Files.writeString(knownHosts, knownHostsOf(psshNodes));
                progress.println("rendering the files with kubejoin render (not timed)");
                progress.flush();
                Path rendered = dir.resolve("render");
                List<String> render = new ArrayList<>(List.of(java));
                render.addAll(JvmFlags.forCommand("render", dir.resolve("jvm")));
                render.addAll(List.of("-cp", classpath, "io.kubejoin.cli.Main", "render", "-f", inventory.toString(), "-o",
                        rendered.toString()));
                int rc = exec(render, dir.resolve("render.log"));
                if (rc != 0) throw new IOException("kubejoin render failed (exit " + rc + "); see " + dir.resolve("render.log"));
                Inventory inv = InventoryLoader.load(inventory);
                Map<String, List<Expected>> expected = expected(rendered.resolve("manifest.json"), inv, bin);
                // KUBEJOIN_BENCH_SKIP_PSSH=1: kubejoin's side only, for quicker iterations on it (the table shows
                // parallel-ssh's row as not run, and the ratios as 0)
                pssh = "1".equals(System.getenv("KUBEJOIN_BENCH_SKIP_PSSH"))
                        ? new ToolFigures("parallel-ssh (not run)", psshNodes.size(), 0, 0, 0, SshdLog.Figures.NONE, 0, 0,
                                0, psshNodes.size(), List.of(), 0)
                        : runPssh(s, dir.resolve("pssh"), inv, rendered, expected, psshNodes, key, knownHosts, progress);
                archive = ClassArchive.of("join", classpath, Path.of(java));
                if (archive.isPresent() && !archive.get().exists()) {
                    warmUp(archive.get(), java, classpath, dir, api.url(), pki, key, knownHosts, bin, kubeconfig, psshNodes,
                            progress);
                }
            } finally {
                closeAll(psshNodes, s.keepFiles());
            }

            List<BenchNode> kjNodes = startNodes(dir.resolve("kubejoin-nodes"), s.nodes(), key, progress);
            ToolFigures kj;
            double[] start;
            try {
                writeInventory(inventory, api.url(), pki, key, knownHosts, bin, kjNodes);
                Files.writeString(knownHosts, knownHostsOf(kjNodes));
                Inventory inv = InventoryLoader.load(inventory);
                Map<String, List<Expected>> expected = expected(dir.resolve("render/manifest.json"), inv, bin);
                // the launcher's flags for join (JvmFlags), so the figures are a user's
                List<String> jvm = new ArrayList<>(List.of(java));
                jvm.addAll(JvmFlags.forCommand("join", dir.resolve("jvm")));
                if (s.joinHeap() != null && !s.joinHeap().isBlank()) jvm.add("-Xmx" + s.joinHeap()); // over the table's
                // and the launcher's class archive of join, as every join after a user's first maps it
                archive.filter(ClassArchive::exists).ifPresent(a -> jvm.addAll(a.useFlags()));
                // extra JVM flags for the timed join (a profiler, say): KUBEJOIN_BENCH_JOIN_OPTS
                String opts = System.getenv("KUBEJOIN_BENCH_JOIN_OPTS");
                start = jvmStart(jvm, classpath, dir);
                if (opts != null && !opts.isBlank()) jvm.addAll(List.of(opts.trim().split("\\s+")));
                kj = runKubejoin(s, dir.resolve("kubejoin"), jvm, classpath, inventory, kubeconfig, expected, kjNodes, progress);
            } finally {
                closeAll(kjNodes, s.keepFiles());
            }
            String cds = archive.isEmpty() ? ClassArchive.NONE
                    : archive.get().exists() ? archive.get().file().toString()
                    : "none (the untimed first join did not leave one; see " + dir.resolve("warm-up/join.log") + ")";
            return new Result(new Settings(s.nodes(), s.parallel(), s.binaryMiB(), dir, s.joinHeap(), s.keepFiles()), load,
                    pssh, kj, start[0], start[1], cds);
        }
    }

    /**
     * The launcher's first join: an untimed join of up to 3 of parallel-ssh's nodes, under other node names (their
     * own tokens and state folder), that dumps the class archive at its exit, kept only when it exits 0.
     */
    private static void warmUp(ClassArchive archive, String java, String classpath, Path dir, String apiUrl, Path pki,
                               Path key, Path knownHosts, Path bin, Path kubeconfig, List<BenchNode> nodes,
                               PrintWriter progress) throws IOException, InterruptedException {
        Path work = Files.createDirectories(dir.resolve("warm-up"));
        Path inventory = work.resolve("inventory.yaml");
        writeInventory(inventory, apiUrl, pki, key, knownHosts, bin, nodes.subList(0, Math.min(3, nodes.size())), "warm-");
        progress.printf("making join's class archive %s: a first join of %d nodes (not timed)%n", archive.file(),
                Math.min(3, nodes.size()));
        progress.flush();
        Path tmp = archive.dumpTarget();
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(JvmFlags.forCommand("join", dir.resolve("jvm")));
        cmd.addAll(ClassArchive.dumpFlags(tmp));
        cmd.addAll(List.of("-cp", classpath, "io.kubejoin.cli.Main", "join", "-f", inventory.toString(), "--kubeconfig",
                kubeconfig.toString(), "--skip-phases", String.join(",", new java.util.TreeSet<>(SKIPPED)), "--plain",
                "--request-timeout", "60s"));
        try {
            if (exec(cmd, work.resolve("join.log")) == 0) archive.keep(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        return Stream.of(path.split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    private static void writeBinary(Path file, long size, long seed) throws IOException {
        Random r = new Random(seed);
        byte[] chunk = new byte[1 << 20];
        try (var out = Files.newOutputStream(file)) {
            for (long left = Math.max(1, size); left > 0; left -= chunk.length) {
                r.nextBytes(chunk);
                out.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** A node and the relay in front of it: the tools connect to the relay's port. */
    record BenchNode(OpenSshNode sshd, ByteCountingRelay relay) {
        int port() {
            return relay.port();
        }
    }

    private static List<BenchNode> startNodes(Path base, int n, Path key, PrintWriter progress)
            throws IOException, InterruptedException {
        progress.printf("starting %d sshd nodes under %s%n", n, base);
        progress.flush();
        List<BenchNode> nodes = new ArrayList<>();
        try {
            for (int i = 1; i <= n; i++) {
                OpenSshNode sshd = OpenSshNode.isolated(Files.createDirectories(base.resolve("node-" + i)),
                        List.of(Path.of(key + ".pub")));
                try {
                    nodes.add(new BenchNode(sshd, new ByteCountingRelay(sshd.port)));
                } catch (IOException e) {
                    sshd.close();
                    throw e;
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            closeAll(nodes, true);
            throw e;
        }
        return nodes;
    }

    private static void closeAll(List<BenchNode> nodes, boolean keepFiles) throws InterruptedException {
        for (BenchNode n : nodes) {
            n.sshd().close();
            try {
                n.relay().close();
            } catch (IOException e) {
                // its port is freed with this JVM
            }
        }
        if (keepFiles) return;
        // the pushed binaries are the bulk (N times their size): the logs and sshd's files stay
        for (BenchNode n : nodes) deleteTree(n.sshd().root());
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        } catch (IOException e) {
            // leaves a folder behind in the bench's own folder; the figures are not affected
        }
    }

    private static String knownHostsOf(List<BenchNode> nodes) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (BenchNode n : nodes) sb.append(n.sshd().knownHostsLine(n.port()));
        return sb.toString();
    }

    private static void writeInventory(Path file, String apiUrl, Path pki, Path key, Path knownHosts, Path bin,
                                       List<BenchNode> nodes) throws IOException {
        writeInventory(file, apiUrl, pki, key, knownHosts, bin, nodes, "node-");
    }

    private static void writeInventory(Path file, String apiUrl, Path pki, Path key, Path knownHosts, Path bin,
                                       List<BenchNode> nodes, String namePrefix) throws IOException {
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < nodes.size(); i++) {
            list.append("  - { name: ").append(namePrefix).append(i + 1).append(", address: 127.0.0.1, ssh: { port: ")
                    .append(nodes.get(i).port()).append(" } }\n");
        }
        // 1.34: a release whose kube-proxy starts with the kubelet, by one script (VersionRules, issue 17);
        // sandbox: true lets the nodes share 127.0.0.1; dataDir under /opt, which the nodes overlay; resolvConf given,
        // so the join's render is the same as kubejoin render's whatever the node runs (no node-preflight here)
        Files.writeString(file, """
                kubernetesVersion: "1.34.2"
                apiServer: %s
                sandbox: true
                pki: { caCert: %s/ca.pem, caKey: %s/ca-key.pem, caConfig: %s/ca-config.json }
                paths: { dataDir: /opt/k8s/data, binDir: /opt/k8s/bin }
                kubelet: { config: { resolvConf: /etc/resolv.conf } }
                kubeProxy: { mode: iptables }
                ssh: { user: root, identityFile: %s, knownHosts: %s }
                binaries: { dir: %s }
                nodes:
                %s""".formatted(apiUrl, pki, pki, pki, key, knownHosts, bin, list));
    }

    /** Per node: the render's files (manifest.json) and the two binaries, mode 0755. */
    static Map<String, List<Expected>> expected(Path manifest, Inventory inv, Path bin) throws IOException {
        Map<String, List<Expected>> m = new LinkedHashMap<>();
        JsonNode root = JsonMapper.builder().build().readTree(Files.readString(manifest));
        for (JsonNode f : root.path("files")) {
            String node = f.path("node").asString();
            if (node.equals("cluster")) continue;
            m.computeIfAbsent(node, k -> new ArrayList<>()).add(new Expected(f.path("destination").asString(),
                    f.path("mode").asString(), f.path("sha256").asString(), f.path("size").asLong()));
        }
        String kubelet = sha256(bin.resolve("kubelet"));
        String proxy = sha256(bin.resolve("kube-proxy"));
        for (Node n : inv.nodes()) {
            NodeFiles paths = new NodeFiles(inv.paths());
            List<Expected> l = m.computeIfAbsent(n.name(), k -> new ArrayList<>());
            l.add(new Expected(paths.kubeletBinary(), "0755", kubelet, Files.size(bin.resolve("kubelet")), bin.resolve("kubelet")));
            l.add(new Expected(paths.kubeProxyBinary(), "0755", proxy, Files.size(bin.resolve("kube-proxy")),
                    bin.resolve("kube-proxy")));
        }
        return m;
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) d.update(buf, 0, r);
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Each node's files against what was expected; returns the nodes that have all of them right. */
    private static int verify(List<BenchNode> nodes, Inventory inv, Map<String, List<Expected>> expected,
                              List<String> problems) throws IOException {
        int ok = 0;
        for (int i = 0; i < nodes.size(); i++) {
            String name = inv.nodes().get(i).name();
            List<String> own = new ArrayList<>();
            for (Expected e : expected.getOrDefault(name, List.of())) {
                Path f = nodes.get(i).sshd().root().resolve(e.destination().substring(1));
                if (!Files.isRegularFile(f)) {
                    own.add(name + ": " + e.destination() + " missing");
                } else if (!sameContent(e, f)) {
                    own.add(name + ": " + e.destination() + " has other content");
                } else if (!mode(f).equals(e.mode())) {
                    own.add(name + ": " + e.destination() + " mode " + mode(f) + ", expected " + e.mode());
                }
            }
            if (expected.getOrDefault(name, List.of()).isEmpty()) own.add(name + ": nothing expected (render?)");
            if (own.isEmpty()) ok++;
            problems.addAll(own);
        }
        return ok;
    }

    /** The node's file has the expected bytes: its size, then its source's bytes, or else its sha256. */
    static boolean sameContent(Expected e, Path f) throws IOException {
        if (Files.size(f) != e.size()) return false;
        return e.source() != null ? Files.mismatch(e.source(), f) == -1 : sha256(f).equals(e.sha256());
    }

    static String mode(Path f) throws IOException {
        int m = 0;
        for (PosixFilePermission p : Files.getPosixFilePermissions(f)) m |= 1 << (8 - p.ordinal());
        return String.format("%04o", m);
    }

    private record NodeBaseline(long[] ticks, long[] pids) {
        static NodeBaseline of(List<BenchNode> nodes) throws IOException, InterruptedException {
            long[] t = new long[nodes.size()];
            long[] p = new long[nodes.size()];
            for (int i = 0; i < nodes.size(); i++) {
                t[i] = nodes.get(i).sshd().cpuTicks();
                p[i] = nodes.get(i).sshd().lastPid();
            }
            return new NodeBaseline(t, p);
        }
    }

    /** Node CPU seconds and processes since the baseline, once every session has ended. */
    private static double[] nodeFigures(List<BenchNode> nodes, NodeBaseline before, List<String> problems)
            throws IOException, InterruptedException {
        long ticks = 0;
        long procs = 0;
        for (int i = 0; i < nodes.size(); i++) {
            OpenSshNode n = nodes.get(i).sshd();
            if (!n.awaitIdle(30_000)) problems.add(n.dir + ": sessions still running 30 s after the run; CPU incomplete");
            ticks += n.cpuTicks() - before.ticks()[i];
            // less one: the reading's own process
            procs += n.lastPid() - before.pids()[i] - 1;
        }
        return new double[] {ticks / 100.0, procs};
    }

    private static long toNodes(List<BenchNode> nodes) {
        return nodes.stream().mapToLong(n -> n.relay().toNode()).sum();
    }

    private static long fromNodes(List<BenchNode> nodes) {
        return nodes.stream().mapToLong(n -> n.relay().fromNode()).sum();
    }

    private static SshdLog.Figures logs(List<BenchNode> nodes) throws IOException {
        SshdLog.Figures sum = SshdLog.Figures.NONE;
        for (BenchNode n : nodes) sum = sum.plus(SshdLog.parse(n.sshd().log()));
        return sum;
    }

    // --- parallel-ssh -----------------------------------------------------------------------------------------

    private static ToolFigures runPssh(Settings s, Path work, Inventory inv, Path rendered, Map<String, List<Expected>> expected,
                                       List<BenchNode> nodes, Path key, Path knownHosts, PrintWriter progress)
            throws IOException, InterruptedException {
        Files.createDirectories(work);
        Path hosts = work.resolve("hosts");
        Files.writeString(hosts, nodes.stream().map(n -> "root@127.0.0.1:" + n.port() + "\n").collect(Collectors.joining()));
        Path ports = work.resolve("node-ports");
        StringBuilder np = new StringBuilder();
        for (int i = 0; i < nodes.size(); i++) np.append(inv.nodes().get(i).name()).append(' ').append(nodes.get(i).port()).append('\n');
        Files.writeString(ports, np);
        Path script = work.resolve("push.sh");
        Files.writeString(script, psshScript(s.parallel(), inv, rendered, expected, hosts, ports, key, knownHosts, work));
        Path time = work.resolve("time.txt");
        progress.printf("timing: parallel-ssh/parallel-scp (%s) on %d nodes%n", script, nodes.size());
        progress.flush();
        NodeBaseline before = NodeBaseline.of(nodes);
        long t0 = System.nanoTime();
        int rc = exec(List.of("/usr/bin/time", "-f", "%e %U %S", "-o", time.toString(), "sh", script.toString()),
                work.resolve("push.log"));
        double wall = (System.nanoTime() - t0) / 1e9;
        List<String> problems = new ArrayList<>();
        if (rc != 0) problems.add("the script exited " + rc + "; see " + work.resolve("push.log") + " and " + work.resolve("err"));
        String[] t = Files.readString(time).strip().split("\\s+");
        // the last line: a failing command makes time print "Command exited with non-zero status" first
        int k = t.length - 3;
        double cpu = Double.parseDouble(t[k + 1]) + Double.parseDouble(t[k + 2]);
        double[] node = nodeFigures(nodes, before, problems);
        int verified = verify(nodes, inv, expected, problems);
        return new ToolFigures("parallel-ssh", nodes.size(), wall, cpu, node[0], logs(nodes), (long) node[1], toNodes(nodes), fromNodes(nodes), verified,
                problems, rc);
    }

    /**
     * The operator's script: mkdir, one parallel-scp per destination folder of the files that are the same on every
     * node, the files that differ per node (bootstrap kubeconfig, kubelet unit, kube-proxy config) with one scp per
     * node into a staging folder (pssh has no per-host files), then one parallel-ssh that moves them into place, sets
     * every mode and runs kubejoin's own start steps, daemon-reload, enable and restart.
     */
    static String psshScript(int parallel, Inventory inv, Path rendered, Map<String, List<Expected>> expected, Path hosts,
                             Path ports, Path key, Path knownHosts, Path work) {
        Node first = inv.nodes().get(0);
        NodeFiles paths = new NodeFiles(inv.paths());
        String stage = inv.paths().binDir() + "/.stage";
        List<Expected> files = expected.get(first.name());
        Map<String, String> shared = new TreeMap<>(); // destination -> local source, same bytes on every node
        List<String> perNode = new ArrayList<>();
        for (Expected e : files) {
            boolean same = expected.values().stream().allMatch(l -> l.stream()
                    .anyMatch(o -> o.destination().equals(e.destination()) && o.sha256().equals(e.sha256())));
            boolean binary = e.destination().equals(paths.kubeletBinary()) || e.destination().equals(paths.kubeProxyBinary());
            String src = binary ? inv.binaries().dir().resolve(e.destination().substring(e.destination().lastIndexOf('/') + 1)).toString()
                    : rendered.resolve(first.name()).resolve(e.destination().substring(1)).toString();
            if (same) shared.put(e.destination(), src);
            else perNode.add(e.destination());
        }
        Map<String, List<String>> byFolder = new TreeMap<>();
        shared.forEach((dest, src) -> byFolder.computeIfAbsent(parent(dest), k -> new ArrayList<>()).add(src));
        List<String> folders = new ArrayList<>(byFolder.keySet());
        for (String d : perNode) if (!folders.contains(parent(d))) folders.add(parent(d));
        folders.add(stage);
        String ssh = "-O IdentityFile=" + key + " -O UserKnownHostsFile=" + knownHosts
                + " -O StrictHostKeyChecking=yes -O BatchMode=yes -X -F -X /dev/null";
        String common = "-h " + hosts + " -p " + parallel + " -t 0 -e " + work.resolve("err");
        StringBuilder sb = new StringBuilder("#!/bin/sh\n# kubejoin bench ssh: the same files and start commands as kubejoin's join, "
                + "with parallel-ssh\nset -eu\n");
        sb.append("parallel-ssh ").append(common).append(' ').append(ssh).append(" -- ")
                .append(Sh.quote("mkdir -p " + folders.stream().map(Sh::quote).collect(Collectors.joining(" ")))).append('\n');
        byFolder.forEach((folder, srcs) -> sb.append("parallel-scp ").append(common).append(' ').append(ssh).append(' ')
                .append(srcs.stream().map(Sh::quote).collect(Collectors.joining(" "))).append(' ').append(Sh.quote(folder + "/")).append('\n'));
        // per node: one scp of its own files (pssh copies the same files to every host)
        String locals = perNode.stream().map(d -> Sh.quote(rendered + "/") + "\"$0\"" + Sh.quote(d))
                .collect(Collectors.joining(" "));
        // with one node every file is "the same on every node": then there is nothing per node
        if (!perNode.isEmpty()) sb.append("xargs -P ").append(parallel).append(" -n 2 sh -ec ").append(Sh.quote(
                "scp -q -F /dev/null -o IdentityFile=" + key + " -o UserKnownHostsFile=" + knownHosts
                        + " -o StrictHostKeyChecking=yes -o BatchMode=yes -P \"$1\" " + locals + " root@127.0.0.1:"
                        + stage + "/")).append(" < ").append(Sh.quote(ports.toString())).append('\n');
        List<String> last = new ArrayList<>();
        for (String d : perNode) last.add("mv " + Sh.quote(stage + "/" + d.substring(d.lastIndexOf('/') + 1)) + " " + Sh.quote(d));
        for (Expected e : files) last.add("chmod " + e.mode() + " " + Sh.quote(e.destination()));
        last.add("rmdir " + Sh.quote(stage));
        last.addAll(StartScripts.kubeletSteps(paths.kubeletVolumePluginDir(), paths.kubeletRootDir(), paths.staticPodPath()));
        last.addAll(StartScripts.kubeProxySteps(paths.kubeProxyWorkDir(), ModulesLoadRenderer.modules(inv, first)));
        last.add(StartScripts.DAEMON_RELOAD);
        last.add("systemctl enable kubelet kube-proxy");
        last.add("systemctl restart kubelet kube-proxy");
        last.add("systemctl is-active --quiet kubelet kube-proxy");
        sb.append("parallel-ssh ").append(common).append(' ').append(ssh).append(" -- ")
                .append(Sh.quote("set -e; " + String.join("; ", last))).append('\n');
        return sb.toString();
    }

    private static String parent(String destination) {
        return destination.substring(0, destination.lastIndexOf('/'));
    }

    // --- kubejoin -----------------------------------------------------------------------------------------------

    /** CPU and wall seconds of 'kubejoin --version' with the join's JVM flags: the JVM's start and end. */
    private static double[] jvmStart(List<String> jvm, String classpath, Path dir) throws IOException, InterruptedException {
        Path stats = dir.resolve("jvm-start.stats");
        List<String> cmd = new ArrayList<>(jvm);
        cmd.addAll(List.of("-D" + ProcessStats.PROPERTY + "=" + stats, "-cp", classpath, "io.kubejoin.cli.Main", "--version"));
        long t0 = System.nanoTime();
        exec(cmd, dir.resolve("jvm-start.log"));
        double wall = (System.nanoTime() - t0) / 1e9;
        return new double[] {Files.exists(stats) ? ProcessStats.read(stats).cpuSeconds() : 0, wall};
    }

    private static ToolFigures runKubejoin(Settings s, Path work, List<String> jvm, String classpath, Path inventory,
                                           Path kubeconfig, Map<String, List<Expected>> expected, List<BenchNode> nodes,
                                           PrintWriter progress) throws IOException, InterruptedException {
        Files.createDirectories(work);
        Path stats = work.resolve("join.stats");
        List<String> cmd = new ArrayList<>(jvm);
        cmd.addAll(List.of("-D" + ProcessStats.PROPERTY + "=" + stats, "-cp", classpath, "io.kubejoin.cli.Main", "join",
                "-f", inventory.toString(), "--kubeconfig", kubeconfig.toString(), "--skip-phases", String.join(",",
                        new java.util.TreeSet<>(SKIPPED)), "--parallel", Integer.toString(s.parallel()), "--plain",
                // the API server is this JVM's, beside the relays: on a loaded machine 10 s was seen to pass
                "--request-timeout", "60s"));
        progress.printf("timing: kubejoin join --skip-phases %s --parallel %d on %d nodes%n",
                String.join(",", new java.util.TreeSet<>(SKIPPED)), s.parallel(), nodes.size());
        progress.flush();
        // KUBEJOIN_BENCH_JOIN_WRAPPER: a command put before the timed join's java (say "perf stat -e instructions -o
        // FILE": instructions barely move with the machine's load, CPU seconds do)
        String wrapper = System.getenv("KUBEJOIN_BENCH_JOIN_WRAPPER");
        if (wrapper != null && !wrapper.isBlank()) cmd.addAll(0, List.of(wrapper.trim().split("\\s+")));
        NodeBaseline before = NodeBaseline.of(nodes);
        long t0 = System.nanoTime();
        int rc = exec(cmd, work.resolve("join.log"));
        double wall = (System.nanoTime() - t0) / 1e9;
        List<String> problems = new ArrayList<>();
        if (rc != 0) problems.add("kubejoin join exited " + rc + "; see " + work.resolve("join.log"));
        double cpu = Files.exists(stats) ? ProcessStats.read(stats).cpuSeconds() : 0;
        double[] node = nodeFigures(nodes, before, problems);
        Inventory inv = InventoryLoader.load(inventory);
        int verified = verify(nodes, inv, expected, problems);
        return new ToolFigures("kubejoin", nodes.size(), wall, cpu, node[0], logs(nodes), (long) node[1], toNodes(nodes), fromNodes(nodes), verified,
                problems, rc);
    }

    private static int exec(List<String> command, Path log) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        if (!p.waitFor(2, TimeUnit.HOURS)) {
            p.destroyForcibly();
            throw new IOException("timed out after 2 h: " + command.get(0) + "; see " + log);
        }
        return p.exitValue();
    }
}
