package io.kubejoin.join.phases;

import io.kubejoin.join.NodeCommands;
import io.kubejoin.join.NodeContext;
import io.kubejoin.join.NodePhase;
import io.kubejoin.join.PhaseFailure;
import io.kubejoin.join.PhaseResult;
import io.kubejoin.remote.ExecResult;
import io.kubejoin.remote.PushResult;
import io.kubejoin.remote.RemoteFile;
import io.kubejoin.remote.TransportException;
import io.kubejoin.remote.script.PrepScripts;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code join --prepare}: makes the node's kernel settings persistent the standard way and turns swap off, so
 * node-preflight passes — the settings node-preflight reads from /proc/sys in {@link #SYSCTL_FILE}, br_netfilter in
 * {@link #MODULES_FILE} (when the proxy mode reads the bridge settings), both written as any push (temp file, backup,
 * rename) and applied ({@code modprobe}, {@code sysctl -p}); swap lines in /etc/fstab commented out (the old file kept
 * as /etc/fstab.kubejoin-bak) and {@code swapoff -a}, when kubelet's failSwapOn holds. It changes nothing already so,
 * and never the container runtime's configuration. {@link #look} is also what {@code plan --prepare} shows.
 */
public final class NodePrepPhase implements NodePhase {
    /**
     * systemd-sysctl and {@code sysctl --system} apply /etc/sysctl.d/ in lexical order, the last word winning: 99-
     * comes after a distribution's own files (10-…, 50-…), so a distribution default cannot turn forwarding off again.
     */
    public static final String SYSCTL_FILE = "/etc/sysctl.d/99-kubernetes.conf";
    /** Read by systemd-modules-load at boot, before systemd-sysctl applies the bridge settings that need the module. */
    public static final String MODULES_FILE = "/etc/modules-load.d/kubernetes.conf";
    public static final String FSTAB = "/etc/fstab";
    static final String BR_NETFILTER = "br_netfilter";

    @Override
    public String name() {
        return "node-prep";
    }

    @Override
    public String description() {
        return "only with --prepare: kernel settings persistent in " + SYSCTL_FILE + " and " + MODULES_FILE
                + " and applied, swap off (fstab entries commented out, swapoff -a); never the runtime's config";
    }

    /** One file node-prep writes: its content on the node now (null: missing) and the new one. */
    public record FileChange(String path, String before, String after) {
        RemoteFile file() {
            return new RemoteFile(path, 0644, after.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** What node-prep would do on the node: files to write, modules to load, whether to apply the settings, swapoff. */
    public record Prep(List<FileChange> files, List<String> modules, boolean applySysctl, boolean swapoff) {
        public boolean nothing() {
            return files.isEmpty() && modules.isEmpty() && !applySysctl && !swapoff;
        }

        /** The commands it would run, in order, as plan shows them. */
        public List<String> commands() {
            List<String> out = new ArrayList<>();
            modules.forEach(m -> out.add("modprobe " + m));
            if (applySysctl) out.add("sysctl -p " + SYSCTL_FILE);
            if (swapoff) out.add("swapoff -a");
            return out;
        }
    }

    /** Looks at the node (one command) and works out what node-prep would change. */
    public static Prep look(NodeContext ctx) throws PhaseFailure {
        List<NodePreflightPhase.KernelSetting> settings = NodePreflightPhase.kernelSettings(ctx);
        boolean bridge = settings.stream().anyMatch(k -> k.key().startsWith("net.bridge."));
        boolean swapMatters = !Boolean.FALSE.equals(ctx.node().kubelet().config().getOrDefault("failSwapOn", Boolean.TRUE));
        List<String> paths = List.of(SYSCTL_FILE, MODULES_FILE, FSTAB);
        ExecResult r = NodeCommands.exec(ctx.transport(), PrepScripts.look(paths,
                settings.stream().map(NodePreflightPhase.KernelSetting::key).toList()));
        if (!r.ok()) {
            throw new PhaseFailure("node-prep's look at the node failed (exit " + r.exitCode() + "): "
                    + NodeCommands.firstLine(r.stderr(), r.stdout()), "check that the login shell on the node is a POSIX sh");
        }
        Map<String, String> answers = NodeCommands.sections(r.stdout());
        List<FileChange> files = new ArrayList<>();

        StringBuilder sysctl = new StringBuilder("# Written by kubejoin (join --prepare): the kernel settings kubelet and "
                + "kube-proxy need; systemd-sysctl applies them at boot.\n");
        settings.forEach(k -> sysctl.append(k.key()).append(" = 1\n"));
        String sysctlNow = present(answers.get("file-0"));
        boolean sysctlChanged = !sysctl.toString().equals(sysctlNow);
        if (!settings.isEmpty() && sysctlChanged) files.add(new FileChange(SYSCTL_FILE, sysctlNow, sysctl.toString()));

        boolean modulesChanged = false;
        if (bridge) {
            String modules = "# Written by kubejoin (join --prepare): systemd-modules-load loads it at boot, before "
                    + "systemd-sysctl sets the bridge settings it brings.\n" + BR_NETFILTER + "\n";
            String modulesNow = present(answers.get("file-1"));
            modulesChanged = !modules.equals(modulesNow);
            if (modulesChanged) files.add(new FileChange(MODULES_FILE, modulesNow, modules));
        }

        boolean valuesOff = settings.stream().anyMatch(k -> !answers.getOrDefault("sysctl-" + k.key(), "").strip().startsWith("1"));
        boolean applySysctl = !settings.isEmpty() && (sysctlChanged || valuesOff);
        // the bridge settings exist only while br_netfilter is loaded: load it before sysctl -p, or when its file is new
        boolean bridgeMissing = settings.stream().anyMatch(k -> k.key().startsWith("net.bridge.")
                && answers.getOrDefault("sysctl-" + k.key(), "").isBlank());
        List<String> modules = bridge && (applySysctl || modulesChanged || bridgeMissing) ? List.of(BR_NETFILTER) : List.of();

        boolean swapoff = false;
        if (swapMatters) {
            String fstab = present(answers.get("file-2"));
            if (fstab != null) {
                String commented = commentOutSwap(fstab);
                if (!commented.equals(fstab)) files.add(new FileChange(FSTAB, fstab, commented));
            }
            swapoff = !answers.getOrDefault("swaps", "").isBlank();
        }
        return new Prep(files, modules, applySysctl, swapoff);
    }

    /** A section's file content, null when the file is missing (cat printed nothing). */
    private static String present(String answer) {
        return answer == null || answer.isEmpty() ? null : answer;
    }

    /** /etc/fstab with each active swap entry (third field "swap") commented out; everything else as it was. */
    static String commentOutSwap(String fstab) {
        StringBuilder out = new StringBuilder();
        for (String line : fstab.split("\n", -1)) {
            String t = line.strip();
            String[] f = t.split("\\s+");
            boolean swap = !t.startsWith("#") && f.length >= 3 && f[2].equals("swap");
            out.append(swap ? "#" + line : line).append('\n');
        }
        out.setLength(out.length() - 1);
        return out.toString();
    }

    @Override
    public PhaseResult run(NodeContext ctx) throws PhaseFailure {
        Prep prep = look(ctx);
        if (prep.nothing()) return PhaseResult.unchanged("kernel settings persistent and applied, swap off");
        List<String> done = new ArrayList<>();
        if (!prep.files().isEmpty()) {
            PushResult pushed;
            try {
                pushed = ctx.transport().push(prep.files().stream().map(FileChange::file).toList());
            } catch (TransportException e) {
                throw new PhaseFailure("writing " + String.join(", ", prep.files().stream().map(FileChange::path).toList())
                        + " failed: " + e.getMessage(), "no file is left half-written; run the join again", List.of(), e.isTransient(), e);
            }
            for (String p : pushed.changed()) done.add(p.equals(FSTAB) ? p + " (swap commented out; the old one kept as " + p
                    + ".kubejoin-bak)" : p);
        }
        ExecResult r = NodeCommands.exec(ctx.transport(), PrepScripts.apply(prep.modules(), prep.applySysctl() ? SYSCTL_FILE : null,
                prep.swapoff()));
        if (!r.ok()) {
            String step = switch (r.exitCode()) {
                case PrepScripts.MODPROBE_FAILED -> "modprobe " + BR_NETFILTER;
                case PrepScripts.SYSCTL_FAILED -> "sysctl -p " + SYSCTL_FILE;
                case PrepScripts.SWAPOFF_FAILED -> "swapoff -a";
                default -> "applying the settings";
            };
            throw new PhaseFailure(step + " failed (exit " + r.exitCode() + "): " + NodeCommands.firstLine(r.stderr(), r.stdout()),
                    "the files are in place; fix the cause on the node and run the join again");
        }
        done.addAll(prep.commands());
        return new PhaseResult(true, String.join("; ", done), prep.files().stream().map(FileChange::path).toList());
    }
}
