package io.kubejoin.token;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A bootstrap token ({@code <id>.<secret>}, K1) issued for one node. kube-apiserver authenticates it as
 * user {@code system:bootstrap:<id>}; the secret part is a credential and must never be logged:
 * {@link #toString()} and {@link #redacted()} show {@code <id>.****}.
 */
public final class BootstrapToken {
    /** The format kube-apiserver's bootstrap authenticator accepts (k8s.io/cluster-bootstrap). */
    public static final Pattern ID = Pattern.compile("[a-z0-9]{6}");
    public static final Pattern SECRET = Pattern.compile("[a-z0-9]{16}");
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private final String id;
    private final String secret;
    private final String node;
    private final Instant expiration;

    public BootstrapToken(String id, String secret, String node, Instant expiration) {
        if (!ID.matcher(id).matches() || !SECRET.matcher(secret).matches()) {
            throw new IllegalArgumentException("malformed bootstrap token for node " + node);
        }
        this.id = id;
        this.secret = secret;
        this.node = Objects.requireNonNull(node);
        this.expiration = Objects.requireNonNull(expiration);
    }

    /** A fresh token for a node, from SecureRandom, valid until expiration. */
    public static BootstrapToken generate(SecureRandom random, String node, Instant expiration) {
        return new BootstrapToken(randomString(random, 6), randomString(random, 16), node, expiration);
    }

    private static String randomString(SecureRandom random, int length) {
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            out[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return new String(out);
    }

    public String id() { return id; }
    /** The credential part; only for files that must carry it (kubeconfig, Secret). */
    public String secret() { return secret; }
    public String node() { return node; }
    public Instant expiration() { return expiration; }

    /** The full token as kubelet presents it as a bearer token. Secret: never log. */
    public String value() {
        return id + "." + secret;
    }

    /** The user name kube-apiserver gives requests authenticated with this token. */
    public String username() {
        return "system:bootstrap:" + id;
    }

    public String secretName() {
        return "bootstrap-token-" + id;
    }

    public boolean isExpiredAt(Instant now) {
        return !expiration.isAfter(now);
    }

    public String redacted() {
        return id + ".****";
    }

    @Override
    public String toString() {
        return redacted() + " (node " + node + ", expires " + expiration + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BootstrapToken t && t.id.equals(id) && t.secret.equals(secret)
                && t.node.equals(node) && t.expiration.equals(expiration);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, node, expiration);
    }
}
