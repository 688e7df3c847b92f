package io.kubejoin.util;

/** A failure with a message meant for the user (no stack trace), and the exit code to end with. */
public class UserFacingException extends RuntimeException {
    private final int exitCode;

    public UserFacingException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public UserFacingException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
