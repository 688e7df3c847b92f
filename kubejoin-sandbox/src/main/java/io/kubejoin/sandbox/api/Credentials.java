package io.kubejoin.sandbox.api;

/**
 * What a request presents to the bearer-token authenticators. Client certificates do not pass through here:
 * {@link SecureFront} verifies them ({@link ClientCertificateAuthenticator}) and hands the dispatcher the identity
 * in front-proxy headers, which {@link SandboxDispatcher} consults before any token.
 *
 * @param bearerToken the value after {@code Authorization: Bearer }, or null when absent
 */
public record Credentials(String bearerToken) {
    @Override
    public String toString() {
        return "Credentials[" + (bearerToken == null ? "none" : "bearer ***") + "]"; // never the token
    }
}
