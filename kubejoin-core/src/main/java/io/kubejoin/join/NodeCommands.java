package io.kubejoin.join;

import io.kubejoin.remote.ExecResult;
import io.kubejoin.remote.Transport;
import io.kubejoin.remote.TransportException;
import io.kubejoin.remote.script.NodeScript;
import io.kubejoin.remote.script.UnitScripts;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Running kubejoin's node scripts (made in {@code remote.script}) from the join: the translation of failures into
 * {@link PhaseFailure}s carrying the unit's journal.
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

    /** A sectioned script's output by section name ({@link NodeScript#sections}). */
    public static java.util.Map<String, String> sections(String stdout) {
        return NodeScript.sections(stdout);
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
            ExecResult r = t.exec(UnitScripts.journal(unit, JOURNAL_LINES), TIMEOUT);
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
}
