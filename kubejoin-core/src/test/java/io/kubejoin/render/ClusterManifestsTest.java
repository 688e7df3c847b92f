package io.kubejoin.render;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.testing.TestInventories;
import io.kubejoin.token.BootstrapToken;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterManifestsTest {
    private final Inventory inv = TestInventories.article();
    private final BootstrapToken token =
            new BootstrapToken("abcdef", "0123456789abcdef", "slave", Instant.parse("2026-11-25T11:00:00Z"));

    @Test
    void bootstrapTokenSecretFollowsTheBootstrapTokenFormat() {
        Secret s = ClusterManifests.bootstrapTokenSecret(inv, token);
        assertThat(s.getMetadata().getName()).isEqualTo("bootstrap-token-abcdef");
        assertThat(s.getMetadata().getNamespace()).isEqualTo("kube-system");
        assertThat(s.getType()).isEqualTo("bootstrap.kubernetes.io/token");
        assertThat(s.getMetadata().getLabels()).containsEntry("kubejoin.io/node", "slave");
        assertThat(s.getStringData()).containsEntry("token-id", "abcdef")
                .containsEntry("token-secret", "0123456789abcdef")
                .containsEntry("expiration", "2026-11-25T11:00:00Z")
                .containsEntry("usage-bootstrap-authentication", "true")
                .containsEntry("auth-extra-groups", "system:bootstrappers:kubejoin")
                .doesNotContainKey("usage-bootstrap-signing");
    }

    @Test
    void manifestsAreReviewableYaml() {
        String yaml = ClusterManifests.toYaml(ClusterManifests.bootstrapTokenSecret(inv, token));
        @SuppressWarnings("unchecked")
        Map<String, Object> parsed = Yaml.mapper().readValue(yaml, Map.class);
        assertThat(parsed).containsEntry("apiVersion", "v1").containsEntry("kind", "Secret");
        assertThat(yaml).doesNotContain("additionalProperties").doesNotContain("null");
    }

    @Test
    void clusterRoleBindingsOfTheArticle() {
        var bootstrap = ClusterManifests.kubeletBootstrap();
        assertThat(bootstrap.getMetadata().getName()).isEqualTo("kubelet-bootstrap");
        assertThat(bootstrap.getRoleRef().getName()).isEqualTo("system:node-bootstrapper");
        assertThat(bootstrap.getSubjects()).singleElement()
                .satisfies(s -> assertThat(List.of(s.getKind(), s.getName())).containsExactly("Group", "system:bootstrappers"));
        var apis = ClusterManifests.apiServerKubeletApis(inv);
        assertThat(apis.getMetadata().getName()).isEqualTo("kube-apiserver:kubelet-apis");
        assertThat(apis.getRoleRef().getName()).isEqualTo("system:kubelet-api-admin");
        assertThat(apis.getSubjects()).singleElement()
                .satisfies(s -> assertThat(List.of(s.getKind(), s.getName())).containsExactly("User", "kubernetes-api"));
        String yaml = ClusterManifests.toYaml(apis);
        assertThat(yaml).contains("kind: ClusterRoleBinding").contains("apiVersion: rbac.authorization.k8s.io/v1");
    }
}
