package io.kubejoin.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.kubejoin.util.UserFacingException;
import io.kubejoin.testing.TestInventories;
import io.kubejoin.token.BootstrapToken;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

class TokenServiceTest {
    static final Instant NOW = Instant.parse("2026-01-01T10:00:00Z");
    final MockCluster cluster = new MockCluster();
    final KubeConnection conn = cluster.connect();
    final TokenService tokens = at(NOW);

    TokenService at(Instant now) {
        return new TokenService(conn, Clock.fixed(now, ZoneOffset.UTC), new SecureRandom());
    }

    @AfterEach
    void close() {
        conn.close();
        cluster.close();
    }

    Secret stored(BootstrapToken t) {
        return conn.client().secrets().inNamespace("kube-system").withName(t.secretName()).get();
    }

    @Test
    void createsTheSecretKubeadmWouldForANode() {
        BootstrapToken t = tokens.create(TokenService.Request.forNode(TestInventories.article(), "slave"));
        Secret s = stored(t);
        assertThat(s.getType()).isEqualTo("bootstrap.kubernetes.io/token");
        assertThat(s.getMetadata().getLabels()).containsEntry("kubejoin.io/node", "slave");
        assertThat(s.getStringData())
                .containsEntry("token-id", t.id())
                .containsEntry("token-secret", t.secret())
                .containsEntry("expiration", "2026-01-01T11:00:00Z")
                .containsEntry("usage-bootstrap-authentication", "true")
                .containsEntry("auth-extra-groups", "system:bootstrappers:kubejoin")
                .containsEntry("description", "kubejoin bootstrap token for node slave");
        assertThat(t.node()).isEqualTo("slave");
    }

    @Test
    void createsATokenForNoNodeWithItsOwnGroupAndDescription() {
        BootstrapToken t = tokens.create(new TokenService.Request(null, Duration.ofMinutes(2), "probe", "kubejoin preflight probe"));
        Secret s = stored(t);
        assertThat(s.getMetadata().getLabels()).doesNotContainKey("kubejoin.io/node");
        assertThat(s.getStringData()).containsEntry("auth-extra-groups", "system:bootstrappers:probe")
                .containsEntry("description", "kubejoin preflight probe")
                .containsEntry("expiration", "2026-01-01T10:02:00Z");
    }

    @Tag("hostile")
    @Test
    void refusesAGroupKubeApiserverWouldReject() {
        assertThatThrownBy(() -> tokens.create(new TokenService.Request("n", Duration.ofHours(1), "Bad_Group", null)))
                .isInstanceOf(UserFacingException.class)
                .hasMessageContaining("'Bad_Group' cannot be a bootstrap group")
                .satisfies(e -> assertThat(((UserFacingException) e).exitCode()).isEqualTo(2));
        assertThat(tokens.list()).isEmpty();
    }

    @Tag("hostile")
    @Test
    void listsTokensFromDataAndStringDataWithoutTheirSecrets() {
        BootstrapToken mine = tokens.create(new TokenService.Request("worker-1", Duration.ofHours(2), "kubejoin", null));
        // as a real server stores one: base64 data, written by someone else (kubeadm), no node label
        conn.client().secrets().inNamespace("kube-system").resource(new SecretBuilder()
                .withNewMetadata().withName("bootstrap-token-abcdef").withNamespace("kube-system").endMetadata()
                .withType("bootstrap.kubernetes.io/token")
                .addToData("token-id", b64("abcdef"))
                .addToData("token-secret", b64("0123456789abcdef"))
                .addToData("expiration", b64("2026-01-01T10:30:00Z"))
                .addToData("usage-bootstrap-authentication", b64("true"))
                .addToData("usage-bootstrap-signing", b64("true"))
                .addToData("auth-extra-groups", b64("system:bootstrappers:kubeadm:default-node-token"))
                .addToData("description", b64("kubeadm's"))
                .build()).create();
        // not a token: ignored
        conn.client().secrets().inNamespace("kube-system").resource(new SecretBuilder()
                .withNewMetadata().withName("other").withNamespace("kube-system").endMetadata()
                .addToStringData("token-id", "zzzzzz").build()).create();

        List<TokenInfo> list = tokens.list();
        assertThat(list).extracting(TokenInfo::id).containsExactly("abcdef", mine.id()); // soonest expiry first
        TokenInfo kubeadm = list.get(0);
        assertThat(kubeadm.node()).isNull();
        assertThat(kubeadm.usages()).containsExactly("authentication", "signing");
        assertThat(kubeadm.groups()).containsExactly("system:bootstrappers:kubeadm:default-node-token");
        assertThat(kubeadm.expiration()).isEqualTo(Instant.parse("2026-01-01T10:30:00Z"));
        assertThat(list.get(1).node()).isEqualTo("worker-1");
        assertThat(list.get(1).redacted()).isEqualTo(mine.id() + ".****");
        assertThat(list.toString()).doesNotContain(mine.secret()).doesNotContain("0123456789abcdef");
    }

    @Test
    void deletesByIdByNodeAndWhenExpired() {
        BootstrapToken a = tokens.create(new TokenService.Request("a", Duration.ofMinutes(10), "kubejoin", null));
        BootstrapToken a2 = tokens.create(new TokenService.Request("a", Duration.ofHours(5), "kubejoin", null));
        BootstrapToken b = tokens.create(new TokenService.Request("b", Duration.ofHours(1), "kubejoin", null));
        BootstrapToken c = tokens.create(new TokenService.Request("c", Duration.ofHours(3), "kubejoin", null));

        assertThat(tokens.delete(b.id())).isTrue();
        assertThat(tokens.delete(b.id())).isFalse();
        assertThat(at(NOW.plus(Duration.ofMinutes(30))).deleteExpired()).containsExactly(a.id());
        assertThat(tokens.deleteForNode("a")).containsExactly(a2.id());
        assertThat(tokens.list()).extracting(TokenInfo::id).containsExactly(c.id());
        assertThatThrownBy(() -> tokens.delete("NOT-AN-ID")).isInstanceOf(UserFacingException.class)
                .hasMessageContaining("is not a bootstrap token id");
    }

    @Test
    void deletesANodesTokensOnlyOnceItHoldsItsCertificate() {
        BootstrapToken t = tokens.create(new TokenService.Request("worker-1", Duration.ofHours(1), "kubejoin", null));
        BootstrapToken other = tokens.create(new TokenService.Request("worker-2", Duration.ofHours(1), "kubejoin", null));
        CertificateSigningRequest csr = conn.client().certificates().v1().certificateSigningRequests().resource(
                new CertificateSigningRequestBuilder().withNewMetadata().withName("csr-1").endMetadata()
                        .withNewSpec().withUsername(t.username()).withSignerName("kubernetes.io/kube-apiserver-client-kubelet")
                        .withRequest(b64("pem")).withUsages("client auth").endSpec().build()).create();

        assertThat(tokens.deleteIfJoined("worker-1")).as("CSR not signed yet").isEmpty();

        csr.setStatus(new io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestStatusBuilder()
                .withCertificate(b64("cert")).build());
        conn.client().certificates().v1().certificateSigningRequests().resource(csr).updateStatus();
        assertThat(tokens.deleteIfJoined("worker-1")).containsExactly(t.id());

        assertThat(tokens.deleteIfJoined("worker-2")).as("worker-2 has no CSR and no Node").isEmpty();
        conn.client().nodes().resource(new NodeBuilder().withNewMetadata().withName("worker-2").endMetadata().build()).create();
        assertThat(tokens.deleteIfJoined("worker-2")).containsExactly(other.id());
        assertThat(tokens.list()).isEmpty();
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
