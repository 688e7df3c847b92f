package io.kubejoin.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The bootstrap-token rules on Secrets as a real server stores them (data) and as the mock may (stringData). */
class BootstrapTokenAuthenticatorTest {
    static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    static Map<String, String> values() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("token-id", "abcdef");
        m.put("token-secret", "0123456789abcdef");
        m.put("expiration", "2026-01-01T01:00:00Z");
        m.put("usage-bootstrap-authentication", "true");
        return m;
    }

    static Secret withData(Map<String, String> values) {
        Map<String, String> data = new LinkedHashMap<>();
        values.forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        return new SecretBuilder().withNewMetadata().withName("bootstrap-token-abcdef").withNamespace("kube-system").endMetadata()
                .withType("bootstrap.kubernetes.io/token").withData(data).build();
    }

    static Optional<UserInfo> auth(Secret secret, String token) {
        BootstrapTokenAuthenticator a = new BootstrapTokenAuthenticator(
                name -> name.equals("bootstrap-token-abcdef") ? Optional.ofNullable(secret) : Optional.empty(),
                Clock.fixed(NOW, ZoneOffset.UTC));
        return a.authenticate(new Credentials(token));
    }

    @Test
    void acceptsDataAndStringDataSecrets() {
        assertThat(auth(withData(values()), "abcdef.0123456789abcdef")).map(UserInfo::username).contains("system:bootstrap:abcdef");
        Secret stringData = new SecretBuilder().withNewMetadata().withName("bootstrap-token-abcdef").endMetadata()
                .withType("bootstrap.kubernetes.io/token").withStringData(values()).build();
        assertThat(auth(stringData, "abcdef.0123456789abcdef")).map(UserInfo::groups).contains(java.util.List.of("system:bootstrappers"));
    }

    @Test
    void refusesBrokenTokensAndSecrets() {
        assertThat(auth(withData(values()), "abcdef.0123456789abcdeX")).as("bad form").isEmpty();
        assertThat(auth(withData(values()), "abcdef.fedcba9876543210")).as("wrong secret").isEmpty();
        assertThat(auth(null, "abcdef.0123456789abcdef")).as("no secret").isEmpty();
        Map<String, String> expired = values();
        expired.put("expiration", "2026-01-01T00:00:00Z");
        assertThat(auth(withData(expired), "abcdef.0123456789abcdef")).as("expires now").isEmpty();
        Map<String, String> noExpiry = values();
        noExpiry.remove("expiration");
        assertThat(auth(withData(noExpiry), "abcdef.0123456789abcdef")).as("no expiration never expires").isPresent();
        Secret deleting = withData(values());
        deleting.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
        assertThat(auth(deleting, "abcdef.0123456789abcdef")).as("being deleted").isEmpty();
        Map<String, String> badGroup = values();
        badGroup.put("auth-extra-groups", "system:bootstrappers:ok,system:bootstrappers:");
        assertThat(auth(withData(badGroup), "abcdef.0123456789abcdef")).as("invalid extra group").isEmpty();
    }

    @Test
    void extraGroupsFollowClusterBootstrapRules() {
        assertThat(BootstrapTokenAuthenticator.groups("system:bootstrappers:b,system:bootstrappers:a,system:bootstrappers:b"))
                .containsExactly("system:bootstrappers", "system:bootstrappers:a", "system:bootstrappers:b");
        assertThat(BootstrapTokenAuthenticator.groups("system:bootstrappers:a, system:bootstrappers:b")).as("no trimming").isNull();
        assertThat(BootstrapTokenAuthenticator.groups("system:nodes")).isNull();
        assertThat(BootstrapTokenAuthenticator.groups("system:bootstrappers:UPPER")).isNull();
        assertThat(BootstrapTokenAuthenticator.groups("")).containsExactly("system:bootstrappers");
    }
}
