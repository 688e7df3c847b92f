package io.kubejoin.join.phases;

import static io.kubejoin.join.NodeCommands.quote;

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

    StartServicePhase(String name, String description, String unit,
                      Function<NodeContext, List<String>> prepare, Function<NodeFiles, List<String>> files) {
        this.name = name;
        this.description = description;
        this.unit = unit;
        this.prepare = prepare;
        this.files = files;
    }

    public static StartServicePhase kubelet() {
        return new StartServicePhase("kubelet-start",
                "mkdir the volume-plugin folder, daemon-reload, enable, restart kubelet when its files changed (K10)",
                "kubelet",
                ctx -> List.of("mkdir -p " + quote(ctx.paths().kubeletVolumePluginDir()) + " "
                        + quote(ctx.paths().kubeletRootDir())),
                // not the bootstrap kubeconfig: kubelet reads it only while it has no client certificate, so a
                // renewed token must not restart a kubelet that has joined
                f -> List.of(f.caCert(), f.kubeletConfig(), f.kubeletUnit(), f.kubeletBinary()));
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
                        cmds.add("modprobe " + quote(m));
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

    /** Exit codes of the batched scripts: 100 + the index of the step that failed. */
    private static final int FIRST_STEP_EXIT = 100;
    private static final String ENABLED_MARK = "kubejoin: is-enabled";
    private static final String ACTIVE_MARK = "kubejoin: is-active";

    /** Each step, stopping the script with exit 100 + its index when it fails. */
    private static StringBuilder stepsScript(List<String> steps) {
        StringBuilder script = new StringBuilder();
        for (int i = 0; i < steps.size(); i++) script.append(steps.get(i)).append(" || exit ").append(FIRST_STEP_EXIT + i).append('\n');
        return script;
    }

    /**
     * Two commands over SSH instead of one per step (at most; one when nothing needs a restart): the checks in one
     * script, each step stopping it with its own exit code so a failure is reported as that step's; then enable,
     * restart and the is-active check in a second.
     */
    @Override
    public PhaseResult run(NodeContext ctx) throws PhaseFailure {
        var t = ctx.transport();
        List<String> steps = new ArrayList<>(prepare.apply(ctx));
        steps.add("systemctl daemon-reload");
        StringBuilder check = stepsScript(steps);
        check.append("echo '").append(ENABLED_MARK).append("'\n")
                .append("systemctl is-enabled ").append(unit).append('\n')
                .append("echo '").append(ACTIVE_MARK).append("'\n")
                .append("systemctl is-active --quiet ").append(unit).append(" && echo active\n")
                .append("exit 0\n");
        ExecResult checked = NodeCommands.exec(t, check.toString());
        int failed = checked.exitCode() - FIRST_STEP_EXIT;
        if (!checked.ok()) {
            String step = failed >= 0 && failed < steps.size() ? steps.get(failed) : "checking " + unit;
            String hint = step.startsWith("systemctl") ? "check systemd on the node"
                    : "check the node's filesystem and kernel (the proxy mode needs these modules)";
            throw new PhaseFailure(step + " failed (exit " + checked.exitCode() + "): "
                    + NodeCommands.firstLine(checked.stderr(), checked.stdout()), hint);
        }
        String out = checked.stdout();
        int e = out.indexOf(ENABLED_MARK);
        int a = out.indexOf(ACTIVE_MARK);
        String enabledAnswer = e >= 0 && a > e ? out.substring(e + ENABLED_MARK.length(), a).strip() : "";
        boolean enabled = enabledAnswer.equals("enabled");
        boolean active = a >= 0 && out.substring(a + ACTIVE_MARK.length()).strip().equals("active");
        boolean filesChanged = ctx.anyChanged(files.apply(ctx.paths()));
        boolean restart = filesChanged || !active;
        if (enabled && !restart) return new PhaseResult(false, unit + " running, unchanged", List.of());

        List<String> act = new ArrayList<>();
        if (!enabled) act.add("systemctl enable " + unit);
        if (restart) {
            act.add("systemctl restart " + unit);
            act.add("systemctl is-active --quiet " + unit);
        }
        ExecResult r = NodeCommands.exec(t, stepsScript(act).append("exit 0\n").toString());
        if (!r.ok()) {
            int step = r.exitCode() - FIRST_STEP_EXIT;
            if (!enabled && step == 0) {
                throw new PhaseFailure("systemctl enable " + unit + " failed (exit " + r.exitCode() + "): "
                        + NodeCommands.firstLine(r.stderr(), r.stdout()), "check the unit file");
            }
            throw new PhaseFailure(unit + " did not start", "see its journal below: 'journalctl -u " + unit + "'",
                    NodeCommands.journal(t, unit), false, null);
        }
        String action = !restart ? "running, unchanged" : filesChanged ? "restarted (files changed)" : "started (was not running)";
        return new PhaseResult(true, unit + " " + action, List.of());
    }
}
