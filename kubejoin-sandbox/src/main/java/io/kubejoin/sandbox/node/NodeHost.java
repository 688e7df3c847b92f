package io.kubejoin.sandbox.node;

import io.kubejoin.remote.ExecResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The parts of a simulated machine node-preflight looks at besides its kernel: the programs on its PATH
 * ({@code command -v}), its interfaces ({@code ip -o addr show}), its name lookup ({@code getent hosts}, from
 * /etc/hosts only, stricter than glibc with DNS), its disks ({@code df -Pk}), listeners that are not kubelet's or
 * kube-proxy's, and the container runtime's own tools ({@code containerd config dump}, {@code ctr version},
 * {@code docker info}). By default a machine ready for a join: every program installed, the node address on eth0,
 * 40 of 50 GiB free, containerd 1.7.20 with runc on cgroupfs (containerd's default; {@code Sandbox} sets systemd, as its inventory's kubelet) and its CRI
 * plugin enabled. Each test switch breaks exactly one condition.
 */
public final class NodeHost {
    /** Programs the machine has on PATH, beyond the shell's own builtins. */
    static final Set<String> INSTALLED = Set.of("conntrack", "ipset", "ipvsadm", "nft", "iptables", "iptables-save",
            "iptables-restore", "ip", "getent", "df", "containerd", "ctr", "docker", "systemctl", "journalctl", "curl", "ss",
            "hostname", "modprobe", "modinfo", "umount", "sleep", "crictl", "sysctl", "swapoff", "iptables-legacy-save",
            "iptables-nft-save");

    private final Path root;
    private final String runtimeSocket;
    private final Set<String> removed = ConcurrentHashMap.newKeySet();
    private final Set<String> listeners = ConcurrentHashMap.newKeySet();
    private volatile List<String> addresses;
    private volatile long diskTotalKb = 50L * 1024 * 1024;
    private volatile long diskAvailableKb = 40L * 1024 * 1024;
    private volatile String containerdVersion = "1.7.20";
    private volatile boolean systemdCgroup;
    private volatile boolean criDisabled;
    private volatile String dockerCgroupDriver = "cgroupfs";
    /** The backend the machine's iptables uses (Debian 11+, RHEL 8+: nf_tables; the sandbox's kernel tools say legacy). */
    private volatile String iptablesVariant = "legacy";
    /** The backend another program wrote rules into, or null. */
    private volatile String foreignRules;

    public NodeHost(Path root, String address, String runtimeSocket) {
        this.root = root;
        this.runtimeSocket = runtimeSocket;
        this.addresses = List.of("1: lo    inet 127.0.0.1/8 scope host lo", "2: eth0    inet " + address + "/24 brd "
                + address.replaceFirst("\\d+$", "255") + " scope global eth0");
    }

    // --- test switches -------------------------------------------------------------------------------------------

    /** The program is not installed (command -v fails, running it is "not found"). */
    public void remove(String program) {
        removed.add(program);
    }

    /** The program is installed again. */
    public void restore(String program) {
        removed.remove(program);
    }

    /** The machine's IPv4 addresses as CIDRs on eth0 (replacing the node address: a NAT machine, a typo'd inventory). */
    public void interfaceAddresses(List<String> cidrs) {
        List<String> out = new ArrayList<>(List.of("1: lo    inet 127.0.0.1/8 scope host lo"));
        for (String c : cidrs) out.add("2: eth0    inet " + c + " scope global eth0");
        this.addresses = List.copyOf(out);
    }

    /** Something else listens on the port (a stray agent, another kubelet). */
    public void listen(String port) {
        listeners.add(port);
    }

    /** The root filesystem's size and free space. */
    public void disk(long totalKb, long availableKb) {
        this.diskTotalKb = totalKb;
        this.diskAvailableKb = availableKb;
    }

    /** containerd's release (1.x dumps config version 2, 2.x version 3). */
    public void containerdVersion(String version) {
        this.containerdVersion = version;
    }

    /** runc's SystemdCgroup option in containerd's CRI config (false: cgroupfs, containerd's default). */
    public void systemdCgroup(boolean systemd) {
        this.systemdCgroup = systemd;
    }

    public boolean systemdCgroup() {
        return systemdCgroup;
    }

    /** disabled_plugins = ["cri"], as the containerd.io package's config.toml ships it. */
    public void criDisabled(boolean disabled) {
        this.criDisabled = disabled;
    }

    /** Another program (docker, firewalld) has rules in this iptables backend ("legacy" or "nf_tables"; null: none). */
    public void foreignRules(String backend) {
        this.foreignRules = backend;
    }

