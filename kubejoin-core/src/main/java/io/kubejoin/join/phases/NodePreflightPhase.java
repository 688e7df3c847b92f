package io.kubejoin.join.phases;

import io.kubejoin.inventory.ContainerRuntime;
import io.kubejoin.join.NodeCommands;
import io.kubejoin.join.NodeContext;
import io.kubejoin.join.NodePhase;
import io.kubejoin.join.PhaseFailure;
import io.kubejoin.join.PhaseResult;
import io.kubejoin.remote.ExecResult;
import io.kubejoin.remote.script.PreflightScripts;
import io.kubejoin.render.KubeletConfigRenderer;
import io.kubejoin.render.ModulesLoadRenderer;
import io.kubejoin.version.VersionRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks the node before anything is pushed, for what would make kubelet or kube-proxy fail later with a less
 * clear message: the container runtime's socket, swap with failSwapOn, cgroup v1 where kubelet refuses it,
 * kubelet's and kube-proxy's ports taken by something else, and the kernel settings kubeadm's preflight reads from
 * /proc/sys (forwarding: an error, as in kubeadm; br_netfilter and bridge-nf-call: a warning, see {@link #kernelSettings}).
 */
public final class NodePreflightPhase implements NodePhase {
    /** More than this and fresh certificates (backdated 5 min by cfssl and the signer) may look not yet valid. */
    static final long MAX_SKEW_SECONDS = 120;
    private final java.time.Clock clock;

    public NodePreflightPhase() {
        this(java.time.Clock.systemUTC());
    }

    public NodePreflightPhase(java.time.Clock clock) {
        this.clock = clock;
    }

    @Override
    public String name() {
        return "node-preflight";
    }

    @Override
    public String description() {
        return "runtime socket present, swap vs failSwapOn, cgroup v2 where required, ports 10250/10256 free, "
                + "the proxy mode's kernel modules available, IP forwarding on, br_netfilter and bridge-nf-call (warning), "
                + "clock within 2 min of this machine's";
    }

    /**
     * One thing wrong with the node, what was seen and what to do.
     *
     * @param blocking stops the node's join (else a warning in the phase's summary; doctor reports both)
     */
    public record Problem(String check, String what, String evidence, String fix, boolean blocking) {
        public Problem(String check, String what, String fix) {
            this(check, what, "checked on the node", fix, true);
        }
    }

    /**
     * A kernel setting node-preflight reads from /proc/sys, as kubeadm's FileContentCheck does (its content must begin
     * with 1). kubeadm's preflight errors on ip_forward (and on IPv6's default/forwarding) in every release; it errored
     * on bridge-nf-call-iptables (ip6tables for IPv6) up to 1.29 and dropped that check in 1.30 (kubernetes#123464:
     * only a CNI that puts pods on a Linux bridge needs it). kube-proxy's iptables and ipvs modes log "Missing
     * br-netfilter module or unset sysctl br-nf-call-iptables, proxy may not work as intended" and go on; nftables mode
     * does not look. So forwarding blocks the node, the bridge settings warn, only in the modes that read them.
     */
    record KernelSetting(String key, String check, boolean blocking, String off, String why) {
        String path() {
            return PreflightScripts.sysctlPath(key);
        }
    }

    /** The settings this node needs, from the inventory's address families (its ranges) and the proxy mode. */
    static List<KernelSetting> kernelSettings(NodeContext ctx) {
        var net = ctx.inventory().network();
        List<String> ranges = new ArrayList<>();
        for (String r : (net.clusterCIDR() + "," + net.serviceCIDR()).split(",")) if (!r.isBlank()) ranges.add(r.strip());
        boolean v6 = ranges.stream().anyMatch(r -> r.contains(":"));
        boolean v4 = ranges.stream().anyMatch(r -> !r.contains(":"));
        boolean bridge = ctx.node().kubeProxy().mode() != io.kubejoin.inventory.ProxyMode.NFTABLES;
        List<KernelSetting> out = new ArrayList<>();
        if (v4) out.add(new KernelSetting("net.ipv4.ip_forward", "ip-forward", true,
                "IPv4 forwarding is off",
                "the node would drop its pods' traffic to other nodes and to Services"));
        if (v4 && bridge) out.add(new KernelSetting("net.bridge.bridge-nf-call-iptables", "bridge-nf-call-iptables", false,
                "bridged IPv4 traffic bypasses iptables",
                "kube-proxy's rules miss traffic between pods on the same bridge"));
        if (v6) out.add(new KernelSetting("net.ipv6.conf.default.forwarding", "ipv6-forwarding", true,
                "IPv6 forwarding is off",
                "the node would drop its pods' IPv6 traffic to other nodes and to Services"));
        if (v6 && bridge) out.add(new KernelSetting("net.bridge.bridge-nf-call-ip6tables", "bridge-nf-call-ip6tables", false,
                "bridged IPv6 traffic bypasses ip6tables",
                "kube-proxy's rules miss traffic between pods on the same bridge"));
        return out;
    }

    /** The problem a setting's /proc/sys answer shows, or null when it is 1. */
    static Problem kernelSettingProblem(KernelSetting k, String answer, io.kubejoin.inventory.ProxyMode mode) {
        String value = answer == null ? "" : answer.strip();
        if (value.startsWith("1")) return null;
        String keep = "/etc/sysctl.d/99-kubernetes.conf";
        if (value.isEmpty() && k.key().startsWith("net.bridge.")) {
            return new Problem("br-netfilter", "the br_netfilter module is not loaded, so bridged traffic bypasses "
                    + "iptables: kube-proxy's " + mode.value() + " mode misses traffic between pods on the same bridge",
                    k.path() + " does not exist (it appears when br_netfilter loads)",
                    "modprobe br_netfilter, and load it at boot: echo br_netfilter > /etc/modules-load.d/br_netfilter.conf"
                            + " (needed when the CNI puts pods on a Linux bridge: bridge, flannel, calico without eBPF)",
                    k.blocking());
        }
        String seen = value.isEmpty() ? k.path() + " does not exist" : k.path() + ": " + value;
        return new Problem(k.check(), k.off() + " (" + k.key() + "=" + (value.isEmpty() ? "unset" : value) + "): " + k.why(), seen,
                "sysctl -w " + k.key() + "=1, and keep it across reboots: echo '" + k.key() + " = 1' >> " + keep,
                k.blocking());
    }

    @Override
    public PhaseResult run(NodeContext ctx) throws PhaseFailure {
        Facts facts = new Facts();
        List<Problem> found = problems(ctx, true, facts);
        List<Problem> blocking = found.stream().filter(Problem::blocking).toList();
        List<Problem> warnings = found.stream().filter(p -> !p.blocking()).toList();
        if (!blocking.isEmpty()) {
            // the warnings too: one round of fixes on the node
            throw new PhaseFailure(String.join("; ", found.stream().map(NodePreflightPhase::described).toList()),
                    String.join("; ", found.stream().map(Problem::fix).toList()));
        }
        String note = facts.systemdResolved == null ? "" : useResolvConf(ctx, facts.systemdResolved);
        for (Problem w : warnings) note += "; warning: " + described(w) + "; fix: " + w.fix();
        io.kubejoin.join.BootstrapFiles.record(ctx, facts.sections);
        return PhaseResult.unchanged((warnings.isEmpty() ? "runtime socket, swap, cgroups, ports and kernel settings fine"
                : "runtime socket, swap, cgroups and ports fine") + note);
    }

    private static String described(Problem p) {
        return p.evidence().equals("checked on the node") ? p.what() : p.what() + " [" + p.evidence() + "]";
    }

    /**
     * Records whether the node has systemd-resolved's resolv.conf and, when it has not, renders kubelet's config
     * again with /etc/resolv.conf (kubelet would start, but every pod would fail: "open
     * /run/systemd/resolve/resolv.conf: no such file or directory"). Returns the note for the join's output.
     */
    public static String useResolvConf(NodeContext ctx, boolean systemdResolved) {
        ctx.systemdResolved(systemdResolved);
        if (systemdResolved) return "";
        String path = ctx.paths().kubeletConfig();
        int mode = ctx.files(List.of(path)).get(0).mode();
        ctx.replace(io.kubejoin.render.RenderedFile.text(ctx.node().name(), path, mode,
                KubeletConfigRenderer.render(ctx.inventory(), ctx.node(), new io.kubejoin.render.RenderWarnings(), false)));
        return "; no systemd-resolved: kubelet's resolvConf is " + KubeletConfigRenderer.PLAIN_RESOLV_CONF;
    }

    /** Whether the join must look for systemd-resolved on the node: the inventory does not set resolvConf. */
    public static boolean asksResolvConf(NodeContext ctx) {
        return !ctx.node().kubelet().config().containsKey("resolvConf");
    }

    /** What the checks learnt about the node besides problems. */
    static final class Facts {
        /** Whether systemd-resolved's resolv.conf exists; null when not asked (the inventory sets resolvConf). */
        Boolean systemdResolved;
        /** Every section's answer, for {@link io.kubejoin.join.BootstrapFiles#record}. */
        Map<String, String> sections = Map.of();
    }

    /**
     * The node's conditions kubelet and kube-proxy need (also {@code kubejoin doctor}'s node checks).
     *
     * @param ports also check 10250/10256 are free unless their own service holds them (before a join only)
     */
    public List<Problem> problems(NodeContext ctx, boolean ports) throws PhaseFailure {
        return problems(ctx, ports, new Facts());
    }

    List<Problem> problems(NodeContext ctx, boolean ports, Facts facts) throws PhaseFailure {
        // every check in one SSH command, each answer in its own section of the output
        List<Problem> found = new ArrayList<>();
        ContainerRuntime runtime = ctx.inventory().runtime();
        String socket = runtime.kind() == ContainerRuntime.Kind.DOCKER ? "/var/run/docker.sock"
                : runtime.endpoint().replaceFirst("^unix://", "");
        Object failSwapOn = ctx.node().kubelet().config().getOrDefault("failSwapOn", Boolean.TRUE);
        boolean swapMatters = !Boolean.FALSE.equals(failSwapOn);
        boolean cgroupMatters = refusesCgroupV1(ctx);
        // kubelet's API and healthz, kube-proxy's healthz (kubeadm's join checks the kubelet's ports the same way)
        String[][] checkedPorts = ports ? new String[][] {{"10250", "kubelet"}, {String.valueOf(kubeletHealthzPort(ctx)), "kubelet"},
                {"10256", "kube-proxy"}} : new String[0][];
        List<String> modules = ModulesLoadRenderer.modules(ctx.inventory(), ctx.node());

        // kubejoin's resolvConf is systemd-resolved's file; a host without it gets /etc/resolv.conf instead. In the
        // same command: whether kubelet already holds its own client credential (then the join leaves the bootstrap
        // kubeconfig out) and whether a bootstrap kubeconfig is left to remove once Ready
        boolean askResolved = asksResolvConf(ctx);
        List<KernelSetting> settings = kernelSettings(ctx);
        String script = PreflightScripts.nodePreflight(socket, swapMatters, cgroupMatters, java.util.Arrays.asList(checkedPorts),
                modules, settings.stream().map(KernelSetting::key).toList(), askResolved ? KubeletConfigRenderer.RESOLVED_RESOLV_CONF : null, ctx.paths(), hostLook(ctx, socket));
        ExecResult r = NodeCommands.exec(ctx.transport(), script);
        if (!r.ok()) {
            throw new PhaseFailure("the node's checks did not run (exit " + r.exitCode() + "): "
                    + NodeCommands.firstLine(r.stderr(), r.stdout()), "check that the login shell on the node is a POSIX sh");
        }
        Map<String, String> answers = NodeCommands.sections(r.stdout());
        facts.sections = answers;
        if (askResolved) facts.systemdResolved = "present".equals(answers.getOrDefault("resolved", "").strip());

        if (!"present".equals(answers.getOrDefault("socket", "").strip())) {
            found.add(new Problem("runtime-socket", "the container runtime socket " + socket + " is missing", "install and start " + (runtime.kind() == ContainerRuntime.Kind.CRI ? "the runtime" : runtime.kind()
                    .name().toLowerCase())));
        }
        if (swapMatters && !answers.getOrDefault("swaps", "").isBlank()) {
            found.add(new Problem("swap", "swap is on and kubelet's failSwapOn is true", "swapoff -a and remove swap from /etc/fstab, or set kubelet.config.failSwapOn: false"));
        }
        if (cgroupMatters) {
            String fs = answers.getOrDefault("cgroup", "").strip();
            if (!fs.isEmpty() && !fs.equals("cgroup2fs")) {
                found.add(new Problem("cgroup-v1", "the node uses cgroup v1, which kubelet " + ctx.inventory().kubernetesVersion().minorString()
                        + " refuses (failCgroupV1)", "boot with cgroup v2 (systemd.unified_cgroup_hierarchy=1), or set kubelet.config.failCgroupV1: false"));
            }
        }
        java.util.Set<String> seenPorts = new java.util.HashSet<>();
        for (String[] port : checkedPorts) {
            if (!seenPorts.add(port[0])) continue; // healthzPort set to 10250 by the user: one answer
            boolean listening = !answers.getOrDefault("port-" + port[0], "").isBlank();
            boolean ownService = "active".equals(answers.getOrDefault("active-" + port[1], "").strip());
            if (listening && !ownService) {
                found.add(new Problem("port-taken", "port " + port[0] + " is taken, but " + port[1] + " is not running", "stop whatever listens on " + port[0] + " ('ss -ltnp')"));
            }
        }
        String missing = answers.getOrDefault("modules", "");
        if (!missing.isBlank()) {
            found.add(new Problem("kernel-modules", "kernel modules kube-proxy's " + ctx.node().kubeProxy().mode().value() + " mode needs are missing: "
                    + String.join(", ", missing.strip().split("\\s+")), "install the kernel's extra modules package, or choose another kubeProxy.mode"));
        }
        boolean brNetfilterNamed = false;
        for (KernelSetting k : settings) {
            Problem p = kernelSettingProblem(k, answers.get("sysctl-" + k.key()), ctx.node().kubeProxy().mode());
            // br_netfilter missing shows on both bridge settings: named once
            if (p == null || (p.check().equals("br-netfilter") && brNetfilterNamed)) continue;
            brNetfilterNamed |= p.check().equals("br-netfilter");
            found.add(p);
        }
        found.addAll(hostProblems(ctx, answers));
        try {
            long skew = Math.abs(Long.parseLong(answers.getOrDefault("date", "").strip()) - clock.instant().getEpochSecond());
            if (skew > MAX_SKEW_SECONDS) {
                found.add(new Problem("clock-skew", "the node's clock is " + skew + " s away from this machine's", "sync the clocks (chrony/systemd-timesyncd): certificates would look not yet valid or expired"));
            }
        } catch (NumberFormatException e) {
            // an unexpected date output is not a reason to stop the join
        }
        return found;
    }

    /** kubelet's healthz port: the inventory's healthzPort, else kubejoin's 10248. */
    static int kubeletHealthzPort(NodeContext ctx) {
        Object p = ctx.node().kubelet().config().get("healthzPort");
        return p instanceof Number n && n.intValue() > 0 ? n.intValue() : 10248;
    }

    /** The programs the proxy mode needs: kubeadm's InPathCheck list for kube-proxy, and each mode's own tool. */
    static List<String> programs(NodeContext ctx) {
        List<String> out = new ArrayList<>();
        // kube-proxy execs conntrack before 1.32 (a kubeadm preflight error then); netlink from 1.32
        if (VersionRules.kubeProxyNeedsConntrack(ctx.inventory().kubernetesVersion())) out.add("conntrack");
        switch (ctx.node().kubeProxy().mode()) {
            // ipvs mode: kube-proxy execs ipset for its sets (and will not run ipvs without it); kubejoin's verify
            // reads the virtual servers with ipvsadm
            case IPVS -> out.addAll(List.of("ipset", "ipvsadm"));
            // nftables mode: kube-proxy's knftables execs nft
            case NFTABLES -> out.add("nft");
            // iptables mode: iptables-restore and iptables-save (kubeadm: iptables mandatory)
            case IPTABLES -> out.addAll(List.of("iptables", "iptables-save", "iptables-restore"));
        }
        return out;
    }

    /** What the host part of the survey asks, for this node. */
    static PreflightScripts.HostLook hostLook(NodeContext ctx, String socket) {
        ContainerRuntime.Kind kind = ctx.inventory().runtime().kind();
        PreflightScripts.Runtime runtime = kind == ContainerRuntime.Kind.CONTAINERD ? PreflightScripts.Runtime.CONTAINERD
                : kind == ContainerRuntime.Kind.DOCKER ? PreflightScripts.Runtime.DOCKER : PreflightScripts.Runtime.OTHER;
        List<String[]> disks = new ArrayList<>();
        disks.add(new String[] {"kubelet", ctx.paths().kubeletRootDir()});
        // the images' filesystem is the runtime's root (containerd's and docker's defaults)
        if (runtime == PreflightScripts.Runtime.CONTAINERD) disks.add(new String[] {"images", "/var/lib/containerd"});
        if (runtime == PreflightScripts.Runtime.DOCKER) disks.add(new String[] {"images", "/var/lib/docker"});
        return new PreflightScripts.HostLook(programs(ctx), ctx.node().name(), disks, runtime, socket,
                ctx.node().kubeProxy().mode() != io.kubejoin.inventory.ProxyMode.NFTABLES);
    }

    /**
     * The host's problems from its survey answers. Blocking or warning as kubeadm's preflight has them where it has the
     * check (a missing mandatory program: error; the node name not resolving: warning); where kubeadm has none: what
     * stops kubelet is blocking (--node-ip not on the host: kubelet exits; a cgroup driver other than the runtime's:
     * no pod sandbox starts; a runtime that does not answer or is not supported), what only degrades it warns (disk
     * below the eviction threshold: kubelet starts and reports DiskPressure).
     */
    static List<Problem> hostProblems(NodeContext ctx, Map<String, String> answers) {
        List<Problem> found = new ArrayList<>();
        String missing = answers.getOrDefault("programs", "").strip();
        if (!missing.isEmpty()) {
            List<String> names = List.of(missing.split("\\s+"));
            found.add(new Problem("programs", "programs kube-proxy's " + ctx.node().kubeProxy().mode().value() + " mode needs are not on "
                    + "the node's PATH: " + String.join(", ", names), "command -v " + String.join(" ", names) + ": not found",
                    "install them (" + packages(names) + ")", true));
        }
        String name = ctx.node().name();
        if (answers.containsKey("resolve") && answers.get("resolve").isBlank()) {
            found.add(new Problem("hostname", "the node name " + name + " does not resolve on the node",
                    "getent hosts " + name + ": no answer", "add '" + ctx.node().address() + " " + name + "' to the node's /etc/hosts "
                    + "(or its DNS)", false));
        }
        if (answers.containsKey("addresses")) {
            List<String> addresses = new ArrayList<>();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\binet6? ([0-9A-Fa-f.:]+)/").matcher(answers.get("addresses"));
            while (m.find()) addresses.add(m.group(1));
            String address = ctx.node().address();
            if (addresses.isEmpty()) {
                found.add(new Problem("node-address", "the node's addresses could not be listed (kubeadm requires the ip program)",
                        "ip -o addr show: " + firstLine(answers.get("addresses")), "install iproute2", true));
            } else if (!addresses.contains(address)) {
                found.add(new Problem("node-address", "the node address " + address + " is not on any of the node's interfaces: "
                        + "kubelet (--node-ip=" + address + ") would exit", "ip -o addr show: " + String.join(", ", addresses),
                        "set the node's address in the inventory to one of its own (" + String.join(", ", addresses) + ")", true));
            }
        }
        for (String[] d : new String[][] {{"kubelet", "nodefs.available", "10%"}, {"images", "imagefs.available", "15%"}}) {
            String df = answers.get("disk-" + d[0]);
            if (df == null) continue;
            String[] f = dfLine(df);
            if (f == null) continue;
            long total = Long.parseLong(f[1]);
            long available = Long.parseLong(f[3]);
            int threshold = evictionPercent(ctx, d[1], d[2]);
            if (total > 0 && available * 100 < total * threshold) {
                found.add(new Problem("disk-" + d[0], (d[0].equals("kubelet") ? "kubelet's root folder" : "the images' filesystem")
                        + " has " + (available / 1024) + " MiB free of " + (total / 1024) + " MiB, below kubelet's evictionHard "
                        + d[1] + " " + threshold + "%: the node would report DiskPressure and evict pods",
                        "df -Pk: " + f[0] + " mounted on " + f[5] + ", " + f[3] + " KiB available",
                        "free space on " + f[5] + " (images: crictl rmi --prune; logs: journalctl --vacuum-size)", false));
            }
        }
        Problem variant = iptablesVariantProblem(answers.get("iptables"));
        if (variant != null) found.add(variant);
        found.addAll(runtimeProblems(ctx, answers));
        return found;
    }

    /**
     * Rules in the iptables backend the host's iptables does not use (a warning; kubeadm has no such check): kube-proxy
     * writes through the host's iptables, and the kernel runs packets through both backends' rules, so another
     * program's rules there (docker, firewalld, an earlier kube-proxy) can drop or redirect Service traffic unseen.
     */
    static Problem iptablesVariantProblem(String answer) {
        if (answer == null) return null;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("iptables v[0-9.]+ \\((legacy|nf_tables)\\)").matcher(answer);
        if (!m.find()) return null; // an iptables without a variant (before 1.8) has one backend
        String used = m.group(1);
        String other = used.equals("legacy") ? "nf_tables" : "legacy";
        if (!answer.lines().anyMatch(("rules-" + other)::equals)) return null;
        String otherSave = other.equals("legacy") ? "iptables-legacy-save" : "iptables-nft-save";
        return new Problem("iptables-variant", "iptables is the " + used + " variant, but the " + other + " backend holds rules too: "
                + "packets pass both, and those rules can drop or redirect Service traffic kube-proxy's rules do not see",
                m.group() + "; " + otherSave + " lists rules", "remove them (" + otherSave + " shows them; "
                + otherSave.replace("-save", "") + " -F and -X per table), or make the program that writes them use the "
                + used + " variant (update-alternatives --set iptables /usr/sbin/iptables-" + (used.equals("legacy") ? "legacy" : "nft") + ")", false);
    }

    private static String packages(List<String> names) {
        List<String> p = new ArrayList<>();
        for (String n : names) p.add(switch (n) {
            case "conntrack" -> "conntrack (Debian/Ubuntu) or conntrack-tools (RHEL)";
            case "iptables-save", "iptables-restore" -> "iptables";
            default -> n;
        });
        return String.join(", ", p.stream().distinct().toList());
    }

    private static String firstLine(String s) {
        String t = s == null ? "" : s.strip();
        int nl = t.indexOf('\n');
        return t.isEmpty() ? "(no output)" : nl < 0 ? t : t.substring(0, nl);
    }

    /** The first data line of {@code df -Pk}: filesystem, size, used, available, capacity, mount point; null if none. */
    static String[] dfLine(String df) {
        for (String line : df.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length >= 6 && f[1].matches("\\d+") && f[3].matches("\\d+")) {
                return new String[] {f[0], f[1], f[2], f[3], f[4], String.join(" ", List.of(f).subList(5, f.length))};
            }
        }
        return null;
    }

    /** The inventory's evictionHard percentage for the signal, else kubejoin's (nodefs 10%, imagefs 15%). */
    private static int evictionPercent(NodeContext ctx, String signal, String fallback) {
        String v = fallback;
        if (ctx.node().kubelet().config().get("evictionHard") instanceof Map<?, ?> m && m.get(signal) instanceof String x) v = x;
        try {
            return v.endsWith("%") ? (int) Math.ceil(Double.parseDouble(v.substring(0, v.length() - 1))) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The tables in which containerd's runc options hold SystemdCgroup: config version 2 (1.x) and 3 (2.x). */
    static final List<String> RUNC_OPTIONS = List.of("plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options",
            "plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options",
            "plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes.runc.options");

    /** What containerd's config dump says: its cgroup driver and whether the CRI plugin is disabled; null if no dump. */
    record ContainerdConfig(boolean systemdCgroup, boolean criDisabled, String table) {
        static ContainerdConfig parse(String dump) {
            if (dump == null || !dump.contains("[plugins")) return null;
            String table = "";
            boolean systemd = false;
            boolean criDisabled = false;
            String runcTable = RUNC_OPTIONS.get(0);
            for (String raw : dump.split("\n")) {
                String line = raw.strip();
                if (line.startsWith("[") && line.endsWith("]")) {
                    table = line.substring(1, line.length() - 1).strip();
                    continue;
                }
                if (table.isEmpty() && line.startsWith("disabled_plugins") && line.matches(".*[\"'](io\\.containerd\\.grpc\\.v1\\.)?cri[\"'].*")) {
                    criDisabled = true;
                }
                if (line.matches("version\\s*=\\s*3") && table.isEmpty()) runcTable = RUNC_OPTIONS.get(1);
                if (RUNC_OPTIONS.contains(table) && line.matches("SystemdCgroup\\s*=.*")) {
                    systemd = line.replaceAll("\\s", "").equals("SystemdCgroup=true");
                    runcTable = table;
                }
            }
            return new ContainerdConfig(systemd, criDisabled, runcTable);
        }
    }

    /** containerd's version from ctr's Server part ({@code Version: v1.7.20}), or null when the daemon did not answer. */
    static int[] serverVersion(String ctr) {
        if (ctr == null) return null;
        int server = ctr.indexOf("Server:");
        if (server < 0) return null;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Version:\\s*v?(\\d+)\\.(\\d+)\\.(\\d+)").matcher(ctr.substring(server));
        if (!m.find()) return null;
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
    }

    private static List<Problem> runtimeProblems(NodeContext ctx, Map<String, String> answers) {
        List<Problem> found = new ArrayList<>();
        var v = ctx.inventory().kubernetesVersion();
        Object configured = ctx.node().kubelet().config().get("cgroupDriver");
        // kubejoin renders cgroupfs (kubelet's own default) unless the inventory sets cgroupDriver
        String kubeletDriver = configured instanceof String x ? x : "cgroupfs";
        String config = answers.get("runtime-config");
        if (config == null || !"present".equals(answers.getOrDefault("socket", "").strip())) return found; // socket: its own problem
        ContainerRuntime.Kind kind = ctx.inventory().runtime().kind();
        if (kind == ContainerRuntime.Kind.CONTAINERD) {
            int[] version = serverVersion(answers.get("runtime-version"));
            if (version == null && !answers.getOrDefault("runtime-version", "").contains("Client:")) {
                // ctr did not run at all: nothing known of the daemon, but nothing wrong with it either
                found.add(new Problem("runtime-answers", "containerd's ctr did not run, so whether containerd answers and "
                        + "its release were not checked", "ctr version: " + firstLine(answers.get("runtime-version")),
                        "install ctr (it ships with containerd)", false));
            } else if (version == null) {
                found.add(new Problem("runtime-answers", "containerd does not answer on its socket",
                        "ctr version: " + firstLine(answers.get("runtime-version")), "systemctl restart containerd; journalctl -u containerd", true));
            } else {
                String unsupported = VersionRules.containerdUnsupported(v, version[0], version[1], version[2]);
                if (unsupported != null) {
                    found.add(new Problem("runtime-version", unsupported, "ctr version: Server Version " + version[0] + "." + version[1]
                            + "." + version[2], "upgrade containerd to a release kubelet " + v.minorString() + " supports", true));
                }
            }
            ContainerdConfig c = ContainerdConfig.parse(config);
            if (c == null) return found;
            if (c.criDisabled()) {
                found.add(new Problem("runtime-cri", "containerd's CRI plugin is disabled: kubelet cannot talk to it",
                        "containerd config dump: disabled_plugins names cri", "remove \"cri\" from disabled_plugins in "
                        + "/etc/containerd/config.toml and restart containerd", true));
            }
            String runtimeDriver = c.systemdCgroup() ? "systemd" : "cgroupfs";
            // kubelet takes the driver containerd 2.0+ reports when its release asks the runtime (KEP-4033)
            boolean fromCri = version != null && version[0] >= 2 && VersionRules.kubeletTakesCgroupDriverFromCri(v);
            if (!fromCri && !runtimeDriver.equals(kubeletDriver)) {
                found.add(new Problem("cgroup-driver", "kubelet's cgroupDriver is " + kubeletDriver + " but containerd's runc uses "
                        + runtimeDriver + ": no pod sandbox would start",
                        "containerd config dump: [" + c.table() + "] SystemdCgroup = " + c.systemdCgroup(),
                        "set kubelet.config.cgroupDriver: " + runtimeDriver + " in the inventory, or SystemdCgroup = "
                                + !c.systemdCgroup() + " under [" + c.table() + "] in /etc/containerd/config.toml and restart containerd", true));
            }
        } else if (kind == ContainerRuntime.Kind.DOCKER) {
            String driver = config.strip();
            if (!driver.equals("systemd") && !driver.equals("cgroupfs")) {
                found.add(new Problem("runtime-answers", "docker does not answer", "docker info: " + firstLine(config),
                        "systemctl restart docker; journalctl -u docker", true));
            } else if (!driver.equals(kubeletDriver)) {
                // dockershim compares them itself and exits: "misconfiguration: kubelet cgroup driver ... is different"
                found.add(new Problem("cgroup-driver", "kubelet's cgroupDriver is " + kubeletDriver + " but docker's is " + driver
                        + ": kubelet would exit", "docker info: CgroupDriver " + driver,
                        "set kubelet.config.cgroupDriver: " + driver + " in the inventory, or native.cgroupdriver=" + kubeletDriver
                                + " in docker's exec-opts (/etc/docker/daemon.json) and restart docker", true));
            }
        }
        return found;
    }

    /** failCgroupV1 set true, or left at its default, which is true from 1.35 (the field exists from 1.31). */
    private static boolean refusesCgroupV1(NodeContext ctx) {
        Object v = ctx.node().kubelet().config().get("failCgroupV1");
        if (v != null) return Boolean.TRUE.equals(v);
        return VersionRules.kubeletRefusesCgroupV1ByDefault(ctx.inventory().kubernetesVersion());
    }
}
