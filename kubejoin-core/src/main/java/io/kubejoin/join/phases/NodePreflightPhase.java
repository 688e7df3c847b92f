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
        String[][] checkedPorts = ports ? new String[][] {{"10250", "kubelet"}, {"10256", "kube-proxy"}} : new String[0][];
        List<String> modules = ModulesLoadRenderer.modules(ctx.inventory(), ctx.node());

        // kubejoin's resolvConf is systemd-resolved's file; a host without it gets /etc/resolv.conf instead. In the
        // same command: whether kubelet already holds its own client credential (then the join leaves the bootstrap
        // kubeconfig out) and whether a bootstrap kubeconfig is left to remove once Ready
        boolean askResolved = asksResolvConf(ctx);
        List<KernelSetting> settings = kernelSettings(ctx);
        String script = PreflightScripts.nodePreflight(socket, swapMatters, cgroupMatters, java.util.Arrays.asList(checkedPorts),
                modules, settings.stream().map(KernelSetting::key).toList(), askResolved ? KubeletConfigRenderer.RESOLVED_RESOLV_CONF : null, ctx.paths());
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
        for (String[] port : checkedPorts) {
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

    /** failCgroupV1 set true, or left at its default, which is true from 1.35 (the field exists from 1.31). */
    private static boolean refusesCgroupV1(NodeContext ctx) {
        Object v = ctx.node().kubelet().config().get("failCgroupV1");
        if (v != null) return Boolean.TRUE.equals(v);
        return VersionRules.kubeletRefusesCgroupV1ByDefault(ctx.inventory().kubernetesVersion());
    }
}