    /** {@code iptables --version}, {@code iptables-legacy-save}, {@code iptables-nft-save}; null for other uses of iptables. */
    public ExecResult iptables(String program, List<String> args) {
        if (program.equals("iptables")) {
            return args.equals(List.of("--version")) ? ok("iptables v1.8.9 (" + iptablesVariant + ")\n") : null;
        }
        String backend = program.equals("iptables-legacy-save") ? "legacy" : "nf_tables";
        if (!args.isEmpty()) return usage(program, args);
        String header = "# Generated by " + program + " v1.8.9 on Sat Dec  5 20:00:00 2026\n*filter\n:INPUT ACCEPT [0:0]\n"
                + ":FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n";
        String rules = backend.equals(foreignRules) ? "-A FORWARD -j DOCKER-USER\n-A FORWARD -o docker0 -j DOCKER\n" : "";
        return ok(header + rules + "COMMIT\n");
    }

    public void dockerCgroupDriver(String driver) {
        this.dockerCgroupDriver = driver;
    }

    // --- the programs --------------------------------------------------------------------------------------------

    public boolean missing(String program) {
        return removed.contains(program);
    }

    public String which(String program) {
        if (!INSTALLED.contains(program) || removed.contains(program)) return null;
        return (Set.of("ip", "ipset", "ipvsadm", "nft", "iptables", "iptables-save", "iptables-restore", "conntrack",
                "modprobe", "ss").contains(program) ? "/usr/sbin/" : "/usr/bin/") + program;
    }

    /** Whether something other than kubelet and kube-proxy listens on the port. */
    public boolean listening(String port) {
        return listeners.contains(port);
    }

