package io.kubejoin.sandbox.api;

import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Stands for kube-apiserver's bootstrap-token authenticator
 * (plugin/pkg/auth/authenticator/token/bootstrap, enabled by {@code --enable-bootstrap-token-auth})
 * with the helpers of k8s.io/cluster-bootstrap. A token {@code <id>.<secret>} is accepted only when
 * Secret {@code kube-system/bootstrap-token-<id>} exists, is not being deleted, has type
 * {@code bootstrap.kubernetes.io/token}, its {@code token-secret} equals the secret (constant time) and
 * {@code token-id} the id, its {@code expiration} (RFC 3339) has not passed (an unparseable one counts
 * as expired), {@code usage-bootstrap-authentication} is "true", and every {@code auth-extra-groups}
 * entry is a valid {@code system:bootstrappers:...} group (comma-separated, no spaces). The identity is
 * {@code system:bootstrap:<id>} in {@code system:bootstrappers} plus the extra groups.
 * A refusal is silent to the client (401 from the union) and logged here without the secret, like the
 * real "invalid bearer token" line.
 */
public final class BootstrapTokenAuthenticator implements Authenticator {
    private static final Logger LOG = Logger.getLogger(BootstrapTokenAuthenticator.class.getName());
    /** k8s.io/cluster-bootstrap/token/api BootstrapTokenPattern. */
    static final Pattern TOKEN = Pattern.compile("^([a-z0-9]{6})\\.([a-z0-9]{16})$");
    /** BootstrapGroupPattern. */
    static final Pattern GROUP = Pattern.compile("\\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\\z");
    static final String SECRET_PREFIX = "bootstrap-token-";
    static final String SECRET_TYPE = "bootstrap.kubernetes.io/token";

    private final Function<String, Optional<Secret>> kubeSystemSecrets;
    private final Clock clock;

    /** @param kubeSystemSecrets reads a Secret of namespace kube-system by name (the real one uses an informer's lister) */
    public BootstrapTokenAuthenticator(Function<String, Optional<Secret>> kubeSystemSecrets, Clock clock) {
        this.kubeSystemSecrets = kubeSystemSecrets;
        this.clock = clock;
    }

    @Override
    public Optional<UserInfo> authenticate(Credentials credentials) {
        String token = credentials.bearerToken();
        if (token == null) return Optional.empty();
        var m = TOKEN.matcher(token);
        if (!m.matches()) return Optional.empty(); // not of the bootstrap form: another authenticator's business
        String id = m.group(1);
        String secretValue = m.group(2);
        String name = SECRET_PREFIX + id;
        Optional<Secret> found = kubeSystemSecrets.apply(name);
        if (found.isEmpty()) {
            LOG.fine(() -> "bootstrap token " + id + ": no secret kube-system/" + name);
            return Optional.empty();
        }
        Secret secret = found.get();
        if (secret.getMetadata() != null && secret.getMetadata().getDeletionTimestamp() != null) {
            return refuse(name, "is deleted and awaiting removal");
        }
        Map<String, String> data = data(secret);
        if (!SECRET_TYPE.equals(secret.getType()) || data.isEmpty()) {
            return refuse(name, "has invalid type, expected " + SECRET_TYPE);
        }
        String stored = data.getOrDefault("token-secret", "");
        if (!MessageDigest.isEqual(stored.getBytes(StandardCharsets.UTF_8), secretValue.getBytes(StandardCharsets.UTF_8))) {
            return refuse(name, "has invalid value for key token-secret");
        }
        if (!id.equals(data.get("token-id"))) {
            return refuse(name, "has invalid value for key token-id");
        }
        if (hasExpired(data.get("expiration"), clock.instant())) {
            return refuse(name, "has expired");
        }
        if (!"true".equals(data.get("usage-bootstrap-authentication"))) {
            return refuse(name, "not marked usage-bootstrap-authentication=true");
        }
        List<String> groups = groups(data.get("auth-extra-groups"));
        if (groups == null) {
            return refuse(name, "has invalid value for key auth-extra-groups");
        }
        return Optional.of(new UserInfo("system:bootstrap:" + id, "", groups));
    }

    private static Optional<UserInfo> refuse(String secretName, String why) {
        LOG.fine(() -> "bootstrap secret kube-system/" + secretName + " " + why);
        return Optional.empty();
    }

    /**
     * The Secret's values. A real server merges {@code stringData} into {@code data} on write; the mock
     * store keeps {@code stringData} as written, so both are read (data first, stringData wins as on a write).
     */
    static Map<String, String> data(Secret secret) {
        Map<String, String> out = new java.util.HashMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> {
                if (v != null) {
                    try {
                        out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8));
                    } catch (IllegalArgumentException e) {
                        // not base64: a real server would never have stored it; ignore the key
                    }
                }
            });
        }
        if (secret.getStringData() != null) {
            secret.getStringData().forEach((k, v) -> {
                if (v != null) out.put(k, v);
            });
        }
        return out;
    }

    /** cluster-bootstrap's HasExpired: no expiration never expires; an unparseable one is treated as expired. */
    static boolean hasExpired(String expiration, Instant now) {
        if (expiration == null || expiration.isEmpty()) return false;
        try {
            return !now.isBefore(OffsetDateTime.parse(expiration).toInstant());
        } catch (DateTimeParseException e) {
            return true;
        }
    }

    /**
     * cluster-bootstrap's GetGroups: system:bootstrappers plus each extra group, split on "," without trimming
     * (" system:bootstrappers:x" is invalid there too), deduplicated and sorted; null if one is invalid.
     */
    static List<String> groups(String extra) {
        Set<String> groups = new java.util.TreeSet<>();
        groups.add(UserInfo.BOOTSTRAPPERS);
        if (extra != null && !extra.isEmpty()) {
            for (String g : extra.split(",", -1)) {
                if (!GROUP.matcher(g).matches()) return null;
                groups.add(g);
            }
        }
        return new ArrayList<>(groups);
    }
}
