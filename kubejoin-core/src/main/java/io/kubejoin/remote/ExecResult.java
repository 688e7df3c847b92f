package io.kubejoin.remote;

/**
 * What a command did: a non-zero exit is a result, not an exception.
 *
 * @param exitCode the command's exit status; -1 when it ended by a signal without one (see stderr)
 */
public record ExecResult(int exitCode, String stdout, String stderr) {
    public boolean ok() {
        return exitCode == 0;
    }

    /** First lines of stderr (or stdout when stderr is empty) for a one-line report. */
    public String summary() {
        String s = stderr.isBlank() ? stdout : stderr;
        s = s.strip();
        int nl = s.indexOf('\n');
        return "exit " + exitCode + (s.isEmpty() ? "" : ": " + (nl < 0 ? s : s.substring(0, nl) + " …"));
    }
}
