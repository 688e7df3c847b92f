package io.kubejoin.sandbox;

import io.kubejoin.remote.ExecResult;
import io.kubejoin.version.KubeVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import io.kubejoin.sandbox.kubelet.SimulatedKubeProxy;
import io.kubejoin.sandbox.kubelet.SimulatedKubelet;
import io.kubejoin.sandbox.node.Journal;
import io.kubejoin.sandbox.node.NodeKernel;
import io.kubejoin.sandbox.node.NodeKernel.Kernel;
import io.kubejoin.sandbox.node.NodePrograms;
import io.kubejoin.sandbox.node.NodeSshServer;
import io.kubejoin.sandbox.node.SimulatorRuntime;
import io.kubejoin.sandbox.node.shell.NodeShell;

/**
 * One simulated worker machine: a root folder standing for its {@code /}, an address on loopback, an SSH host key,
 * and the programs kubejoin runs on it. {@link NodeShell} runs the file commands; this class is the rest of the
 * machine: systemd ({@code systemctl}, with units enabled by the same {@code multi-user.target.wants} symlink real
 * systemd makes), journald ({@code journalctl}), {@code ss}, {@code curl} to the agents' healthz; the kernel's
 * module commands, netfilter tables and proxy-rule tools are {@link NodeKernel}'s. {@code systemctl restart kubelet} starts a {@link SimulatedKubelet}
 * that reads what was pushed, and {@code systemctl restart kube-proxy} a {@link SimulatedKubeProxy}. As real
 * systemd with kubejoin's units (Type=simple), {@code systemctl restart} returns as soon as the process is
 * started; a kubelet that exits is restarted after the unit's RestartSec when its Restart= says so, counted in
 * {@code NRestarts} ({@code systemctl show}), and {@code journalctl -u kubelet} shows every process's lines with
 * systemd's own in between.
 *
 * <p>Misbehaviour for tests: {@link #failKubelet}, {@link #forgeCsrFor}, {@link #runtimeDown}; dropping SSH
 * mid-push is the SSH server's ({@link NodeSshServer#dropConnectionDuringNextPush}).
 */
public final class SandboxNode implements NodePrograms, NodeSshServer.Endpoint {
    private final String name;
    private final String address;
    private final Path root;
    private final KubeVersion version;
    private final SimulatorRuntime runtime;
    private final String serviceVip;
    private final String runtimeSocket;
    private final NodeShell shell;
    private final NodeKernel kernel;
    private final io.kubejoin.sandbox.node.NodeHost host;
    private volatile KeyPair hostKey;
    private volatile SimulatedKubelet.Options kubeletOptions = SimulatedKubelet.Options.sandbox();
    private volatile SimulatedKubeProxy.Options kubeProxyOptions = SimulatedKubeProxy.Options.defaults();
    /**
     * How kube-proxy finds its Node: {@link Sandbox} asks its API server; a machine without one counts its Node as
     * there once its own kubelet posted Ready (never sooner than the real registration).
     */
    private volatile SimulatedKubeProxy.NodeLookup nodeLookup = this::ownKubeletsNode;
    private volatile boolean runtimeDown;
    private volatile String hostname;
    private final Object services = new Object();
    private SimulatedKubelet kubelet;
    private SimulatedKubeProxy proxy;
    private volatile String kubeletBuildSuffix = "";
    /** Each unit's runs (systemd's invocations), oldest first, the last the current one; guarded by services. */
    private final java.util.Map<String, List<Invocation>> invocations = new java.util.HashMap<>();
    /** Runs kept per unit: journald keeps a unit's earlier runs too, so its journal spans restarts. */
    private static final int INVOCATIONS_KEPT = 20;

    /**
     * @param serviceVip    the {@code kubernetes} Service's cluster IP: what a synced kube-proxy has rules for (the
     *                      real one learns it from the API server; the sandbox's API server keeps no Services)
     * @param runtimeSocket the container runtime's socket path on the node (present unless {@link #runtimeDown})
     */
    public SandboxNode(String name, String address, Path root, KeyPair hostKey, KubeVersion version,
                       SimulatorRuntime runtime, String serviceVip, String runtimeSocket) {
        this.name = Objects.requireNonNull(name);
        this.address = Objects.requireNonNull(address);
        this.root = root.toAbsolutePath().normalize();
        this.hostKey = Objects.requireNonNull(hostKey);
        this.version = Objects.requireNonNull(version);
        this.runtime = Objects.requireNonNull(runtime);
        this.serviceVip = Objects.requireNonNull(serviceVip);
        this.runtimeSocket = Objects.requireNonNull(runtimeSocket);
        this.hostname = name;
        this.kernel = new NodeKernel(this.root, version, serviceVip, this::syncedProxyMode);
        this.host = new io.kubejoin.sandbox.node.NodeHost(this.root, address, runtimeSocket);
        this.shell = NodeShell.forFolder(this.root, this, runtime.clock(), p -> p.equals(this.runtimeSocket) && !runtimeDown);
        try {
            prepareMachine();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the node folder " + this.root, e);
        }
    }

