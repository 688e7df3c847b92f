package io.kubejoin.remote.script;

import static io.kubejoin.remote.script.Sh.quote;

import java.util.ArrayList;
import java.util.List;

/**
 * kubelet-start and kube-proxy-start (K10, P7): the preparing steps, daemon-reload, enable when not enabled, restart
 * when the files changed or the unit is not running. An exit-coded script: {@link #FIRST_STEP_EXIT} + the index of
 * the step that failed, {@link #ENABLE_EXIT}, {@link #START_EXIT}; what it did is told by {@link #ENABLED_MARK} and
 * {@link #STARTED_MARK} on stdout.
 */
public final class StartScripts {
    public static final int FIRST_STEP_EXIT = 100;
    public static final int ENABLE_EXIT = 90;
    public static final int START_EXIT = 91;
    public static final String ENABLED_MARK = "kubejoin: enabled";
    public static final String STARTED_MARK = "kubejoin: started";
    public static final String DAEMON_RELOAD = "systemctl daemon-reload";

    private StartScripts() {
    }

    /**
     * kubelet's folders: the volume plugin dir, its root dir and the static pod folder (empty: none). kubelet never
     * creates the static pod folder and, without it, logs "Unable to read config path" every fileCheckFrequency.
     * Created 0755 (umask 022), as the kubelet packages ship /etc/kubernetes/manifests.
     */
    public static List<String> kubeletSteps(String volumePluginDir, String rootDir, String staticPodPath) {
        return List.of("mkdir -p " + quote(volumePluginDir) + " " + quote(rootDir)
                + (staticPodPath.isEmpty() ? "" : " " + quote(staticPodPath)));
    }

    /**
     * kube-proxy's folder, and the proxy mode's modules loaded now (the modules-load.d file loads them at boot): all in
     * one {@code modprobe -a} (one process, not one per module); only when that fails each alone, where a built-in
     * module without /lib/modules (modprobe fails, the module works) is accepted and a missing one stops the step with
     * modprobe's own message.
     */
    public static List<String> kubeProxySteps(String workDir, List<String> modules) {
        List<String> cmds = new ArrayList<>();
        cmds.add("mkdir -p " + quote(workDir));
        if (!modules.isEmpty()) {
            StringBuilder each = new StringBuilder();
            for (String m : modules) {
                if (each.length() > 0) each.append(" && ");
                each.append("{ modprobe ").append(quote(m)).append(" || ").append(PreflightScripts.moduleWorks(m)).append("; }");
            }
            cmds.add("modprobe -a " + Sh.quoteAll(modules) + " 2>/dev/null || { " + each + "; }");
        }
        return cmds;
    }

    /**
     * The script: each of {@code steps}, then daemon-reload (exit code of a step after the last) when {@code unit} is
     * enabled, else enable it (which reloads), and restart it when {@code filesChanged}, else start it only when it is
     * not active.
     */
    public static String start(List<String> steps, String unit, boolean filesChanged) {
        NodeScript s = NodeScript.plain();
        for (int i = 0; i < steps.size(); i++) s.step(steps.get(i), FIRST_STEP_EXIT + i);
        // daemon-reload (the last step's exit code) only for a unit already enabled: systemctl enable reloads systemd's
        // configuration itself once it has made the links (systemctl(1), enable: "in a way equivalent to
        // daemon-reload"; --no-reload turns that off), so a first join spares one systemctl
        s.line("if systemctl is-enabled --quiet " + unit + "; then " + DAEMON_RELOAD + " || exit "
                + (FIRST_STEP_EXIT + steps.size()) + "; else systemctl enable " + unit + " || exit " + ENABLE_EXIT
                + "; echo '" + ENABLED_MARK + "'; fi");
        String start = "systemctl restart " + unit + " || exit " + START_EXIT + "; systemctl is-active --quiet " + unit
                + " || exit " + START_EXIT + "; echo '" + STARTED_MARK + "'";
        s.line(filesChanged ? start : "if systemctl is-active --quiet " + unit + "; then :; else " + start + "; fi");
        return s.end();
    }

