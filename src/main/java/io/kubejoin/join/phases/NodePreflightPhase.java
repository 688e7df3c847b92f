package io.kubejoin.join.phases;

import io.kubejoin.inventory.ContainerRuntime;
import io.kubejoin.join.NodeCommands;
import io.kubejoin.join.NodeContext;
import io.kubejoin.join.NodePhase;
import io.kubejoin.join.PhaseFailure;
import io.kubejoin.join.PhaseResult;
import io.kubejoin.remote.ExecResult;
import io.kubejoin.render.ModulesLoadRenderer;
import io.kubejoin.version.VersionRules;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the node before anything is pushed, for what would make kubelet or kube-proxy fail later with a less
 * clear message: the container runtime's socket, swap with failSwapOn, cgroup v1 where kubelet refuses it, and
 * kubelet's and kube-proxy's ports taken by something else.
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
                + "the proxy mode's kernel modules available, clock within 2 min of this machine's";
    }

    /** One thing wrong with the node, and what to do. */
    public record Problem(String check, String what, String fix) {
    }

    @Override
    public PhaseResult run(NodeContext ctx) throws PhaseFailure {
        List<Problem> found = problems(ctx, true);
        if (!found.isEmpty()) {
            throw new PhaseFailure(String.join("; ", found.stream().map(Problem::what).toList()),
                    String.join("; ", found.stream().map(Problem::fix).toList()));
        }
        return PhaseResult.unchanged("runtime socket, swap, cgroups and ports fine");
    }

    /**
     * The node's conditions kubelet and kube-proxy need (also {@code kubejoin doctor}'s node checks).
     *
     * @param ports also check 10250/10256 are free unless their own service holds them (before a join only)
     */
    public List<Problem> problems(NodeContext ctx, boolean ports) throws PhaseFailure {
        var t = ctx.transport();
        List<Problem> found = new ArrayList<>();
        ContainerRuntime runtime = ctx.inventory().runtime();
        String socket = runtime.kind() == ContainerRuntime.Kind.DOCKER ? "/var/run/docker.sock"
                : runtime.endpoint().replaceFirst("^unix://", "");
        if (!NodeCommands.exec(t, "test -S " + NodeCommands.quote(socket)).ok()) {
            found.add(new Problem("runtime-socket", "the container runtime socket " + socket + " is missing", "install and start " + (runtime.kind() == ContainerRuntime.Kind.CRI ? "the runtime" : runtime.kind()
                    .name().toLowerCase())));
        }
        Object failSwapOn = ctx.node().kubelet().config().getOrDefault("failSwapOn", Boolean.TRUE);
        if (!Boolean.FALSE.equals(failSwapOn)) {
            ExecResult swaps = NodeCommands.exec(t, "tail -n +2 /proc/swaps");
            if (swaps.ok() && !swaps.stdout().isBlank()) {
                found.add(new Problem("swap", "swap is on and kubelet's failSwapOn is true", "swapoff -a and remove swap from /etc/fstab, or set kubelet.config.failSwapOn: false"));
            }
        }
        if (refusesCgroupV1(ctx)) {
            ExecResult fs = NodeCommands.exec(t, "stat -fc %T /sys/fs/cgroup");
            if (fs.ok() && !fs.stdout().strip().equals("cgroup2fs")) {
                found.add(new Problem("cgroup-v1", "the node uses cgroup v1, which kubelet " + ctx.inventory().kubernetesVersion().minorString()
                        + " refuses (failCgroupV1)", "boot with cgroup v2 (systemd.unified_cgroup_hierarchy=1), or set kubelet.config.failCgroupV1: false"));
            }
        }
        for (String[] port : ports ? new String[][] {{"10250", "kubelet"}, {"10256", "kube-proxy"}} : new String[0][]) {
            ExecResult listening = NodeCommands.exec(t, "ss -Hltn 'sport = :" + port[0] + "'");
            if (listening.ok() && !listening.stdout().isBlank()
                    && !NodeCommands.exec(t, "systemctl is-active --quiet " + port[1]).ok()) {
                found.add(new Problem("port-taken", "port " + port[0] + " is taken, but " + port[1] + " is not running", "stop whatever listens on " + port[0] + " ('ss -ltnp')"));
            }
        }
        List<String> modules = ModulesLoadRenderer.modules(ctx.inventory(), ctx.node());
        StringBuilder check = new StringBuilder("for m in");
        modules.forEach(m -> check.append(' ').append(NodeCommands.quote(m)));
        // built into the kernel, already loaded, or loadable: anything else kube-proxy's mode cannot use
        check.append("; do [ -d \"/sys/module/$m\" ] || modinfo -n \"$m\" >/dev/null 2>&1 || echo \"$m\"; done");
        ExecResult missing = NodeCommands.exec(t, check.toString());
        if (missing.ok() && !missing.stdout().isBlank()) {
            found.add(new Problem("kernel-modules", "kernel modules kube-proxy's " + ctx.node().kubeProxy().mode().value() + " mode needs are missing: "
                    + String.join(", ", missing.stdout().strip().split("\\s+")), "install the kernel's extra modules package, or choose another kubeProxy.mode"));
        }
        ExecResult date = NodeCommands.exec(t, "date +%s");
        if (date.ok()) {
            try {
                long skew = Math.abs(Long.parseLong(date.stdout().strip()) - clock.instant().getEpochSecond());
                if (skew > MAX_SKEW_SECONDS) {
                    found.add(new Problem("clock-skew", "the node's clock is " + skew + " s away from this machine's", "sync the clocks (chrony/systemd-timesyncd): certificates would look not yet valid or expired"));
                }
            } catch (NumberFormatException e) {
                // an unexpected date output is not a reason to stop the join
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
