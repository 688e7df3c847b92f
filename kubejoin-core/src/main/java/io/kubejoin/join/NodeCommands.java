package io.kubejoin.join;

import io.kubejoin.remote.ExecResult;
import io.kubejoin.remote.Transport;
import io.kubejoin.remote.TransportException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The commands kubejoin runs on a node, in one place: the vocabulary a simulated node must understand, and the
 * translation of failures into {@link PhaseFailure}s carrying the unit's journal.
 */
public final class NodeCommands {
    public static final Duration TIMEOUT = Duration.ofSeconds(60);
    static final int JOURNAL_LINES = 20;

    private NodeCommands() {
    }

    /** Runs a command; a transport failure becomes a PhaseFailure (transient when a retry may help). */
    public static ExecResult exec(Transport t, String command) throws PhaseFailure {
        return exec(t, command, TIMEOUT);
    }

    /** As {@link #exec(Transport, String)}, for a command that waits on the node up to its own bound. */
    public static ExecResult exec(Transport t, String command, Duration timeout) throws PhaseFailure {
        try {
            return t.exec(command, timeout);
        } catch (TransportException e) {
            throw new PhaseFailure(t.target() + ": " + e.getMessage(), "check the node is reachable over SSH",
                    List.of(), e.isTransient(), e);
        }
    }

    /**
     * The start of a script that answers several questions in one SSH command: {@code s NAME} begins the section
     * NAME of its output; {@link #sections} splits the output again.
     */
    public static final String SECTION_FUNCTION = "s() { echo \"== $1\"; }\n";

    /** A sectioned script's output by section name (each section's lines, newline-terminated). */
    public static java.util.Map<String, String> sections(String stdout) {
        java.util.Map<String, String> out = new java.util.HashMap<>();
        String current = null;
        StringBuilder body = new StringBuilder();
        for (String line : stdout.split("\n", -1)) {
            if (line.startsWith("== ")) {
                if (current != null) out.put(current, body.toString());
                current = line.substring(3).strip();
                body.setLength(0);
            } else if (current != null) {
                body.append(line).append('\n');
            }
        }
        if (current != null) out.put(current, body.toString());
        return out;
    }

    /** Runs a command that must succeed. */
    public static ExecResult run(Transport t, String command, String what, String hint) throws PhaseFailure {
        ExecResult r = exec(t, command);
        if (!r.ok()) {
            throw new PhaseFailure(what + " failed (exit " + r.exitCode() + "): " + firstLine(r.stderr(), r.stdout()), hint);
        }
        return r;
    }

    /** The unit's last journal lines, for a failure report; empty when they cannot be read. */
    public static List<String> journal(Transport t, String unit) {
        try {
            ExecResult r = t.exec("journalctl -u " + unit + " -n " + JOURNAL_LINES + " --no-pager -o cat", TIMEOUT);
            return r.stdout().isBlank() ? List.of() : Arrays.asList(r.stdout().strip().split("\n"));
        } catch (TransportException e) {
            return List.of();
        }
    }

    public static String firstLine(String... texts) {
        for (String s : texts) {
            if (s != null && !s.isBlank()) return s.strip().split("\n")[0];
        }
        return "no output";
    }

    /**
     * A sh condition true when the kernel module {@code module} works although modprobe and modinfo cannot find it
     * and /sys/module shows nothing: a kernel with the iptables modules built in and no {@code /lib/modules}
     * (built-ins without parameters appear nowhere in /sys/module). Checked by function: {@code
     * /proc/net/ip_tables_names} exists and iptables can read the table, which is all kube-proxy needs (with
     * iptables-nft, ip_tables is not needed at all); {@code /proc/net/ip_vs} for ip_vs. Null for a module without
     * such a check.
     */
    public static String moduleFunctionCheck(String module) {
        return switch (module) {
            case "ip_tables" -> "{ [ -e '/proc/net/ip_tables_names' ] || iptables -t filter -S >/dev/null 2>&1; }";
            case "iptable_filter" -> "iptables -t filter -S >/dev/null 2>&1";
            case "iptable_nat" -> "iptables -t nat -S >/dev/null 2>&1";
            case "ip_vs" -> "[ -e '/proc/net/ip_vs' ]";
            default -> null;
        };
    }

    /**
     * A sh condition true when the module serves although modprobe just failed (no /lib/modules): loaded or built
     * in with parameters ({@code /sys/module/NAME}, nf_conntrack's hashsize, say), or working by
     * {@link #moduleFunctionCheck function}.
     */
    public static String moduleWorks(String module) {
        String f = moduleFunctionCheck(module);
        return "[ -d " + quote("/sys/module/" + module) + " ]" + (f == null ? "" : " || " + f);
    }

    /** Single-quotes a word for sh. */
    public static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
