package io.kubejoin.remote;

import java.io.IOException;

/**
 * A node could not be reached or a transfer did not complete. Non-zero exit codes are not exceptions
 * ({@link ExecResult}); this is for the cases where there is no result to look at.
 *
 * <p>{@link #isTransient()} tells a runner whether retrying the same operation can help: a refused or timed-out
 * connection or one dropped mid-way can; an unknown host key, a rejected login or a unreadable key file cannot.
 */
public class TransportException extends IOException {
    public enum Kind {
        /** connection refused, no route, reset while connecting */
        UNREACHABLE(true),
        /** the TCP connect, key exchange or login did not finish within its timeout */
        CONNECT_TIMEOUT(true),
        /** the connection closed while a command or transfer was running */
        CONNECTION_LOST(true),
        /** a command ran past its timeout (it may still be running on the node) */
        COMMAND_TIMEOUT(true),
        /** the host name does not resolve */
        UNKNOWN_HOST(false),
        /** the node's host key is not in known_hosts */
        HOST_KEY_UNKNOWN(false),
        /** the node's host key differs from the one in known_hosts (or is revoked) */
        HOST_KEY_CHANGED(false),
        /** the server rejected every offered key */
        AUTH_FAILED(false),
        /** the private key file is missing, unreadable, or its passphrase is missing or wrong */
        IDENTITY(false),
        /** a step of kubejoin's own remote script failed (e.g. sudo needs a password, disk full) */
        REMOTE_FAILURE(false),
        /** a request kubejoin should never make (relative path, duplicate destination) */
        INVALID_REQUEST(false);

        private final boolean transientByDefault;

        Kind(boolean transientByDefault) {
            this.transientByDefault = transientByDefault;
        }

        public boolean isTransient() {
            return transientByDefault;
        }
    }

    private final Kind kind;
    private final String target;

    public TransportException(Kind kind, String target, String message) {
        this(kind, target, message, null);
    }

    public TransportException(Kind kind, String target, String message, Throwable cause) {
        super(target + ": " + message, cause);
        this.kind = kind;
        this.target = target;
    }

    public Kind kind() {
        return kind;
    }

    /** The node as "user@host:port" (or "local"). */
    public String target() {
        return target;
    }

    public boolean isTransient() {
        return kind.isTransient();
    }
}
