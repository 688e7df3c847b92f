package io.kubejoin.join.phases;

import static io.kubejoin.join.NodeCommands.quote;

import io.kubejoin.cluster.NodeReadiness;
import io.kubejoin.join.NodeCommands;
import io.kubejoin.join.NodeContext;
import io.kubejoin.join.NodePhase;
import io.kubejoin.join.PhaseFailure;
import io.kubejoin.join.PhaseResult;
import io.kubejoin.remote.ExecResult;
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
                ctx -> List.of("mkdir -p " + quote(ctx.paths().kubeletVolumePluginDir()) + " "
                        + quote(ctx.paths().kubeletRootDir()) + staticPodPath(ctx)),
                // not the bootstrap kubeconfig: kubelet reads it only while it has no client certificate, so a
                // renewed token must not restart a kubelet that has joined
                f -> List.of(f.caCert(), f.kubeletConfig(), f.kubeletUnit(), f.kubeletBinary()));
    }

    /**
     * " 'path'" for the static pod folder of the node's KubeletConfiguration (the user's staticPodPath, else
     * kubejoin's): kubelet never creates it and, without it, logs "Unable to read config path" every
     * fileCheckFrequency. Created 0755 (umask 022), as the kubelet packages ship /etc/kubernetes/manifests.
     */
    static String staticPodPath(io.kubejoin.join.NodeContext ctx) {
        Object own = ctx.node().kubelet().config().get("staticPodPath");
        String path = own instanceof String p ? p : ctx.paths().staticPodPath();
        return path.isEmpty() ? "" : " " + quote(path);
    }

    public static StartServicePhase kubeProxy() {
        return new StartServicePhase("kube-proxy-start",
                "mkdir its folder, load the proxy mode's kernel modules, daemon-reload, enable, restart kube-proxy "
                        + "when its files changed (P7)",
                "kube-proxy",
                ctx -> {
                    List<String> cmds = new ArrayList<>();
                    cmds.add("mkdir -p " + quote(ctx.paths().kubeProxyWorkDir()));
                    // loaded now; the modules-load.d file pushed with kube-proxy's files loads them at boot
                    for (String m : ModulesLoadRenderer.modules(ctx.inventory(), ctx.node())) {
                        // a built-in module without /lib/modules: modprobe fails, the module works
                        cmds.add("modprobe " + quote(m) + " || " + NodeCommands.moduleWorks(m));
                    }
                    return cmds;
                },
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

    /** Exit codes of the script: 100 + the index of the preparing step that failed, or one of these. */
    private static final int FIRST_STEP_EXIT = 100;
    private static final int ENABLE_EXIT = 90;
    private static final int START_EXIT = 91;
    private static final String ENABLED_MARK = "kubejoin: enabled";
    private static final String STARTED_MARK = "kubejoin: started";

    /** Each step, stopping the script with exit 100 + its index when it fails. */
    private static StringBuilder stepsScript(List<String> steps) {
        StringBuilder script = new StringBuilder();
        for (int i = 0; i < steps.size(); i++) script.append(steps.get(i)).append(" || exit ").append(FIRST_STEP_EXIT + i).append('\n');
        return script;
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
        steps.add("systemctl daemon-reload");
        boolean filesChanged = ctx.anyChanged(files.apply(ctx.paths()));
        StringBuilder script = stepsScript(steps);
        script.append("if systemctl is-enabled --quiet ").append(unit).append("; then :; else systemctl enable ")
                .append(unit).append(" || exit ").append(ENABLE_EXIT).append("; echo '").append(ENABLED_MARK)
                .append("'; fi\n");
        String start = "systemctl restart " + unit + " || exit " + START_EXIT + "; systemctl is-active --quiet " + unit
                + " || exit " + START_EXIT + "; echo '" + STARTED_MARK + "'";
        if (filesChanged) {
            script.append(start).append('\n');
        } else {
            script.append("if systemctl is-active --quiet ").append(unit).append("; then :; else ").append(start)
                    .append("; fi\n");
        }
        script.append("exit 0\n");
        // read before the script: once it runs, the new kubelet may post at any moment
        NodeReadiness.Since before = beforeStart == null ? null : beforeStart.apply(ctx.node().name());
        ExecResult r = NodeCommands.exec(t, script.toString());
        if (r.exitCode() == ENABLE_EXIT) {
            throw new PhaseFailure("systemctl enable " + unit + " failed: " + NodeCommands.firstLine(r.stderr(), r.stdout()),
                    "check the unit file");
        }
        if (r.exitCode() == START_EXIT) {
            throw new PhaseFailure(unit + " did not start", "see its journal below: 'journalctl -u " + unit + "'",
                    NodeCommands.journal(t, unit), false, null);
        }
        if (!r.ok()) {
            int failed = r.exitCode() - FIRST_STEP_EXIT;
            String step = failed >= 0 && failed < steps.size() ? steps.get(failed) : "starting " + unit;
            String hint = step.startsWith("systemctl") || step.startsWith("starting") ? "check systemd on the node"
                    : "check the node's filesystem and kernel (the proxy mode needs these modules)";
            throw new PhaseFailure(step + " failed (exit " + r.exitCode() + "): "
                    + NodeCommands.firstLine(r.stderr(), r.stdout()), hint);
        }
        boolean enabled = r.stdout().contains(ENABLED_MARK);
        boolean started = r.stdout().contains(STARTED_MARK);
        if (started && beforeStart != null) ctx.kubeletRestarted(before);
        if (!enabled && !started) return new PhaseResult(false, unit + " running, unchanged", List.of());
        String action = !started ? "enabled, running, unchanged"
                : filesChanged ? "restarted (files changed)" : "started (was not running)";
        return new PhaseResult(true, unit + " " + action, List.of());
    }
}