    /**
     * kubelet's and kube-proxy's preparing steps for {@link #startTogether}: one mkdir for both units' folders, then
     * kube-proxy's modules (one {@code modprobe -a}).
     */
    public static List<String> togetherSteps(List<String> kubeletSteps, List<String> kubeProxySteps) {
        List<String> steps = new ArrayList<>();
        String mkdir = "mkdir -p ";
        if (kubeletSteps.size() == 1 && kubeletSteps.get(0).startsWith(mkdir) && !kubeProxySteps.isEmpty()
                && kubeProxySteps.get(0).startsWith(mkdir)) {
            steps.add(kubeletSteps.get(0) + " " + kubeProxySteps.get(0).substring(mkdir.length()));
            steps.addAll(kubeProxySteps.subList(1, kubeProxySteps.size()));
        } else {
            steps.addAll(kubeletSteps);
            steps.addAll(kubeProxySteps);
        }
        return steps;
    }

    /** A unit of {@link #startTogether}: restarted when its files changed in this run, else started when not active. */
    public record Unit(String name, boolean filesChanged) {
    }

    /** The exit code of {@link #startTogether} when systemctl enable failed for the {@code i}th unit (90, 92, …). */
    public static int enableExit(int i) {
        return ENABLE_EXIT + 2 * i;
    }

    /** The exit code of {@link #startTogether} when the {@code i}th unit did not start (91, 93, …). */
    public static int startExit(int i) {
        return START_EXIT + 2 * i;
    }

    /** {@link #startTogether}: systemctl restart failed, yet every unit it named is active. */
    public static final int RESTART_EXIT = 89;

    /** What {@link #startTogether} prints when it enabled {@code unit}. */
    public static String enabledMark(String unit) {
        return ENABLED_MARK + " " + unit;
    }

    /** What {@link #startTogether} prints when it (re)started {@code unit}. */
    public static String startedMark(String unit) {
        return STARTED_MARK + " " + unit;
    }

