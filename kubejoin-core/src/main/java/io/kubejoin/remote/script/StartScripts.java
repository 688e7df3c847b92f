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
