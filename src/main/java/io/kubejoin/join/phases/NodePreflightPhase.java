package io.kubejoin.join.phases;

import io.kubejoin.inventory.ContainerRuntime;
import io.kubejoin.join.NodeCommands;
import io.kubejoin.join.NodeContext;
import io.kubejoin.join.NodePhase;
import io.kubejoin.join.PhaseFailure;
import io.kubejoin.join.PhaseResult;
import io.kubejoin.remote.ExecResult;
import io.kubejoin.version.VersionRules;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the node before anything is pushed, for what would make kubelet or kube-proxy fail later with a less
 * clear message: the container runtime's socket, swap with failSwapOn, cgroup v1 where kubelet refuses it, and
 * kubelet's and kube-proxy's ports taken by something else.
 */
public final class NodePreflightPhase implements NodePhase {
    @Override
    public String name() {
        return "node-preflight";
    }

    @Override
    public String description() {
        return "runtime socket present, swap vs failSwapOn, cgroup v2 where required, ports 10250/10256 free";
    }

    @Override
    public PhaseResult run(NodeContext ctx) throws PhaseFailure {
        var t = ctx.transport();
        List<String> problems = new ArrayList<>();
        List<String> fixes = new ArrayList<>();
        ContainerRuntime runtime = ctx.inventory().runtime();
        String socket = runtime.kind() == ContainerRuntime.Kind.DOCKER ? "/var/run/docker.sock"
                : runtime.endpoint().replaceFirst("^unix://", "");
        if (!NodeCommands.exec(t, "test -S " + NodeCommands.quote(socket)).ok()) {
            problems.add("the container runtime socket " + socket + " is missing");
            fixes.add("install and start " + (runtime.kind() == ContainerRuntime.Kind.CRI ? "the runtime" : runtime.kind()
                    .name().toLowerCase()));
        }
        Object failSwapOn = ctx.node().kubelet().config().getOrDefault("failSwapOn", Boolean.TRUE);
        if (!Boolean.FALSE.equals(failSwapOn)) {
            ExecResult swaps = NodeCommands.exec(t, "tail -n +2 /proc/swaps");
            if (swaps.ok() && !swaps.stdout().isBlank()) {
                problems.add("swap is on and kubelet's failSwapOn is true");
                fixes.add("swapoff -a and remove swap from /etc/fstab, or set kubelet.config.failSwapOn: false");
            }
        }
        if (refusesCgroupV1(ctx)) {
            ExecResult fs = NodeCommands.exec(t, "stat -fc %T /sys/fs/cgroup");
            if (fs.ok() && !fs.stdout().strip().equals("cgroup2fs")) {
                problems.add("the node uses cgroup v1, which kubelet " + ctx.inventory().kubernetesVersion().minorString()
                        + " refuses (failCgroupV1)");
                fixes.add("boot with cgroup v2 (systemd.unified_cgroup_hierarchy=1), or set kubelet.config.failCgroupV1: false");
            }
        }
        for (String[] port : new String[][] {{"10250", "kubelet"}, {"10256", "kube-proxy"}}) {
            ExecResult listening = NodeCommands.exec(t, "ss -Hltn 'sport = :" + port[0] + "'");
            if (listening.ok() && !listening.stdout().isBlank()
                    && !NodeCommands.exec(t, "systemctl is-active --quiet " + port[1]).ok()) {
                problems.add("port " + port[0] + " is taken, but " + port[1] + " is not running");
                fixes.add("stop whatever listens on " + port[0] + " ('ss -ltnp')");
            }
        }
        if (!problems.isEmpty()) {
            throw new PhaseFailure(String.join("; ", problems), String.join("; ", fixes));
        }
        return PhaseResult.unchanged("runtime socket, swap, cgroups and ports fine");
    }

    /** failCgroupV1 set true, or left at its default, which is true from 1.35 (the field exists from 1.31). */
    private static boolean refusesCgroupV1(NodeContext ctx) {
        Object v = ctx.node().kubelet().config().get("failCgroupV1");
        if (v != null) return Boolean.TRUE.equals(v);
        return VersionRules.kubeletRefusesCgroupV1ByDefault(ctx.inventory().kubernetesVersion());
    }
}