    /**
     * Several units started by one script, each as {@link #start} would, with one systemctl per question for all of
     * them: the steps; {@code systemctl is-enabled} of all, then daemon-reload when all are enabled, else one
     * {@code systemctl enable} of those that are not; {@code systemctl is-active} of those whose files did not change,
     * then one {@code systemctl restart} of the changed ones and the inactive ones, and one {@code is-active} of those.
     * systemctl answers is-enabled and is-active with a line per unit but exits 0 when ANY unit is enabled / active
     * (systemctl-is-enabled.c, systemctl-is-active.c), so each unit's line is read ($1, $2 of a function), never the
     * exit code. Exit codes: a step's as {@link #start}'s, {@link #enableExit} / {@link #startExit} for the unit that
     * failed, {@link #RESTART_EXIT}; marks {@link #enabledMark} / {@link #startedMark} per unit.
     */
    public static String startTogether(List<String> steps, List<Unit> units) {
        NodeScript s = NodeScript.plain();
        for (int i = 0; i < steps.size(); i++) s.step(steps.get(i), FIRST_STEP_EXIT + i);
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < units.size(); i++) all.add(i);
        // enabled: the units whose line says so; the others enabled in one call (enable reloads systemd itself)
        s.line("e() { " + enableBranch(units, 0, new ArrayList<>(), FIRST_STEP_EXIT + steps.size()) + "; }");
        s.line("e $(systemctl is-enabled " + names(units, all) + " 2>/dev/null)");
        List<Integer> changed = new ArrayList<>();
        List<Integer> unchanged = new ArrayList<>();
        for (int i = 0; i < units.size(); i++) (units.get(i).filesChanged() ? changed : unchanged).add(i);
        if (unchanged.isEmpty()) {
            s.line(restart(units, changed));
        } else {
            s.line("a() { " + activeBranch(units, unchanged, 0, new ArrayList<>(changed)) + "; }");
            s.line("a $(systemctl is-active " + names(units, unchanged) + ")");
        }
        return s.end();
    }

    private static String names(List<Unit> units, List<Integer> which) {
        StringBuilder sb = new StringBuilder();
        for (int i : which) sb.append(sb.length() == 0 ? "" : " ").append(units.get(i).name());
        return sb.toString();
    }

    /** Nested ifs over the units' is-enabled lines ($1, $2, …): each leaf enables the units found not enabled. */
    private static String enableBranch(List<Unit> units, int i, List<Integer> enable, int reloadExit) {
        if (i == units.size()) {
            if (enable.isEmpty()) return DAEMON_RELOAD + " || exit " + reloadExit;
            StringBuilder alone = new StringBuilder();
            StringBuilder marks = new StringBuilder();
            for (int u : enable) {
                // only when the call for all failed: each alone, so the failure names its unit
                alone.append("systemctl enable ").append(units.get(u).name()).append(" || exit ").append(enableExit(u)).append("; ");
                marks.append("; echo '").append(enabledMark(units.get(u).name())).append("'");
            }
            return (enable.size() == 1 ? alone.substring(0, alone.length() - 2)
                    : "systemctl enable " + names(units, enable) + " || { " + alone + "}") + marks;
        }
        List<Integer> with = new ArrayList<>(enable);
        with.add(i);
        return "if [ \"$" + (i + 1) + "\" = enabled ]; then " + enableBranch(units, i + 1, enable, reloadExit)
                + "; else " + enableBranch(units, i + 1, with, reloadExit) + "; fi";
    }

    /** Nested ifs over the unchanged units' is-active lines: each leaf restarts the changed and the inactive ones. */
    private static String activeBranch(List<Unit> units, List<Integer> unchanged, int k, List<Integer> restart) {
        if (k == unchanged.size()) return restart.isEmpty() ? ":" : restart(units, restart.stream().sorted().toList());
        List<Integer> with = new ArrayList<>(restart);
        with.add(unchanged.get(k));
        return "if [ \"$" + (k + 1) + "\" = active ]; then " + activeBranch(units, unchanged, k + 1, restart)
                + "; else " + activeBranch(units, unchanged, k + 1, with) + "; fi";
    }

    /**
     * One restart of {@code which}, its marks (the restart was asked for: a unit that then fails is told by the exit
     * code), then one is-active of them, read line by line ({@code v}: the first unit not active names the failure);
     * a failed restart with every unit active is {@link #RESTART_EXIT}.
     */
    private static String restart(List<Unit> units, List<Integer> which) {
        String list = names(units, which);
        StringBuilder marks = new StringBuilder();
        for (int u : which) marks.append("echo '").append(startedMark(units.get(u).name())).append("'; ");
        if (which.size() == 1) {
            int u = which.get(0);
            return "systemctl restart " + list + " || exit " + startExit(u) + "; " + marks + "systemctl is-active --quiet "
                    + list + " || exit " + startExit(u);
        }
        StringBuilder check = new StringBuilder("v() { ");
        for (int j = 0; j < which.size(); j++) {
            check.append("[ \"$").append(j + 1).append("\" = active ] || exit ").append(startExit(which.get(j))).append("; ");
        }
        check.append("}");
        return check + "; systemctl restart " + list + " || { " + marks + "v $(systemctl is-active " + list + "); exit "
                + RESTART_EXIT + "; }; " + marks + "v $(systemctl is-active " + list + ")";
    }

    /** Which step a {@link #start} exit code names, or null (not a step's). */
    public static String failedStep(List<String> steps, int exitCode) {
        int i = exitCode - FIRST_STEP_EXIT;
        if (i >= 0 && i < steps.size()) return steps.get(i);
        return i == steps.size() ? DAEMON_RELOAD : null;
    }

    /** What {@link #unitStates} prints for a unit that is not enabled, and for one that is not active. */
    public static final String NOT_ENABLED = "E ";
    public static final String NOT_ACTIVE = "A ";

    /**
     * For plan: the two questions {@link #start} asks the node before it enables or starts a unit whose files did not
     * change — "E unit" when not enabled, "A unit" when not active. Read-only; always exits 0.
     */
    public static String unitStates(List<String> units) {
        StringBuilder sb = new StringBuilder();
        for (String u : units) {
            sb.append("systemctl is-enabled --quiet ").append(u).append(" || echo '").append(NOT_ENABLED).append(u)
                    .append("'; systemctl is-active --quiet ").append(u).append(" || echo '").append(NOT_ACTIVE)
                    .append(u).append("'; ");
        }
        return sb.append("exit 0").toString();
    }

    /** B3 without binaries in the inventory: both installed and executable. */
    public static String binariesInstalled(String kubelet, String kubeProxy) {
        return "test -x " + quote(kubelet) + " && test -x " + quote(kubeProxy);
    }
}
