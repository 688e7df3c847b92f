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
    /** The section marker function: {@code s NAME} prints {@code == NAME}. */
    public static final String SECTION_FUNCTION = "s() { echo \"== $1\"; }\n";

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

    /** A sectioned script's output by section name (each section's lines, newline-terminated). */
    public static Map<String, String> sections(String stdout) {
        Map<String, String> out = new HashMap<>();
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
}
