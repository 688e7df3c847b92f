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
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One simulated worker machine: a root folder standing for its {@code /}, an address on loopback, an SSH host key,
 * and the programs kubejoin runs on it. {@link NodeShell} runs the file commands; this class is the rest of the
 * machine: systemd ({@code systemctl}, with units enabled by the same {@code multi-user.target.wants} symlink real
 * systemd makes), journald ({@code journalctl}), the kernel's module commands, {@code ss}, {@code curl} to the
 * agents' healthz, and the proxy-rule tools. {@code systemctl restart kubelet} starts a {@link SimulatedKubelet}
 * that reads what was pushed, and {@code systemctl restart kube-proxy} a {@link SimulatedKubeProxy}.
 *
 * <p>Misbehaviour for tests: {@link #failKubelet}, {@link #forgeCsrFor}, {@link #runtimeDown}; dropping SSH
 * mid-push is the SSH server's ({@link NodeSshServer#dropConnectionDuringNextPush}).
 */
public final class SandboxNode implements NodePrograms, NodeSshServer.Endpoint {
    /** Modules a stock Debian/Ubuntu kernel can load; what kube-proxy's modes ask for. */
    static final Set<String> AVAILABLE_MODULES = Set.of("ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh", "nf_conntrack",
            "nf_tables", "br_netfilter", "overlay", "ip_tables", "iptable_nat", "xt_conntrack");
    static final String KERNEL = "6.1.0-sandbox-amd64";

    private final String name;
    private final String address;
    private final Path root;
    private final KubeVersion version;
    private final SimulatorRuntime runtime;
    private final String serviceVip;
    private final String runtimeSocket;
    private final NodeShell shell;
    private volatile KeyPair hostKey;
    private volatile SimulatedKubelet.Options kubeletOptions = SimulatedKubelet.Options.sandbox();
    private volatile boolean runtimeDown;
    private volatile String hostname;
    private final Object services = new Object();
    private SimulatedKubelet kubelet;
    private SimulatedKubeProxy proxy;

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
        Files.createDirectories(root.resolve("sys/fs/cgroup"));
        Path controllers = root.resolve("sys/fs/cgroup/cgroup.controllers");
        if (!Files.exists(controllers)) Files.writeString(controllers, "cpuset cpu io memory hugetlb pids rdma misc\n");
        Files.createDirectories(root.resolve("sys/module/nf_conntrack"));
        Files.createDirectories(root.resolve("etc/systemd/system/multi-user.target.wants"));
        if (!Files.exists(root.resolve("etc/resolv.conf"))) Files.writeString(root.resolve("etc/resolv.conf"), "nameserver 10.0.0.2\n");
        systemdResolved(true);
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

    /** The next kubelet started requests the client certificate of {@code otherNode} (null: its own). */
    public void forgeCsrFor(String otherNode) {
        kubeletOptions = kubeletOptions.withForgeCsrForNode(otherNode);
    }

    /** The machine's host name (`hostname`): the node name unless a test renames the machine. */
    public void hostname(String name) {
        this.hostname = Objects.requireNonNull(name);
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

    /** The container runtime is stopped: its socket is gone. */
    public void runtimeDown(boolean down) {
        this.runtimeDown = down;
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
            if (kubelet != null) kubelet.stop();
            if (proxy != null) proxy.stop();
        }
    }

    @Override
    public ExecResult run(String program, List<String> args, String stdin) {
        return switch (program) {
            case "systemctl" -> systemctl(args);
            case "journalctl" -> journalctl(args);
            case "curl" -> curl(args);
            case "modprobe" -> modprobe(args);
            case "modinfo" -> modinfo(args);
            case "ss" -> ss(args);
            case "ipvsadm" -> ipvsadm(args);
            case "nft" -> nft(args);
            case "iptables-save", "ip6tables-save" -> iptablesSave(args);
            case "hostname" -> args.isEmpty() ? ok(hostname + "\n") : usage("hostname", args);
            default -> null;
        };
    }

    // --- systemd -------------------------------------------------------------------------------------------------

    private ExecResult systemctl(List<String> args) {
        List<String> a = new ArrayList<>(args);
        boolean quiet = a.remove("--quiet");
        boolean now = a.remove("--now");
        if (a.isEmpty()) return usage("systemctl", args);
        String verb = a.get(0);
        if (verb.equals("daemon-reload")) return a.size() == 1 ? ok("") : usage("systemctl", args);
        if (a.size() != 2) return usage("systemctl", args);
        String unit = a.get(1).endsWith(".service") ? a.get(1).substring(0, a.get(1).length() - 8) : a.get(1);
        if (!unit.equals("kubelet") && !unit.equals("kube-proxy")) {
            return new ExecResult(5, "", "Failed to " + verb + " " + unit + ".service: Unit " + unit
                    + ".service not found.\n");
        }
        boolean unitFile = Files.isRegularFile(root.resolve("etc/systemd/system/" + unit + ".service"));
        Path wants = root.resolve("etc/systemd/system/multi-user.target.wants/" + unit + ".service");
        try {
            switch (verb) {
                case "is-enabled" -> {
                    if (!unitFile) return new ExecResult(1, "", "Failed to get unit file state for " + unit
                            + ".service: No such file or directory\n");
                    boolean enabled = Files.isSymbolicLink(wants);
                    return new ExecResult(enabled ? 0 : 1, quiet ? "" : (enabled ? "enabled\n" : "disabled\n"), "");
                }
                case "enable" -> {
                    if (!unitFile) return new ExecResult(1, "", "Failed to enable unit: Unit file " + unit
                            + ".service does not exist.\n");
                    if (!Files.isSymbolicLink(wants)) {
                        Files.createDirectories(wants.getParent());
                        Files.createSymbolicLink(wants, Path.of("/etc/systemd/system/" + unit + ".service"));
                    }
                    ExecResult r = ok("");
                    return now ? start(unit) : r;
                }
                case "disable" -> {
                    Files.deleteIfExists(wants);
                    if (now) stop(unit);
                    return ok("");
                }
                case "is-active" -> {
                    String state = serviceState(unit);
                    return new ExecResult(state.equals("active") ? 0 : 3, quiet ? "" : state + "\n", "");
                }
                case "start", "restart" -> {
                    if (!unitFile) return new ExecResult(5, "", "Failed to " + verb + " " + unit
                            + ".service: Unit " + unit + ".service not found.\n");
                    if (verb.equals("start") && active(unit)) return ok("");
                    return start(unit);
                }
                case "stop" -> {
                    stop(unit);
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

    private boolean active(String unit) {
        synchronized (services) {
            if (unit.equals("kubelet")) {
                return kubelet != null && (kubelet.state() == SimulatedKubelet.State.RUNNING
                        || kubelet.state() == SimulatedKubelet.State.READY);
            }
            return proxy != null && proxy.state() == SimulatedKubeProxy.State.RUNNING;
        }
    }

    /** What systemctl is-active prints: active, failed (the process exited with an error) or inactive. */
    private String serviceState(String unit) {
        synchronized (services) {
            if (active(unit)) return "active";
            boolean failed = unit.equals("kubelet") ? kubelet != null && kubelet.state() == SimulatedKubelet.State.FAILED
                    : proxy != null && proxy.state() == SimulatedKubeProxy.State.FAILED;
            return failed ? "failed" : "inactive";
        }
    }

    /**
     * systemd's restart: stop the old process, start a new one. A kubelet that exits at once shows as failed on the
     * next is-active, as systemd reports it; kube-proxy is waited for until it has decided (rules or refusal),
     * which the real one does within its first sync.
     */
    private ExecResult start(String unit) {
        SimulatedKubeProxy started = null;
        synchronized (services) {
            if (unit.equals("kubelet")) {
                if (kubelet != null) kubelet.stop();
                kubelet = new SimulatedKubelet(runtime, root, name, version, kubeletOptions);
                kubelet.start();
            } else {
                if (proxy != null) proxy.stop();
                proxy = new SimulatedKubeProxy(runtime, root, name, version, SimulatedKubeProxy.Options.defaults());
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
        } else {
            // a kubelet that refuses its flags or config exits within milliseconds: let is-active see it
            try {
                kubelet().awaitLoaded(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return ok("");
    }

    private void stop(String unit) {
        synchronized (services) {
            if (unit.equals("kubelet") && kubelet != null) kubelet.stop();
            if (unit.equals("kube-proxy") && proxy != null) proxy.stop();
        }
    }

    private ExecResult journalctl(List<String> args) {
        // journalctl -u UNIT -n N --no-pager -o cat
        String unit = null;
        int lines = 10;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("-u") && i + 1 < args.size()) unit = args.get(++i);
            else if (a.equals("-n") && i + 1 < args.size()) lines = Integer.parseInt(args.get(++i));
            else if (a.equals("-o") && i + 1 < args.size()) {
                if (!args.get(++i).equals("cat")) return usage("journalctl", args);
            } else if (!a.equals("--no-pager")) {
                return usage("journalctl", args);
            }
        }
        if (unit == null) return usage("journalctl", args);
        Journal j;
        synchronized (services) {
            j = unit.equals("kubelet") && kubelet != null ? kubelet.journal()
                    : unit.equals("kube-proxy") && proxy != null ? proxy.journal() : null;
        }
        if (j == null) return ok("-- No entries --\n");
        List<String> last = j.last(lines);
        return ok(last.isEmpty() ? "" : String.join("\n", last) + "\n");
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
            return active("kubelet") ? ok("ok") : refused(host, port);
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

    private static ExecResult refused(String host, int port) {
        return new ExecResult(7, "", "curl: (7) Failed to connect to " + host + " port " + port + ": Connection refused\n");
    }

    /** ss -Hltn 'sport = :PORT': a LISTEN line when the agent owning the port runs. */
    private ExecResult ss(List<String> args) {
        if (args.size() != 2 || !args.get(0).equals("-Hltn") || !args.get(1).startsWith("sport = :")) {
            return usage("ss", args);
        }
        String port = args.get(1).substring("sport = :".length());
        boolean listening = port.equals("10250") ? active("kubelet") : port.equals("10256") && active("kube-proxy");
        return ok(listening ? "LISTEN 0      4096               *:" + port + "              *:*\n" : "");
    }

    // --- kernel ----------------------------------------------------------------------------------------------------

    private ExecResult modprobe(List<String> args) {
        if (args.size() != 1) return usage("modprobe", args);
        String module = args.get(0);
        if (!AVAILABLE_MODULES.contains(module)) {
            return new ExecResult(1, "", "modprobe: FATAL: Module " + module + " not found in directory /lib/modules/"
                    + KERNEL + "\n");
        }
        try {
            Files.createDirectories(root.resolve("sys/module").resolve(module));
        } catch (IOException e) {
            return new ExecResult(1, "", "modprobe: " + e.getMessage() + "\n");
        }
        return ok("");
    }

    private ExecResult modinfo(List<String> args) {
        if (args.size() != 2 || !args.get(0).equals("-n")) return usage("modinfo", args);
        String module = args.get(1);
        if (!AVAILABLE_MODULES.contains(module)) {
            return new ExecResult(1, "", "modinfo: ERROR: Module " + module + " not found.\n");
        }
        return ok("/lib/modules/" + KERNEL + "/kernel/net/" + module + ".ko.xz\n");
    }

    // --- proxy rules: what kube-proxy programmed for the kubernetes Service ----------------------------------------

    private boolean rulesSynced() {
        synchronized (services) {
            return proxy != null && proxy.state() == SimulatedKubeProxy.State.RUNNING && proxy.rulesSynced();
        }
    }

    private ExecResult ipvsadm(List<String> args) {
        if (args.size() != 3 || !args.get(0).equals("-Ln") || !args.get(1).equals("-t")) return usage("ipvsadm", args);
        String service = args.get(2);
        String vip = serviceVip.contains(":") ? "[" + serviceVip + "]" : serviceVip;
        if (!rulesSynced() || !service.equals(vip + ":443")) {
            return new ExecResult(1, "", "Memory allocation problem\n"); // what ipvsadm says for a missing service
        }
        return ok("IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n"
                + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  " + service + " rr\n");
    }

    private ExecResult nft(List<String> args) {
        if (args.size() != 4 || !args.get(0).equals("list") || !args.get(1).equals("table")
                || !args.get(3).equals("kube-proxy")) {
            return usage("nft", args);
        }
        if (!rulesSynced()) {
            return new ExecResult(1, "", "Error: No such file or directory\nlist table " + args.get(2) + " kube-proxy\n");
        }
        String family = serviceVip.contains(":") ? "ip6" : "ip";
        if (!args.get(2).equals(family)) return new ExecResult(1, "", "Error: No such file or directory\n");
        return ok("table " + family + " kube-proxy {\n\tmap service-ips {\n\t\ttype ipv4_addr . inet_proto . inet_service : verdict\n"
                + "\t\telements = { " + serviceVip + " . tcp . 443 : goto service-2QRHZV4L-default/kubernetes/tcp/https }\n"
                + "\t}\n}\n");
    }

    private ExecResult iptablesSave(List<String> args) {
        if (args.size() != 2 || !args.get(0).equals("-t") || !args.get(1).equals("nat")) {
            return usage("iptables-save", args);
        }
        StringBuilder sb = new StringBuilder("*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n");
        if (rulesSynced()) {
            String mask = serviceVip.contains(":") ? "/128" : "/32";
            sb.append("-A KUBE-SERVICES -d ").append(serviceVip).append(mask).append(" -p tcp -m comment --comment "
                    + "\"default/kubernetes:https cluster IP\" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y\n");
        }
        return ok(sb.append("COMMIT\n").toString());
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
