package io.kubejoin.join.phases;

import io.kubejoin.cluster.NodeReadiness;
import io.kubejoin.join.NodeCommands;
import io.kubejoin.join.NodeContext;
import io.kubejoin.join.NodePhase;
import io.kubejoin.join.PhaseFailure;
import io.kubejoin.join.PhaseResult;
import io.kubejoin.remote.ExecResult;
import io.kubejoin.remote.script.StartScripts;
import io.kubejoin.render.ModulesLoadRenderer;
import io.kubejoin.render.NodeFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Starts a service as the article does (K10, P7: mkdir its folders, daemon-reload, enable, restart), but restarts
 * it only when one of its files changed in this run, so a second join restarts nothing.
 */
public final class StartServicePhase implements NodePhase {
    private final String name;
    private final String description;
    private final String unit;
    private final Function<NodeContext, List<String>> prepare;
    private final Function<NodeFiles, List<String>> files;
    /** Reads the Node before the service may be (re)started (kubelet's: wait-ready then wants a newer heartbeat); null: none. */
    private final Function<String, NodeReadiness.Since> beforeStart;

    StartServicePhase(String name, String description, String unit,
                      Function<NodeContext, List<String>> prepare, Function<NodeFiles, List<String>> files) {
        this(name, description, unit, prepare, files, null);
    }

    private StartServicePhase(String name, String description, String unit, Function<NodeContext, List<String>> prepare,
                              Function<NodeFiles, List<String>> files, Function<String, NodeReadiness.Since> beforeStart) {
        this.name = name;
        this.description = description;
        this.unit = unit;
        this.prepare = prepare;
        this.files = files;
        this.beforeStart = beforeStart;
    }

    /**
     * kubelet-start for a join: before anything may restart kubelet, the Node is read ({@link NodeReadiness#since}),
     * so that wait-ready does not take the Ready condition the previous kubelet posted for the new one's.
     */
    public static StartServicePhase kubelet(NodeReadiness readiness) {
        StartServicePhase p = kubelet();
        return new StartServicePhase(p.name, p.description, p.unit, p.prepare, p.files, readiness::since);
    }

    public static StartServicePhase kubelet() {
        return new StartServicePhase("kubelet-start",
                "mkdir the volume-plugin and static-pod folders, daemon-reload, enable, restart kubelet when its "
                        + "files changed (K10)",
                "kubelet",
                ctx -> StartScripts.kubeletSteps(ctx.paths().kubeletVolumePluginDir(), ctx.paths().kubeletRootDir(),
                        staticPodPath(ctx)),
                // not the bootstrap kubeconfig: kubelet reads it only while it has no client certificate, so a
                // renewed token must not restart a kubelet that has joined
                f -> List.of(f.caCert(), f.kubeletConfig(), f.kubeletUnit(), f.kubeletBinary()));
    }

    /**
     * The static pod folder of the node's KubeletConfiguration (the user's staticPodPath, else kubejoin's; empty: none),
     * which kubelet-start creates.
     */
    static String staticPodPath(io.kubejoin.join.NodeContext ctx) {
        Object own = ctx.node().kubelet().config().get("staticPodPath");
        return own instanceof String p ? p : ctx.paths().staticPodPath();
    }

    public static StartServicePhase kubeProxy() {
        return new StartServicePhase("kube-proxy-start",
                "mkdir its folder, load the proxy mode's kernel modules, daemon-reload, enable, restart kube-proxy "
                        + "when its files changed (P7)",
                "kube-proxy",
                ctx -> StartScripts.kubeProxySteps(ctx.paths().kubeProxyWorkDir(),
                        ModulesLoadRenderer.modules(ctx.inventory(), ctx.node())),
                f -> {
                    List<String> paths = new ArrayList<>(PushFilesPhase.KubeProxyFiles.paths(f));
                    paths.add(f.kubeProxyBinary());
                    return paths;
                });
    }

    /** The unit this phase starts ("kubelet", "kube-proxy"). */
    public String unit() {
        return unit;
    }

    /** The destinations whose change makes this phase restart its service. */
    public List<String> restartTriggers(NodeFiles paths) {
        return files.apply(paths);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return description;
    }

    /**
     * One command over SSH: the preparing steps, each stopping the script with its own exit code so a failure is
     * reported as that step's; then the node itself enables the unit when it is not, and restarts it when its files
     * changed in this run (known here, written into the script) or it is not running.
     */
    @Override
    public PhaseResult run(NodeContext ctx) throws PhaseFailure {
        var t = ctx.transport();
        List<String> steps = new ArrayList<>(prepare.apply(ctx));
        boolean filesChanged = ctx.anyChanged(files.apply(ctx.paths()));
        // read before the script: once it runs, the new kubelet may post at any moment
        NodeReadiness.Since before = beforeStart == null ? null : beforeStart.apply(ctx.node().name());
        // a kubelet restarted within the second of its last heartbeat could post the very same status
        NodeReadiness.startAfterTheSecondOf(before == null ? null : before.readyHeartbeat(), java.time.Clock.systemUTC(),
                java.time.Duration.ofSeconds(1));
        ExecResult r = NodeCommands.exec(t, StartScripts.start(steps, unit, filesChanged));
        if (r.exitCode() == StartScripts.ENABLE_EXIT) {
            throw new PhaseFailure("systemctl enable " + unit + " failed: " + NodeCommands.firstLine(r.stderr(), r.stdout()),
                    "check the unit file");
        }
        if (r.exitCode() == StartScripts.START_EXIT) {
            throw new PhaseFailure(unit + " did not start", "see its journal below: 'journalctl -u " + unit + "'",
                    NodeCommands.journal(t, unit), false, null);
        }
        if (!r.ok()) {
            String failed = StartScripts.failedStep(steps, r.exitCode());
            String step = failed != null ? failed : "starting " + unit;
            String hint = step.startsWith("systemctl") || step.startsWith("starting") ? "check systemd on the node"
                    : "check the node's filesystem and kernel (the proxy mode needs these modules)";
            throw new PhaseFailure(step + " failed (exit " + r.exitCode() + "): "
                    + NodeCommands.firstLine(r.stderr(), r.stdout()), hint);
        }
        boolean enabled = r.stdout().contains(StartScripts.ENABLED_MARK);
        boolean started = r.stdout().contains(StartScripts.STARTED_MARK);
        if (started && beforeStart != null) ctx.kubeletRestarted(before);
        if (!enabled && !started) return new PhaseResult(false, unit + " running, unchanged", List.of());
        String action = !started ? "enabled, running, unchanged"
                : filesChanged ? "restarted (files changed)" : "started (was not running)";
        return new PhaseResult(true, unit + " " + action, List.of());
    }
}
