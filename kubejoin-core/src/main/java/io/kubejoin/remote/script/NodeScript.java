package io.kubejoin.remote.script;

import java.util.HashMap;
import java.util.Map;

/**
 * Builds the scripts kubejoin sends as one SSH command. Two shapes: sectioned — several questions in one command,
 * {@code s NAME} beginning section NAME of the output, which {@link #sections} splits again — and exit-coded —
 * steps that each stop the script with their own exit code, so the caller can tell which one failed. Both end with
 * {@code exit 0} when nothing stopped them.
 */
public final class NodeScript {
    /**
     * The section marker function: {@code s NAME} prints {@code == NAME} on a line of its own — after a newline of its
     * own, since the answer before it may end without one (a PEM file's last line through sed): without it the
     * marker would join that line and the section would be lost.
     */
    public static final String SECTION_FUNCTION = "s() { echo; echo \"== $1\"; }\n";

    private final StringBuilder sb = new StringBuilder();

    private NodeScript() {
    }

    /** A script whose output is split into sections. */
    public static NodeScript sectioned() {
        NodeScript s = new NodeScript();
        s.sb.append(SECTION_FUNCTION);
        return s;
    }

    /** A script of plain lines (steps, functions). */
    public static NodeScript plain() {
        return new NodeScript();
    }

    /** One line of shell, as it is. */
    public NodeScript line(String shell) {
        sb.append(shell).append('\n');
        return this;
    }

    /** Section {@code name}: what {@code command} prints is its answer. */
    public NodeScript section(String name, String command) {
        sb.append("s ").append(name).append("; ").append(command).append('\n');
        return this;
    }

    /** A step that stops the script with {@code exitCode} when it fails. */
    public NodeScript step(String command, int exitCode) {
        sb.append(command).append(" || exit ").append(exitCode).append('\n');
        return this;
    }

    /** The script, ending in {@code exit 0}. */
    public String end() {
        return sb + "exit 0\n";
    }

    /**
     * A sectioned script's output by section name: each section's answer, its lines newline-terminated (the newline
     * each marker prints before itself taken off again; an answer that did not end with a newline gets one).
     */
    public static Map<String, String> sections(String stdout) {
        Map<String, String> out = new HashMap<>();
        String current = null;
        int bodyStart = 0;
        int i = 0;
        while (i <= stdout.length()) {
            int nl = stdout.indexOf('\n', i);
            int end = nl < 0 ? stdout.length() : nl;
            if (stdout.startsWith("== ", i)) {
                if (current != null) out.put(current, answer(stdout.substring(bodyStart, i), true));
                current = stdout.substring(i + 3, end).strip();
                bodyStart = Math.min(stdout.length(), end + 1);
            }
            if (nl < 0) break;
            i = nl + 1;
        }
        if (current != null) out.put(current, answer(stdout.substring(bodyStart), false));
        return out;
    }

    private static String answer(String raw, boolean markerFollows) {
        String a = markerFollows && raw.endsWith("\n") ? raw.substring(0, raw.length() - 1) : raw;
        return a.isEmpty() || a.endsWith("\n") ? a : a + "\n";
    }
}