    /** {@code getent hosts NAME}: the /etc/hosts lines naming it (getent exits 2 for a key it cannot find). */
    public ExecResult getent(List<String> args) {
        if (args.size() != 2 || !args.get(0).equals("hosts")) return usage("getent", args);
        try {
            Path hosts = root.resolve("etc/hosts");
            if (Files.exists(hosts)) {
                for (String line : Files.readAllLines(hosts)) {
                    String[] f = line.replaceFirst("#.*", "").trim().split("\\s+");
                    for (int i = 1; i < f.length; i++) {
                        if (f[i].equals(args.get(1))) return ok(String.format("%-15s %s%n", f[0], String.join(" ", List.of(f).subList(1, f.length))));
                    }
                }
            }
            return new ExecResult(2, "", "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code ip -o addr show}: one line per address. */
    public ExecResult ip(List<String> args) {
        if (!args.equals(List.of("-o", "addr", "show"))) return usage("ip", args);
        StringBuilder b = new StringBuilder();
        for (String a : addresses) b.append(a).append("\\       valid_lft forever preferred_lft forever\n");
        return ok(b.toString());
    }

    /** {@code df -Pk PATH...}: POSIX format; a path that does not exist is an error line, the others answered. */
    public ExecResult df(List<String> args) {
        if (args.isEmpty() || !args.get(0).equals("-Pk")) return usage("df", args);
        StringBuilder out = new StringBuilder("Filesystem     1024-blocks     Used Available Capacity Mounted on\n");
        StringBuilder err = new StringBuilder();
        long used = diskTotalKb - diskAvailableKb;
        for (String p : args.subList(1, args.size())) {
            if (!p.startsWith("/") || !Files.exists(root.resolve(p.substring(1)))) {
                err.append("df: ").append(p).append(": No such file or directory\n");
                continue;
            }
            long capacity = diskTotalKb == 0 ? 0 : (used * 100 + diskTotalKb - 1) / diskTotalKb;
            out.append(String.format("/dev/vda1      %11d %8d %9d %7d%% /%n", diskTotalKb, used, diskAvailableKb, capacity));
        }
        return new ExecResult(err.length() == 0 ? 0 : 1, out.toString(), err.toString());
    }

    /** containerd's, ctr's and docker's answers; {@code up}: the daemon runs (its socket answers). */
    public ExecResult runtime(String program, List<String> args, boolean up) {
        String v = containerdVersion;
        return switch (program) {
            case "containerd" -> args.equals(List.of("config", "dump")) ? ok(configDump())
                    : args.equals(List.of("--version")) ? ok("containerd github.com/containerd/containerd" + (v.startsWith("1.") ? "" : "/v2")
                    + " v" + v + " 0123456789abcdef0123456789abcdef01234567\n") : usage(program, args);
            case "ctr" -> {
                if (args.size() != 3 || !args.get(0).equals("--address") || !args.get(2).equals("version")) yield usage(program, args);
                String client = "Client:\n  Version:  v" + v + "\n  Revision: 0123456789abcdef0123456789abcdef01234567\n  Go version: go1.22.5\n\n";
                if (!up || !args.get(1).equals(runtimeSocket)) {
                    yield new ExecResult(1, client, "ctr: failed to dial \"" + args.get(1) + "\": context deadline exceeded\n");
                }
                yield ok(client + "Server:\n  Version:  v" + v + "\n  Revision: 0123456789abcdef0123456789abcdef01234567\n"
                        + "  UUID: 5c2b6f5e-1f0d-4d7e-9a51-7d7c2c3b8f10\n");
            }
            case "docker" -> {
                if (!args.equals(List.of("info", "--format", "{{.CgroupDriver}}"))) yield usage(program, args);
                yield up ? ok(dockerCgroupDriver + "\n") : new ExecResult(1, "\n", "Cannot connect to the Docker daemon at "
                        + "unix:///var/run/docker.sock. Is the docker daemon running?\n");
            }
            default -> usage(program, args);
        };
    }

    /** What containerd config dump prints: the parts kubejoin reads, in the layout of the release's config version. */
    String configDump() {
        boolean v2 = containerdVersion.startsWith("1.");
        String disabled = criDisabled ? (v2 ? "[\"io.containerd.grpc.v1.cri\"]" : "[\"io.containerd.grpc.v1.cri\", \"io.containerd.cri.v1.runtime\"]") : "[]";
        StringBuilder b = new StringBuilder();
        b.append("disabled_plugins = ").append(disabled).append('\n');
        b.append("imports = []\noom_score = 0\nplugin_dir = \"\"\nrequired_plugins = []\nroot = \"/var/lib/containerd\"\n");
        b.append("state = \"/run/containerd\"\ntemp = \"\"\nversion = ").append(v2 ? 2 : 3).append("\n\n");
        b.append("[cgroup]\n  path = \"\"\n\n[grpc]\n  address = \"").append(runtimeSocket).append("\"\n  gid = 0\n  uid = 0\n\n");
        if (v2) {
            String cri = "[plugins.\"io.containerd.grpc.v1.cri\"";
            b.append("[plugins]\n\n  ").append(cri).append("]\n    enable_selinux = false\n    sandbox_image = \"registry.k8s.io/pause:3.8\"\n\n");
            b.append("    ").append(cri).append(".cni]\n      bin_dir = \"/opt/cni/bin\"\n      conf_dir = \"/etc/cni/net.d\"\n\n");
            b.append("    ").append(cri).append(".containerd]\n      default_runtime_name = \"runc\"\n      snapshotter = \"overlayfs\"\n\n");
            b.append("      ").append(cri).append(".containerd.runtimes]\n\n");
            b.append("        ").append(cri).append(".containerd.runtimes.runc]\n          runtime_type = \"io.containerd.runc.v2\"\n\n");
            b.append("          ").append(cri).append(".containerd.runtimes.runc.options]\n            BinaryName = \"\"\n")
                    .append("            Root = \"\"\n            SystemdCgroup = ").append(systemdCgroup).append("\n");
        } else {
            String rt = "[plugins.'io.containerd.cri.v1.runtime'";
            b.append("[plugins]\n  [plugins.'io.containerd.cri.v1.images']\n    snapshotter = 'overlayfs'\n\n");
            b.append("  ").append(rt).append("]\n    enable_selinux = false\n\n");
            b.append("    ").append(rt).append(".containerd]\n      default_runtime_name = 'runc'\n\n");
            b.append("      ").append(rt).append(".containerd.runtimes]\n        ").append(rt)
                    .append(".containerd.runtimes.runc]\n          runtime_type = 'io.containerd.runc.v2'\n\n");
            b.append("          ").append(rt).append(".containerd.runtimes.runc.options]\n            BinaryName = ''\n")
                    .append("            SystemdCgroup = ").append(systemdCgroup).append("\n\n");
            b.append("    ").append(rt).append(".cni]\n      bin_dir = '/opt/cni/bin'\n      conf_dir = '/etc/cni/net.d'\n");
        }
        return b.toString();
    }

    private static ExecResult ok(String out) {
        return new ExecResult(0, out, "");
    }

    private static ExecResult usage(String program, List<String> args) {
        return new ExecResult(2, "", "sandbox node: unsupported use of " + program + ": " + String.join(" ", args) + "\n");
    }
}
