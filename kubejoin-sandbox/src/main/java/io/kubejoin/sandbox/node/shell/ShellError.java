package io.kubejoin.sandbox.node.shell;

/** A command's loud failure: message for stderr and exit status. */
final class ShellError extends RuntimeException {
    final int status;

    ShellError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    static ShellError unsupportedOption(String cmd, String option) {
        return new ShellError(2, "sandbox node: unsupported option " + option + " for " + cmd);
    }
}
