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
    /** A later start phase whose unit this one starts by the same script where the release allows; null: none. */
    private final StartServicePhase partner;
    /** The files phase of {@link #partner}'s unit. */
    private final String partnerFiles;
    /** kubelet's in a join: its bootstrap token extended before a start that will use it, if the run outlived it; null: none. */
    private final io.kubejoin.join.TokenLifetime tokens;

    StartServicePhase(String name, String description, String unit,
                      Function<NodeContext, List<String>> prepare, Function<NodeFiles, List<String>> files) {
        this(name, description, unit, prepare, files, null, null, null, null);
    }

    private StartServicePhase(String name, String description, String unit, Function<NodeContext, List<String>> prepare,
                              Function<NodeFiles, List<String>> files, Function<String, NodeReadiness.Since> beforeStart,
                              StartServicePhase partner, String partnerFiles, io.kubejoin.join.TokenLifetime tokens) {
        this.name = name;
        this.description = description;
        this.unit = unit;
        this.prepare = prepare;
        this.files = files;
        this.beforeStart = beforeStart;
        this.partner = partner;
        this.partnerFiles = partnerFiles;
        this.tokens = tokens;
    }

    /**
     * This phase starting {@code later}'s unit too, by one script ({@link StartScripts#startTogether}), where the
     * release lets kube-proxy start before its Node exists, {@code later} is not skipped and its files were pushed
     * with this unit's (their phase, {@code laterFiles}, settled by an earlier one): {@code later} then reports its part.
     */
    public StartServicePhase with(StartServicePhase later, String laterFiles) {
        return new StartServicePhase(name, description, unit, prepare, files, beforeStart, later, laterFiles, tokens);
    }

    /** The same phase, its description ending with {@code note} (join's, where the phase may be done by another). */
    public StartServicePhase noting(String note) {
        return new StartServicePhase(name, description + note, unit, prepare, files, beforeStart, partner, partnerFiles, tokens);
    }

    /**
     * kubelet-start for a join: before anything may restart kubelet, the Node is read ({@link NodeReadiness#since}),
     * so that wait-ready does not take the Ready condition the previous kubelet posted for the new one's.
     */
    public static StartServicePhase kubelet(NodeReadiness readiness) {
        return kubelet(readiness, null);
    }

    /** The same, and with {@code tokens} (null: none) the node's bootstrap token kept valid ({@link io.kubejoin.join.TokenLifetime}). */
    public static StartServicePhase kubelet(NodeReadiness readiness, io.kubejoin.join.TokenLifetime tokens) {
        StartServicePhase p = kubelet();
        return new StartServicePhase(p.name, p.description, p.unit, p.prepare, p.files, readiness::since, null, null, tokens);
    }

    /**
     * Before a kubelet start: its bootstrap token extended when the run outlived it and kubelet will use it (no
     * client credential of its own on the node, or not looked at); the note for the summary, or null.
     */
    private String keepTokenValid(NodeContext ctx) throws PhaseFailure {
        if (tokens == null || io.kubejoin.join.BootstrapFiles.skip(ctx)) return null;
        return tokens.ensure(ctx.node().name());
    }

    private static PhaseResult noting(PhaseResult r, String note) {
        return note == null ? r : new PhaseResult(r.changed(), r.summary() + "; " + note, r.changedFiles());
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
        // only after kubelet-files pushed kube-proxy's files too: with kube-proxy-files skipped or run on its own,
        // kube-proxy starts by its own phase, after wait-ready, as before
        if (partner != null && PushFilesPhase.together(ctx, partner.name) && ctx.settled(partnerFiles) != null) {
            return runTogether(ctx);
        }
        var t = ctx.transport();
        List<String> steps = new ArrayList<>(prepare.apply(ctx));
        boolean filesChanged = ctx.anyChanged(files.apply(ctx.paths()));
        // an upgrade resumed after the new binary was pushed: its files are as they should be, its process is not
        String requested = ctx.restartRequested(unit);
        String tokenNote = keepTokenValid(ctx);
        // read before the script: once it runs, the new kubelet may post at any moment
        NodeReadiness.Since before = beforeStart == null ? null : beforeStart.apply(ctx.node().name());
        // a kubelet restarted within the second of its last heartbeat could post the very same status
        NodeReadiness.startAfterTheSecondOf(before == null ? null : before.readyHeartbeat(), java.time.Clock.systemUTC(),
                java.time.Duration.ofSeconds(1));
        ExecResult r = NodeCommands.exec(t, StartScripts.start(steps, unit, filesChanged || requested != null));
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
        return noting(result(unit, enabled, started, filesChanged, requested, null), tokenNote);
    }

    /** {@code with}: the unit whose phase started this one too (one clause with the reason), or null. */
    private static PhaseResult result(String unit, boolean enabled, boolean started, boolean filesChanged,
                                      String requested, String with) {
        String note = with == null ? null : "started with " + with;
        if (!enabled && !started) return new PhaseResult(false, unit + " running, unchanged" + clause(null, note), List.of());
        String action = !started ? "enabled, running, unchanged" + clause(null, note)
                : filesChanged ? "restarted" + clause("files changed", note)
                : requested != null ? "restarted" + clause(requested, note)
                : "started" + clause("was not running", note);
        return new PhaseResult(true, unit + " " + action, List.of());
    }

    /** One parenthetical for a reason and a note, either of which may be null. */
    private static String clause(String reason, String note) {
        if (reason == null && note == null) return "";
        return " (" + (reason == null ? note : note == null ? reason : reason + ", " + note) + ")";
    }

    /**
     * This unit and {@link #partner}'s by one script: both units' steps, one systemctl per question for both. A
     * failure names its unit; only the partner's failing start is left for the partner's phase to report (this unit
     * runs), every other failure is this phase's.
     */
    private PhaseResult runTogether(NodeContext ctx) throws PhaseFailure {
        var t = ctx.transport();
        List<String> steps = StartScripts.togetherSteps(prepare.apply(ctx), partner.prepare.apply(ctx));
        boolean changed = ctx.anyChanged(files.apply(ctx.paths()));
        String requested = ctx.restartRequested(unit);
        boolean theirsChanged = ctx.anyChanged(partner.files.apply(ctx.paths()));
        String theirsRequested = ctx.restartRequested(partner.unit);
        String tokenNote = keepTokenValid(ctx);
        NodeReadiness.Since before = beforeStart == null ? null : beforeStart.apply(ctx.node().name());
        NodeReadiness.startAfterTheSecondOf(before == null ? null : before.readyHeartbeat(), java.time.Clock.systemUTC(),
                java.time.Duration.ofSeconds(1));
        List<String> units = List.of(unit, partner.unit);
        ExecResult r = NodeCommands.exec(t, StartScripts.startTogether(steps, List.of(
                new StartScripts.Unit(unit, changed || requested != null),
                new StartScripts.Unit(partner.unit, theirsChanged || theirsRequested != null))));

        for (int i = 0; i < units.size(); i++) {
            if (r.exitCode() == StartScripts.enableExit(i)) {
                throw new PhaseFailure("systemctl enable " + units.get(i) + " failed: "
                        + NodeCommands.firstLine(r.stderr(), r.stdout()), "check the unit file");
            }
        }
        if (r.exitCode() == StartScripts.startExit(0)) {
            throw new PhaseFailure(unit + " did not start", "see its journal below: 'journalctl -u " + unit + "'",
                    NodeCommands.journal(t, unit), false, null);
        }
        if (r.exitCode() == StartScripts.RESTART_EXIT) {
            throw new PhaseFailure("systemctl restart " + String.join(" ", units) + " failed: "
                    + NodeCommands.firstLine(r.stderr(), r.stdout()), "check systemd on the node");
        }
        if (!r.ok() && r.exitCode() != StartScripts.startExit(1)) {
            String failed = StartScripts.failedStep(steps, r.exitCode());
            String step = failed != null ? failed : "starting " + String.join(" and ", units);
            String hint = step.startsWith("systemctl") || step.startsWith("starting") ? "check systemd on the node"
                    : "check the node's filesystem and kernel (the proxy mode needs these modules)";
            throw new PhaseFailure(step + " failed (exit " + r.exitCode() + "): "
                    + NodeCommands.firstLine(r.stderr(), r.stdout()), hint);
        }
        java.util.Set<String> marks = java.util.Set.copyOf(r.stdout().lines().toList());
        boolean started = marks.contains(StartScripts.startedMark(unit));
        if (started && beforeStart != null) ctx.kubeletRestarted(before);
        boolean theirsEnabled = marks.contains(StartScripts.enabledMark(partner.unit));
        if (r.exitCode() == StartScripts.startExit(1)) {
            // this unit runs: the partner's phase reports its failure, with its journal, where the join reaches it
            ctx.settleFailed(partner.name, new PhaseFailure(partner.unit + " did not start (started with " + unit + ")",
                    "see its journal below: 'journalctl -u " + partner.unit + "'", NodeCommands.journal(t, partner.unit),
                    false, null));
        } else {
            ctx.settle(partner.name, result(partner.unit, theirsEnabled, marks.contains(StartScripts.startedMark(partner.unit)),
                    theirsChanged, theirsRequested, unit));
        }
        return noting(result(unit, marks.contains(StartScripts.enabledMark(unit)), started, changed, requested, null), tokenNote);
    }
}
