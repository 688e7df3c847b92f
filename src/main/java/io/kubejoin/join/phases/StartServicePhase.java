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

    @Override
    public PhaseResult run(NodeContext ctx) throws PhaseFailure {
        var t = ctx.transport();
        for (String cmd : prepare.apply(ctx)) {
            NodeCommands.run(t, cmd, cmd, "check the node's filesystem and kernel (the proxy mode needs these modules)");
        }
        NodeCommands.run(t, "systemctl daemon-reload", "systemctl daemon-reload", "check systemd on the node");
        ExecResult enabled = NodeCommands.exec(t, "systemctl is-enabled " + unit);
        boolean changed = false;
        if (!enabled.ok() || !enabled.stdout().strip().equals("enabled")) {
            NodeCommands.run(t, "systemctl enable " + unit, "systemctl enable " + unit, "check the unit file");
            changed = true;
        }
        boolean filesChanged = ctx.anyChanged(files.apply(ctx.paths()));
        boolean active = NodeCommands.exec(t, "systemctl is-active --quiet " + unit).ok();
        String action;
        if (filesChanged || !active) {
            ExecResult r = NodeCommands.exec(t, "systemctl restart " + unit);
            action = filesChanged ? "restarted (files changed)" : "started (was not running)";
            changed = true;
            if (!r.ok() || !NodeCommands.exec(t, "systemctl is-active --quiet " + unit).ok()) {
                throw new PhaseFailure(unit + " did not start", "see its journal below: 'journalctl -u " + unit + "'",
                        NodeCommands.journal(t, unit), false, null);
            }
        } else {
            action = "running, unchanged";
        }
        return new PhaseResult(changed, unit + " " + action, List.of());
    }
}
