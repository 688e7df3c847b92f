package io.kubejoin.sandbox;

/**
 * What a request presents to the authenticators. Only the bearer token today: the mock server's
 * HTTP layer does not hand client certificates to its dispatcher, so x509 identities (kubelet after
 * bootstrap) must be added through {@link Authenticator} by a later change or mapped to static tokens.
 *
 * @param bearerToken the value after {@code Authorization: Bearer }, or null when absent
 */
public record Credentials(String bearerToken) {
    @Override
    public String toString() {
        return "Credentials[" + (bearerToken == null ? "none" : "bearer ***") + "]"; // never the token
    }
}
