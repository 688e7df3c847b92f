package io.kubejoin.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Secret;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.cluster.MockCluster;
import io.kubejoin.cluster.TokenService;
import io.kubejoin.render.ClusterManifests;
import io.kubejoin.testing.TestInventories;
import io.kubejoin.token.BootstrapToken;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TokenLifetimeTest {
    static final Instant START = Instant.parse("2026-01-01T10:00:00Z");
    final MockCluster cluster = new MockCluster();
    final KubeConnection conn = cluster.connect();
    final BootstrapToken token = new BootstrapToken("abc123", "0123456789abcdef", "slave", START.plus(Duration.ofHours(1)));

    @AfterEach
    void close() {
        conn.close();
        cluster.close();
    }

    TokenLifetime at(Instant now, Duration ttl) {
        return at(now, ttl, token);
    }

    TokenLifetime at(Instant now, Duration ttl, BootstrapToken t) {
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        return new TokenLifetime(Map.of("slave", t), new TokenService(conn, clock, new SecureRandom()), clock, ttl);
    }

    void create() {
        create(token);
    }

    void create(BootstrapToken t) {
        conn.client().secrets().inNamespace("kube-system")
                .resource(ClusterManifests.bootstrapTokenSecret(TestInventories.article(), t)).create();
    }

    /** What the authenticator reads: data.expiration (the mock keeps the create's stringData apart). */
    String expiration() {
        Secret s = conn.client().secrets().inNamespace("kube-system").withName(token.secretName()).get();
        String data = s.getData() == null ? null : s.getData().get("expiration");
        return data == null ? s.getStringData().get("expiration") : new String(Base64.getDecoder().decode(data), StandardCharsets.UTF_8);
    }

    @Test
    void aTokenWithTimeLeftIsLeftAloneWithoutARequest() throws Exception {
        create();
        long before = conn.sentByKind().values().stream().mapToLong(Long::longValue).sum();
        assertThat(at(START.plus(Duration.ofMinutes(49)), Duration.ofHours(1)).ensure("slave")).isNull();
        assertThat(conn.sentByKind().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(before);
        assertThat(expiration()).isEqualTo("2026-01-01T11:00:00Z");
    }

    @Test
    void aTokenCloseToItsExpiryIsExtendedToAFullTtlOnceTheTokenItselfUnchanged() throws Exception {
        create();
        TokenLifetime lifetime = at(START.plus(Duration.ofMinutes(51)), Duration.ofHours(1));
        String note = lifetime.ensure("slave");
        assertThat(note).isEqualTo("bootstrap token abc123.**** extended to 2026-01-01T11:51:00Z (it would have expired "
                + "2026-01-01T11:00:00Z: the run outlived it)");
        assertThat(note).doesNotContain(token.secret());
        assertThat(expiration()).isEqualTo("2026-01-01T11:51:00Z");
        Secret s = conn.client().secrets().inNamespace("kube-system").withName(token.secretName()).get();
        assertThat(s.getStringData()).containsEntry("token-secret", token.secret()).containsEntry("token-id", "abc123");
        // once extended, the same run does not write it again
        assertThat(lifetime.ensure("slave")).isNull();
        assertThat(conn.sentByKind()).containsEntry("PATCH secrets/*", 1L);
        // a node without a token of this run: nothing
        assertThat(lifetime.ensure("other")).isNull();
    }

    @Test
    void anExpiredTokenStillThereIsExtendedAndAShortTtlUsesHalfOfItAsTheMargin() throws Exception {
        create();
        assertThat(at(START.plus(Duration.ofMinutes(61)), Duration.ofHours(1)).ensure("slave"))
                .contains("had expired 2026-01-01T11:00:00Z");
        // TTL 2m: a token with 1m30s left is kept (margin 1m, not 10m, which every such token would be within)
        BootstrapToken shortLived = new BootstrapToken("def456", "fedcba9876543210", "slave", Instant.parse("2026-01-01T12:02:00Z"));
        create(shortLived);
        assertThat(at(Instant.parse("2026-01-01T12:00:30Z"), Duration.ofMinutes(2), shortLived).ensure("slave")).isNull();
        assertThat(at(Instant.parse("2026-01-01T12:01:30Z"), Duration.ofMinutes(2), shortLived).ensure("slave"))
                .contains("extended to 2026-01-01T12:03:30Z");
    }

    @Test
    void aTokenWhoseSecretIsGoneFailsThePhaseWithTheFix() {
        assertThatThrownBy(() -> at(START.plus(Duration.ofMinutes(55)), Duration.ofHours(1)).ensure("slave"))
                .isInstanceOf(PhaseFailure.class)
                .hasMessageContaining("bootstrap token abc123.**** expires 2026-01-01T11:00:00Z and its Secret "
                        + "kube-system/bootstrap-token-abc123 is gone")
                .satisfies(e -> assertThat(((PhaseFailure) e).hint()).contains("kubejoin join"));
    }
}
