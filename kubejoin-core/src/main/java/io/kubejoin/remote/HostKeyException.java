package io.kubejoin.remote;

/** The node's host key is unknown or changed; carries what the message says so a report can show it. */
public final class HostKeyException extends TransportException {
    private final String fingerprint;
    private final String keyType;

    public HostKeyException(Kind kind, String target, String keyType, String fingerprint, String message) {
        super(kind, target, message);
        this.fingerprint = fingerprint;
        this.keyType = keyType;
    }

    /** "SHA256:…" of the key the node presented. */
    public String fingerprint() {
        return fingerprint;
    }

    public String keyType() {
        return keyType;
    }
}