    /**
     * What a freshly installed machine has: /proc/swaps without swap, cgroup v2, /sys/module for loaded modules,
     * /etc/resolv.conf and, as on Ubuntu, systemd-resolved's /run/systemd/resolve/resolv.conf.
     */
    private void prepareMachine() throws IOException {
        Files.createDirectories(root.resolve("proc"));
        if (!Files.exists(root.resolve("proc/swaps"))) {
            Files.writeString(root.resolve("proc/swaps"), "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
        }
        Path mounts = root.resolve("proc/mounts");
        if (!Files.exists(mounts)) Files.writeString(mounts, "/dev/vda1 / ext4 rw,relatime 0 0\n");
        Files.createDirectories(root.resolve("sys/fs/cgroup"));
        Path controllers = root.resolve("sys/fs/cgroup/cgroup.controllers");
        if (!Files.exists(controllers)) Files.writeString(controllers, "cpuset cpu io memory hugetlb pids rdma misc\n");
        Files.createDirectories(root.resolve("sys/module/nf_conntrack"));
        Files.createDirectories(root.resolve("etc/systemd/system/multi-user.target.wants"));
        // the machine's name in /etc/hosts, as installers write it
        if (!Files.exists(root.resolve("etc/hosts"))) {
            Files.createDirectories(root.resolve("etc"));
            Files.writeString(root.resolve("etc/hosts"), "127.0.0.1 localhost\n" + address + " " + name + "\n");
        }
        if (!Files.exists(root.resolve("etc/resolv.conf"))) Files.writeString(root.resolve("etc/resolv.conf"), "nameserver 10.0.0.2\n");
        systemdResolved(true);
        // a machine prepared for Kubernetes, as most are before a join: forwarding on, br_netfilter loaded
        if (!Files.exists(root.resolve("proc/sys/net/ipv4/ip_forward"))) kernel.kernelSettings(true);
    }

    /**
     * The kernel settings as a prepared machine has them (true: forwarding on, br_netfilter loaded) or as a fresh
     * kernel boots (false: ip_forward 0, no /proc/sys/net/bridge/ until {@code modprobe br_netfilter}).
     */
    public void kernelSettings(boolean prepared) {
        kernel.kernelSettings(prepared);
    }

    /** With or without systemd-resolved (Debian, RHEL and Alpine have none): its resolv.conf is there or not. */
    public void systemdResolved(boolean running) throws IOException {
        Path resolved = root.resolve("run/systemd/resolve/resolv.conf");
        if (running) {
            Files.createDirectories(resolved.getParent());
            if (!Files.exists(resolved)) Files.writeString(resolved, "nameserver 10.0.0.2\n");
        } else {
            Files.deleteIfExists(resolved);
        }
    }

    public String name() {
        return name;
    }

    @Override
    public String address() {
        return address;
    }

    @Override
    public KeyPair hostKey() {
        return hostKey;
    }

    /** A reinstalled machine: kubejoin must refuse it until its known_hosts entry is updated. */
    public void replaceHostKey(KeyPair key) {
        this.hostKey = Objects.requireNonNull(key);
    }

    @Override
    public Path root() {
        return root;
    }

    public KubeVersion version() {
        return version;
    }

    @Override
    public ExecResult exec(String command) {
        return shell.run(command);
    }

    @Override
    public ExecResult exec(String command, java.io.InputStream stdin) {
        return shell.run(command, stdin);
    }

    /** The next kubelet started exits at once, as a broken binary or host would. */
    public void failKubelet(boolean fail) {
        kubeletOptions = kubeletOptions.withFailAtStart(fail);
    }

    /** The kube-proxy started next takes this long to its first sync of the service rules (default 0.5 s). */
    public void kubeProxyFirstSync(java.time.Duration firstSync) {
        kubeProxyOptions = kubeProxyOptions.withFirstSync(firstSync);
    }

    /**
     * The kubelet binary is a vendor's build of the release: the next kubelet started reports its version with this
     * suffix ({@code v1.34.2-lab}), as builds from EKS, k3s or a lab do; "" for the plain release.
     */
    public void kubeletBuildSuffix(String suffix) {
        this.kubeletBuildSuffix = Objects.requireNonNull(suffix);
    }

    /** The next kubelet started requests the client certificate of {@code otherNode} (null: its own). */
    public void forgeCsrFor(String otherNode) {
        kubeletOptions = kubeletOptions.withForgeCsrForNode(otherNode);
    }

    /**
     * The next kubelet started adds {@code ip} to its own Node status (as ExternalIP) before it files its serving
     * CSR, so the request names it too, as a kubelet with a cloud address or a lying one would (null: none).
     */
    public void reportExtraAddress(String ip) {
        kubeletOptions = kubeletOptions.withExtraStatusAddress(ip);
    }

    /** The machine's host name (`hostname`): the node name unless a test renames the machine. */
    public void hostname(String name) {
        this.hostname = Objects.requireNonNull(name);
    }

    /** Boots the machine on another kernel build (see {@link Kernel}): loaded modules are forgotten as by a reboot. */
    public void kernel(Kernel k) {
        kernel.kernel(k);
    }

    public Kernel kernel() {
        return kernel.kernel();
    }

    /** Test helper: the proxy mode whose rules the kernel holds, null when none (after the first sync). */
    public String kernelRules() {
        return kernel.kernelRules();
    }

    /**
     * A multi-homed machine whose name resolves (in /etc/hosts) to another of its addresses, e.g. a NAT interface's
     * 10.0.2.15: a kubelet without --node-ip registers that one.
     */
    public void hostnameResolvesTo(String ip) throws java.io.IOException {
        Path hosts = root.resolve("etc/hosts");
        Files.createDirectories(hosts.getParent());
        Files.writeString(hosts, "127.0.0.1 localhost\n" + ip + " " + name + "\n");
    }

    /**
     * The machine's programs, interfaces, disks and container runtime as node-preflight sees them ({@code command -v},
     * {@code ip}, {@code getent}, {@code df}, {@code containerd config dump}, {@code ctr version}, {@code docker info}):
     * a machine that passes by default, each condition breakable on its own.
     */
    public io.kubejoin.sandbox.node.NodeHost host() {
        return host;
    }

    @Override
    public String which(String program) {
        return host.which(program);
    }

    /** The container runtime is stopped: its socket is gone. */
    public void runtimeDown(boolean down) {
        this.runtimeDown = down;
    }

    private String ownKubeletsNode(String n) {
        synchronized (services) {
            return n.equals(name) && kubelet != null && kubelet.state() == SimulatedKubelet.State.READY ? address : null;
        }
    }

    /** How the next kube-proxy started looks its Node up (the sandbox: its API server). */
    public void kubeProxyNodeLookup(SimulatedKubeProxy.NodeLookup lookup) {
        nodeLookup = Objects.requireNonNull(lookup);
    }

    public SimulatedKubelet kubelet() {
        synchronized (services) {
            return kubelet;
        }
    }

    public SimulatedKubeProxy kubeProxy() {
        synchronized (services) {
            return proxy;
        }
    }

    /** Powers the machine off: both agents stop. */
    public void shutdown() {
        synchronized (services) {
            cancelKubeletRestart();
            if (kubelet != null) kubelet.stop();
            if (proxy != null) proxy.stop();
        }
        kernel.powerOff(); // the kernel's tables do not survive a power-off
    }

    @Override
    public ExecResult run(String program, List<String> args, String stdin) {
        if (host.missing(program)) return null;
        if (program.equals("iptables") && args.equals(List.of("--version"))) return host.iptables(program, args);
        return switch (program) {
            case "systemctl" -> systemctl(args);
            case "journalctl" -> journalctl(args);
            case "curl" -> curl(args);
            case "ss" -> ss(args);
            case "hostname" -> args.isEmpty() ? ok(hostname + "\n") : usage("hostname", args);
            case "umount" -> umount(args);
            case "sleep" -> sleep(args);
            case "swapoff" -> swapoff(args);
            case "iptables-legacy-save", "iptables-nft-save" -> host.iptables(program, args);
            case "getent" -> host.getent(args);
            case "ip" -> host.ip(args);
            case "df" -> host.df(args);
            case "containerd", "ctr", "docker" -> host.runtime(program, args, !runtimeDown);
            default -> kernel.run(program, args); // modprobe, iptables, the proxy-rule tools, kube-proxy --cleanup
        };
    }

    // --- systemd -------------------------------------------------------------------------------------------------

    /**
     * systemctl with one or several units per call, as the real one takes them: is-enabled and is-active print a line
     * per unit and exit 0 when ANY unit is enabled / active (systemctl-is-enabled.c, systemctl-is-active.c); enable
     * and disable act on all or, when a unit file is missing, on none; start, restart and stop go on with the other
     * units after one fails and exit with the first failure's code (systemctl-start-unit.c).
     */
    private ExecResult systemctl(List<String> args) {
        List<String> a = new ArrayList<>(args);
        boolean quiet = a.remove("--quiet");
        boolean now = a.remove("--now");
        if (a.isEmpty()) return usage("systemctl", args);
        String verb = a.get(0);
        if (verb.equals("daemon-reload")) return a.size() == 1 ? ok("") : usage("systemctl", args);
        if (verb.equals("show")) return show(a);
        if (a.size() < 2) return usage("systemctl", args);
        List<String> units = new ArrayList<>();
        for (String u : a.subList(1, a.size())) {
            String unit = u.endsWith(".service") ? u.substring(0, u.length() - 8) : u;
            if (!unit.equals("kubelet") && !unit.equals("kube-proxy")) {
                return new ExecResult(5, "", "Failed to " + verb + " " + unit + ".service: Unit " + unit
                        + ".service not found.\n");
            }
            units.add(unit);
        }
        StringBuilder out = new StringBuilder();
        try {
            switch (verb) {
                case "is-enabled" -> {
                    boolean any = false;
                    for (String unit : units) {
                        if (!unitFile(unit)) {
                            // as systemd before v247: the first unit without a file ends the call
                            return new ExecResult(1, out.toString(), "Failed to get unit file state for " + unit
                                    + ".service: No such file or directory\n");
                        }
                        boolean enabled = Files.isSymbolicLink(wants(unit));
                        any |= enabled;
                        if (!quiet) out.append(enabled ? "enabled\n" : "disabled\n");
                    }
                    return new ExecResult(any ? 0 : 1, out.toString(), "");
                }
                case "enable" -> {
                    for (String unit : units) {
                        if (!unitFile(unit)) return new ExecResult(1, "", "Failed to enable unit: Unit file " + unit
                                + ".service does not exist.\n");
                    }
                    for (String unit : units) {
                        Path wants = wants(unit);
                        if (!Files.isSymbolicLink(wants)) {
                            Files.createDirectories(wants.getParent());
                            Files.createSymbolicLink(wants, Path.of("/etc/systemd/system/" + unit + ".service"));
                        }
                    }
                    return now ? startAll("start", units) : ok("");
                }
                case "disable" -> {
                    for (String unit : units) Files.deleteIfExists(wants(unit));
                    if (now) units.forEach(this::stop);
                    return ok("");
                }
                case "is-active" -> {
                    boolean any = false;
                    for (String unit : units) {
                        String state = serviceState(unit);
                        any |= state.equals("active");
                        if (!quiet) out.append(state).append('\n');
                    }
                    return new ExecResult(any ? 0 : 3, out.toString(), "");
                }
                case "start", "restart" -> {
                    return startAll(verb, units);
                }
                case "stop" -> {
                    units.forEach(this::stop);
                    return ok("");
                }
                default -> {
                    return usage("systemctl", args);
                }
            }
        } catch (IOException e) {
            return new ExecResult(1, "", "systemctl: " + e.getMessage() + "\n");
        }
    }

    private boolean unitFile(String unit) {
        return Files.isRegularFile(root.resolve("etc/systemd/system/" + unit + ".service"));
    }

    private Path wants(String unit) {
        return root.resolve("etc/systemd/system/multi-user.target.wants/" + unit + ".service");
    }

    /** start / restart of each unit in turn: one without a unit file fails, the others still go. */
    private ExecResult startAll(String verb, List<String> units) {
        int exit = 0;
        StringBuilder err = new StringBuilder();
        for (String unit : units) {
            if (!unitFile(unit)) {
                if (exit == 0) exit = 5;
                err.append("Failed to ").append(verb).append(' ').append(unit).append(".service: Unit ").append(unit)
                        .append(".service not found.\n");
                continue;
            }
            if (verb.equals("start") && active(unit)) continue;
            start(unit);
        }
        return new ExecResult(exit, "", err.toString());
    }

    private boolean active(String unit) {
        synchronized (services) {
            if (unit.equals("kubelet")) {
                // NEW: the process runs, the Go runtime is starting (SimulatedKubelet starts PROCESS_START later)
                return kubelet != null && !kubeletStopped && !kubeletAutoRestart
                        && (kubelet.state() == SimulatedKubelet.State.NEW || kubelet.state() == SimulatedKubelet.State.RUNNING
                        || kubelet.state() == SimulatedKubelet.State.READY);
            }
            return proxy != null && proxy.state() == SimulatedKubeProxy.State.RUNNING;
        }
    }

    /**
     * What systemctl is-active prints: active, activating (kubelet waiting RestartSec to be restarted after it
     * exited), failed (the process exited with an error and is not restarted) or inactive.
     */
    private String serviceState(String unit) {
        synchronized (services) {
            if (active(unit)) return "active";
            if (unit.equals("kubelet") && kubeletStopped) return "inactive";
            if (unit.equals("kubelet") && kubeletAutoRestart) return "activating";
            boolean failed = unit.equals("kubelet") ? kubelet != null && kubelet.state() == SimulatedKubelet.State.FAILED
                    : proxy != null && proxy.state() == SimulatedKubeProxy.State.FAILED;
            // systemd schedules the restart as it reaps the process: a unit with Restart= never shows failed in between
            if (failed && unit.equals("kubelet") && restartDelay("kubelet") != null) return "activating";
            return failed ? "failed" : "inactive";
        }
    }

    /**
     * systemd's restart: stop the old process, start a new one, and return — kubelet.service and
     * kube-proxy.service are Type=simple, so systemctl does not wait for the program to get anywhere: a kubelet that
     * refuses its flags or cannot reach its runtime still shows active right after, and exits a moment later
     * ({@link #PROCESS_START} after the start its own code begins). kube-proxy is waited for until it has decided
     * on its configuration (not for its first sync).
     */
    private ExecResult start(String unit) {
        SimulatedKubeProxy started = null;
        synchronized (services) {
            if (unit.equals("kubelet")) {
                cancelKubeletRestart();
                if (kubelet != null) stopped(unit, kubelet::stop);
                kubeletRestarts = 0; // systemd counts the automatic restarts since the last start by hand
                launchKubelet();
            } else {
                if (proxy != null) stopped(unit, proxy::stop);
                proxy = new SimulatedKubeProxy(runtime, root, name, installedVersion("kube-proxy"), kubeProxyOptions, nodeLookup);
                invoked(unit, proxy.journal());
                proxy.start();
                started = proxy;
            }
        }
        if (started != null) {
            try {
                started.awaitStarted(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // the old rules stay in the kernel until the new kube-proxy's first sync replaces them (rulesIn)
        }
        return ok("");
    }

    private void stop(String unit) {
        synchronized (services) {
            if (unit.equals("kubelet")) {
                cancelKubeletRestart();
                if (kubelet != null) stopped(unit, kubelet::stop); // before kubeletStopped: it asks whether it ran
                kubeletStopped = true;
            }
            if (unit.equals("kube-proxy") && proxy != null) stopped(unit, proxy::stop);
        }
    }

    // --- systemd's handling of kubelet.service: Restart=always, RestartSec, NRestarts -------------------------------

    /** From the process's start to the first thing its own code does (exec, the Go runtime, flag parsing). */
    static final java.time.Duration PROCESS_START = java.time.Duration.ofMillis(50);

    /** Guarded by services: NRestarts, the main process's start, and the state between an exit and its restart. */
    private int kubeletRestarts;
    private boolean kubeletAutoRestart;
    private boolean kubeletStopped;
    private long kubeletRestartTimer = -1;
    private long kubeletGeneration;

    /** A new kubelet process (under the services lock): running now, its code starting PROCESS_START later. */
    private void launchKubelet() {
        long generation = ++kubeletGeneration;
        SimulatedKubelet k = new SimulatedKubelet(runtime, root, name, installedVersion("kubelet"),
                kubeletOptions.withRuntimeDown(runtimeDown))
                .buildSuffix(kubeletBuildSuffix);
        kubelet = k;
        kubeletAutoRestart = false;
        kubeletStopped = false;
        invoked("kubelet", k.journal());
        k.onExit(() -> kubeletExited(k, generation));
        runtime.vertx().setTimer(PROCESS_START.toMillis(), id -> {
            synchronized (services) {
                if (kubelet == k && k.state() == SimulatedKubelet.State.NEW) k.start();
            }
        });
    }

    /**
     * The release of the program a unit's ExecStart runs, read when the process starts, as the real one is the
     * binary on disk at that moment: a stand-in written by {@link Sandbox#writeBinaries} names its release
     * ({@code stand-in for kubelet v1.35.0}); anything else (no unit yet, another file) runs as the machine's release.
     */
    KubeVersion installedVersion(String unit) {
        try {
            Path unitFile = root.resolve("etc/systemd/system/" + unit + ".service");
            if (!Files.isRegularFile(unitFile)) return version;
            String binary = io.kubejoin.sandbox.node.NodeRoot.execStart(Files.readString(unitFile)).binary();
            Path local = root.resolve(binary.startsWith("/") ? binary.substring(1) : binary).normalize();
            if (!local.startsWith(root) || !Files.isRegularFile(local) || Files.size(local) > 4096) return version;
            return Sandbox.standInVersion(Files.readString(local, java.nio.charset.StandardCharsets.UTF_8), unit).orElse(version);
        } catch (IOException | IllegalArgumentException e) {
            return version; // the simulator still starts; its own start-up checks report a broken unit
        }
    }

    /** The kubelet process exited with an error: systemd restarts it after RestartSec when the unit says so. */
    private void kubeletExited(SimulatedKubelet k, long generation) {
        synchronized (services) {
            if (kubelet != k || generation != kubeletGeneration || kubeletStopped) return;
            java.time.Duration restartSec = restartDelay("kubelet");
            if (restartSec == null) return; // stays failed
            kubeletAutoRestart = true;
            kubeletRestartTimer = runtime.vertx().setTimer(Math.max(1, restartSec.toMillis()), id -> {
                synchronized (services) {
                    if (generation != kubeletGeneration || !kubeletAutoRestart) return;
                    kubeletRestarts++;
                    Invocation exited = current("kubelet");
                    if (exited != null) {
                        exited.failed = true;
                        exited.restartCounter = kubeletRestarts;
                        exited.restartAt = runtime.clock().instant();
                    }
                    launchKubelet();
                }
            });
        }
    }

    private void cancelKubeletRestart() {
        if (kubeletRestartTimer >= 0) runtime.vertx().cancelTimer(kubeletRestartTimer);
        kubeletRestartTimer = -1;
        kubeletAutoRestart = false;
    }

    /** RestartSec when the unit's Restart= restarts a process that exited with an error; null when it does not. */
    private java.time.Duration restartDelay(String unit) {
        String text;
        try {
            Path file = root.resolve("etc/systemd/system/" + unit + ".service");
            text = Files.isRegularFile(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return null;
        }
        String restart = "no";
        java.time.Duration sec = java.time.Duration.ofMillis(100); // systemd's default RestartSec
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.startsWith("Restart=")) restart = l.substring("Restart=".length()).strip();
            if (l.startsWith("RestartSec=")) {
                String v = l.substring("RestartSec=".length()).strip();
                try {
                    sec = v.endsWith("ms") ? java.time.Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)))
                            : java.time.Duration.ofMillis(Math.round(Double.parseDouble(v.replaceFirst("s$", "")) * 1000));
                } catch (NumberFormatException e) {
                    // systemd ignores a value it cannot parse ("Failed to parse ...") and keeps the default
                }
            }
        }
        // an exit with status 1 is restarted by always and on-failure (on-abnormal/on-abort: only for signals)
        return restart.equals("always") || restart.equals("on-failure") ? sec : null;
    }

    /**
     * One run of a unit, as systemd and journald know it: its invocation id (the journal's
     * {@code _SYSTEMD_INVOCATION_ID} of every line the process writes), when it started and, once stopped, when.
     */
    private static final class Invocation {
        final String id;
        final Instant started;
        final String description;
        final Journal journal;
        Instant stopped;
        /** The process had exited with an error when the unit was started again (journald keeps that run's end). */
        boolean failed;
        /** systemd restarted the unit after this run exited (Restart=): NRestarts then, and when; 0 when not. */
        int restartCounter;
        Instant restartAt;

        Invocation(String id, Instant started, String description, Journal journal) {
            this.id = id;
            this.started = started;
            this.description = description;
            this.journal = journal;
        }
    }

    private static final Pattern DESCRIPTION = Pattern.compile("(?m)^Description=(.*)$");

    private void invoked(String unit, Journal journal) {
        String unitText = "";
        try {
            unitText = Files.readString(root.resolve("etc/systemd/system/" + unit + ".service"));
        } catch (IOException e) {
            // no unit file: the process refuses to start and says so in its journal
        }
        Matcher d = DESCRIPTION.matcher(unitText);
        String id = java.util.HexFormat.of().formatHex(randomBytes(16));
        List<Invocation> runs = invocations.computeIfAbsent(unit, k -> new ArrayList<>());
        runs.add(new Invocation(id, runtime.clock().instant(), d.find() ? d.group(1).strip() : unit, journal));
        if (runs.size() > INVOCATIONS_KEPT) runs.remove(0);
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    /** Stops the unit's current process (if it runs) and notes when, as systemd's stop job does. */
    private void stopped(String unit, Runnable stopProcess) {
        if (unit.equals("kube-proxy")) kernel.refreshKernelRules(); // what it programmed outlives it
        boolean running = active(unit);
        Invocation current = current(unit);
        if (current != null && failed(unit, current)) current.failed = true;
        stopProcess.run();
        if (running && current != null && current.stopped == null) current.stopped = runtime.clock().instant();
    }

    private Invocation current(String unit) {
        List<Invocation> runs = invocations.get(unit);
        return runs == null || runs.isEmpty() ? null : runs.get(runs.size() - 1);
    }

    /**
     * journalctl with what kubejoin asks: {@code -u UNIT}, {@code _SYSTEMD_INVOCATION_ID=ID}, {@code --since}
     * ({@code @EPOCH[.FRACTION]} or {@code [WEEKDAY ]YYYY-MM-DD HH:MM:SS[ UTC]}), {@code -n N}, {@code --no-pager},
     * {@code -o cat}. As journald, a unit's journal spans its restarts: every run's lines, each run framed by
     * systemd's own lines (started, stopped, failed), which carry no invocation id of the process.
     */
    private ExecResult journalctl(List<String> args) {
        String unit = null;
        String invocation = null;
        Instant since = null;
        int lines = Integer.MAX_VALUE;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("-u") && i + 1 < args.size()) unit = normaliseUnit(args.get(++i));
            else if (a.equals("-n") && i + 1 < args.size()) lines = Integer.parseInt(args.get(++i));
            else if (a.startsWith("_SYSTEMD_INVOCATION_ID=")) invocation = a.substring("_SYSTEMD_INVOCATION_ID=".length());
            else if (a.equals("--since") && i + 1 < args.size()) {
                since = parseSince(args.get(++i));
                if (since == null) {
                    return new ExecResult(1, "", "Failed to parse timestamp: " + args.get(i) + "\n");
                }
            } else if (a.equals("-o") && i + 1 < args.size()) {
                if (!args.get(++i).equals("cat")) return usage("journalctl", args);
            } else if (!a.equals("--no-pager")) {
                return usage("journalctl", args);
            }
        }
        if (unit == null && invocation == null) return usage("journalctl", args);
        List<Journal.Entry> out = new ArrayList<>();
        synchronized (services) {
            for (String u : unit != null ? List.of(unit) : List.copyOf(invocations.keySet())) {
                for (Invocation run : invocations.getOrDefault(u, List.of())) {
                    if (invocation != null && !invocation.equals(run.id)) continue;
                    out.addAll(unitLines(u, run, invocation == null));
                }
            }
        }
        if (since != null) {
            Instant from = since;
            out.removeIf(e -> e.time().isBefore(from));
        }
        if (out.isEmpty()) return ok("-- No entries --\n");
        List<Journal.Entry> last = out.subList(Math.max(0, out.size() - lines), out.size());
        StringBuilder sb = new StringBuilder();
        for (Journal.Entry e : last) sb.append(e.line()).append('\n');
        return ok(sb.toString());
    }

    /** One run's lines: the process's own, and (unless only the process's are asked for) systemd's around them. */
    private List<Journal.Entry> unitLines(String unit, Invocation run, boolean withSystemd) {
        List<Journal.Entry> own = run.journal.entries();
        List<Journal.Entry> out = new ArrayList<>();
        String service = unit + ".service";
        if (withSystemd) out.add(new Journal.Entry(run.started, "Started " + service + " - " + run.description + "."));
        out.addAll(own);
        if (!withSystemd) return out;
        if (run.stopped != null) {
            out.add(new Journal.Entry(run.stopped, "Stopping " + service + " - " + run.description + "..."));
            out.add(new Journal.Entry(run.stopped, service + ": Deactivated successfully."));
            out.add(new Journal.Entry(run.stopped, "Stopped " + service + " - " + run.description + "."));
        } else if (failed(unit, run)) {
            Instant at = own.isEmpty() ? run.started : own.get(own.size() - 1).time();
            out.add(new Journal.Entry(at, service + ": Main process exited, code=exited, status=1/FAILURE"));
            out.add(new Journal.Entry(at, service + ": Failed with result 'exit-code'."));
            if (run.restartCounter > 0) {
                out.add(new Journal.Entry(run.restartAt, service + ": Scheduled restart job, restart counter is at "
                        + run.restartCounter + "."));
                out.add(new Journal.Entry(run.restartAt, "Stopped " + service + " - " + run.description + "."));
            }
        }
        return out;
    }

    /** The run is the unit's current one and its process exited with an error. */
    private boolean failed(String unit, Invocation run) {
        if (run.failed) return true;
        if (run != current(unit)) return false;
        return unit.equals("kubelet") ? kubelet != null && kubelet.state() == SimulatedKubelet.State.FAILED
                : proxy != null && proxy.state() == SimulatedKubeProxy.State.FAILED;
    }

    private static String normaliseUnit(String u) {
        return u.endsWith(".service") ? u.substring(0, u.length() - ".service".length()) : u;
    }

    /** systemd's timestamp as systemctl show prints it (the sandbox's machines run in UTC). */
    private static final DateTimeFormatter SYSTEMD_TIME = DateTimeFormatter.ofPattern("EEE yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final Pattern SINCE = Pattern.compile("(?:[A-Z][a-z]{2} )?(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2})(?: UTC)?");

    /** What journalctl's --since accepts of what kubejoin sends; null when it would not parse it. */
    static Instant parseSince(String v) {
        if (v.startsWith("@")) {
            try {
                java.math.BigDecimal secs = new java.math.BigDecimal(v.substring(1));
                return Instant.ofEpochSecond(secs.longValue(), secs.remainder(java.math.BigDecimal.ONE).movePointRight(9).longValue());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        Matcher m = SINCE.matcher(v.trim());
        if (!m.matches()) return null;
        return java.time.LocalDateTime.parse(m.group(1).replace(' ', 'T')).toInstant(ZoneOffset.UTC);
    }

    /**
     * {@code systemctl show UNIT -p NAME...} (also {@code -p A,B}, {@code --value}): the unit's properties in
     * systemd's own order (not the order asked), an unknown property left out, as systemctl does.
     */
    private ExecResult show(List<String> args) {
        List<String> wanted = new ArrayList<>();
        boolean value = false;
        String unit = null;
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            if ((a.equals("-p") || a.equals("--property")) && i + 1 < args.size()) wanted.addAll(List.of(args.get(++i).split(",")));
            else if (a.startsWith("--property=")) wanted.addAll(List.of(a.substring("--property=".length()).split(",")));
            else if (a.equals("--value")) value = true;
            else if (!a.startsWith("-") && unit == null) unit = normaliseUnit(a);
            else return usage("systemctl", args);
        }
        if (unit == null || wanted.isEmpty()) return usage("systemctl", args);
        java.util.Map<String, String> p = new java.util.LinkedHashMap<>();
        synchronized (services) {
            Invocation run = current(unit);
            boolean known = unit.equals("kubelet") || unit.equals("kube-proxy");
            String state = known ? serviceState(unit) : "inactive";
            boolean failed = state.equals("failed");
            p.put("Result", failed || state.equals("activating") ? "exit-code" : "success");
            p.put("NRestarts", Integer.toString(unit.equals("kubelet") ? kubeletRestarts : 0));
            p.put("ExecMainStartTimestamp", run == null ? "" : SYSTEMD_TIME.format(run.started));
            Instant exited = run == null ? null : run.stopped != null ? run.stopped : failed ? lastLine(run) : null;
            p.put("ExecMainExitTimestamp", exited == null ? "" : SYSTEMD_TIME.format(exited));
            p.put("ExecMainStatus", failed ? "1" : "0");
            p.put("LoadState", known && Files.isRegularFile(root.resolve("etc/systemd/system/" + unit + ".service")) ? "loaded" : "not-found");
            p.put("ActiveState", state);
            p.put("SubState", switch (state) {
                case "active" -> "running";
                case "activating" -> "auto-restart";
                case "failed" -> "failed";
                default -> "dead";
            });
            p.put("UnitFileState", !p.get("LoadState").equals("loaded") ? ""
                    : Files.isSymbolicLink(root.resolve("etc/systemd/system/multi-user.target.wants/" + unit + ".service")) ? "enabled" : "disabled");
            p.put("InvocationID", run == null ? "" : run.id);
        }
        StringBuilder sb = new StringBuilder();
        for (var e : p.entrySet()) {
            if (wanted.contains(e.getKey())) sb.append(value ? "" : e.getKey() + "=").append(e.getValue()).append('\n');
        }
        return ok(sb.toString());
    }

    private static Instant lastLine(Invocation run) {
        List<Journal.Entry> e = run.journal.entries();
        return e.isEmpty() ? run.started : e.get(e.size() - 1).time();
    }

    // --- network ---------------------------------------------------------------------------------------------------

    /** curl -fsS --max-time 5 http://HOST:PORT/healthz: kubelet's :10248 and kube-proxy's :10256 on this node. */
    private ExecResult curl(List<String> args) {
        String url = args.isEmpty() ? "" : args.get(args.size() - 1);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("http://([^/]+):(\\d+)(/.*)").matcher(url);
        if (!m.matches()) return usage("curl", args);
        String host = m.group(1);
        if (!host.equals(address) && !host.equals("127.0.0.1") && !host.equals("localhost") && !host.equals(name)) {
            return new ExecResult(7, "", "curl: (7) Failed to connect to " + host + " port " + m.group(2)
                    + ": Connection refused\n");
        }
        int port = Integer.parseInt(m.group(2));
        if (!m.group(3).equals("/healthz")) return new ExecResult(22, "", "curl: (22) The requested URL returned error: 404\n");
        if (port == 10248) {
            boolean serving;
            synchronized (services) {
                serving = active("kubelet") && kubelet.healthzServing();
            }
            return serving ? ok("ok") : refused(host, port);
        }
        if (port == 10256) {
            int code;
            synchronized (services) {
                code = proxy == null ? 0 : proxy.healthz();
            }
            if (code == 0) return refused(host, port);
            return code == 200 ? ok("{\"lastUpdated\":\"" + runtime.clock().instant() + "\",\"currentTime\":\""
                    + runtime.clock().instant() + "\"}")
                    : new ExecResult(22, "", "curl: (22) The requested URL returned error: " + code + "\n");
        }
        return refused(host, port);
    }

    /** {@code swapoff -a}: every active swap off (/proc/swaps keeps only its header); fstab is not read again here. */
    private ExecResult swapoff(List<String> args) {
        if (!args.equals(List.of("-a"))) return usage("swapoff", args);
        try {
            Files.writeString(root.resolve("proc/swaps"), "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
        } catch (IOException e) {
            return new ExecResult(1, "", "swapoff: " + e.getMessage() + "\n");
        }
        return ok("");
    }

    /**
     * Swap on, as an installer leaves it: /swap.img in /etc/fstab and active in /proc/swaps (a reboot would turn it
     * on again while the fstab line stays).
     */
    public void swapOn() throws IOException {
        Files.writeString(root.resolve("proc/swaps"), "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
                + "/swap.img                               file\t\t2097148\t\t0\t\t-2\n");
        Path fstab = root.resolve("etc/fstab");
        Files.createDirectories(fstab.getParent());
        Files.writeString(fstab, "# /etc/fstab: static file system information.\nUUID=0b5e2d1c / ext4 defaults 0 1\n"
                + "/swap.img\tnone\tswap\tsw\t0\t0\n");
    }

    /** sleep SECONDS (fractions as GNU and busybox sleep take them): blocks the command, as on a real node. */
    private static ExecResult sleep(List<String> args) {
        if (args.size() != 1 || !args.get(0).matches("\\d{1,3}(\\.\\d{1,3})?")) return usage("sleep", args);
        try {
            Thread.sleep(new java.math.BigDecimal(args.get(0)).movePointRight(3).longValue());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ExecResult(130, "", "");
        }
        return ok("");
    }

    private static ExecResult refused(String host, int port) {
        return new ExecResult(7, "", "curl: (7) Failed to connect to " + host + " port " + port + ": Connection refused\n");
    }

    /** ss -Hltn 'sport = :PORT': a LISTEN line when the agent owning the port runs. */
    private ExecResult ss(List<String> args) {
        if (args.size() != 2 || !args.get(0).equals("-Hltn") || !args.get(1).startsWith("sport = :")) {
            return usage("ss", args);
        }
        String port = args.get(1).substring("sport = :".length());
        boolean listening = host.listening(port) || (port.equals("10250") || port.equals("10248") ? active("kubelet")
                : port.equals("10256") && active("kube-proxy"));
        return ok(listening ? "LISTEN 0      4096               *:" + port + "              *:*\n" : "");
    }

    // --- kube-proxy's rules in the kernel (NodeKernel) -----------------------------------------------------------

    private static String modeOf(SimulatedKubeProxy p) {
        String m = p.mode();
        return m == null || m.isEmpty() ? "iptables" : m;
    }

    /** The mode of the running kube-proxy once its first sync put its rules in the kernel, else null. */
    private String syncedProxyMode() {
        synchronized (services) {
            return proxy != null && proxy.state() == SimulatedKubeProxy.State.RUNNING && proxy.rulesSynced() ? modeOf(proxy) : null;
        }
    }

    /** {@code umount -l PATH} (lazy, as kubeadm's MNT_DETACH): the mount leaves the table, its files leave the tree. */
    private ExecResult umount(List<String> args) {
        List<String> a = new ArrayList<>(args);
        a.remove("--");
        if (a.size() != 2 || !a.get(0).equals("-l") || !a.get(1).startsWith("/")) return usage("umount", args);
        String target = a.get(1);
        Path table = root.resolve("proc/mounts");
        try {
            List<String> lines = new ArrayList<>(Files.readAllLines(table));
            boolean removed = lines.removeIf(l -> {
                String[] f = l.split(" ");
                return f.length > 1 && f[1].equals(target);
            });
            if (!removed) return new ExecResult(32, "", "umount: " + target + ": not mounted.\n");
            Files.write(table, lines);
            // the mounted filesystem's files are no longer visible there; they are kept aside, not deleted
            Path at = root.resolve(target.substring(1));
            Path aside = root.resolveSibling(root.getFileName() + "-detached").resolve(target.substring(1));
            if (Files.isDirectory(at)) {
                Files.createDirectories(aside.getParent());
                Files.move(at, aside);
                Files.createDirectories(at);
            }
            return ok("");
        } catch (IOException e) {
            return new ExecResult(32, "", "umount: " + target + ": " + e.getMessage() + "\n");
        }
    }

    /**
     * Test helper: mounts a tmpfs at {@code nodePath} (a pod volume, say), listed in /proc/mounts. Files written
     * below it belong to that filesystem: {@code umount} puts them aside (see {@link #detached}).
     */
    public void mount(String nodePath) throws IOException {
        Files.createDirectories(root.resolve(nodePath.substring(1)));
        Files.writeString(root.resolve("proc/mounts"), "tmpfs " + nodePath + " tmpfs rw,relatime 0 0\n",
                java.nio.file.StandardOpenOption.APPEND);
    }

    /** Where the files of an unmounted filesystem went (test helper). */
    public Path detached(String nodePath) {
        return root.resolveSibling(root.getFileName() + "-detached").resolve(nodePath.substring(1));
    }

    private static ExecResult ok(String out) {
        return new ExecResult(0, out, "");
    }

    /** A use of the program kubejoin does not make: fail loudly, so a change in what kubejoin sends is seen. */
    private static ExecResult usage(String program, List<String> args) {
        return new ExecResult(2, "", "sandbox node: unsupported use of " + program + ": " + String.join(" ", args) + "\n");
    }

    @Override
    public String toString() {
        return "SandboxNode[" + name + " " + address + "]";
    }

}
