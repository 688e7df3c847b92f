package io.kubejoin.render;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.token.BootstrapToken;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The API objects a join needs (K1, K8, K9), built as fabric8 model objects so the cluster step can apply
 * exactly what {@code kubejoin render} shows a person for review.
 */
public final class ClusterManifests {
    public static final String NODE_LABEL = "kubejoin.io/node";
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    public static final String BOOTSTRAP_BINDING = "kubelet-bootstrap";
    public static final String APISERVER_KUBELET_BINDING = "kube-apiserver:kubelet-apis";

    private ClusterManifests() {
    }

    /**
     * K1: the Secret that makes a bootstrap token valid, as {@code kubeadm token create} writes it, plus a label
     * naming the node it was issued for (the approver only lets that token's CSR become that node).
     */
    public static Secret bootstrapTokenSecret(Inventory inv, BootstrapToken token) {
        return bootstrapTokenSecret(token, inv.bootstrap().extraGroup(), "kubejoin bootstrap token for node " + token.node());
    }

    /**
     * The same for a token made by hand ({@code kubejoin token create}): any extra group and description; the node
     * label only when the token was issued for a node.
     */
    public static Secret bootstrapTokenSecret(BootstrapToken token, String extraGroup, String description) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("description", description);
        data.put("token-id", token.id());
        data.put("token-secret", token.secret());
        data.put("expiration", DateTimeFormatter.ISO_INSTANT.format(token.expiration().truncatedTo(ChronoUnit.SECONDS)));
        data.put("usage-bootstrap-authentication", "true");
        data.put("auth-extra-groups", extraGroup);
        SecretBuilder secret = new SecretBuilder()
                .withNewMetadata()
                .withName(token.secretName())
                .withNamespace("kube-system")
                .addToLabels(MANAGED_BY_LABEL, "kubejoin")
                .endMetadata();
        if (!token.node().isEmpty()) {
            secret.editMetadata().addToLabels(NODE_LABEL, token.node()).endMetadata();
        }
        return secret
                .withType("bootstrap.kubernetes.io/token")
                .withStringData(data)
                .build();
    }

    /** K9: lets bootstrap-token holders create CSRs (system:node-bootstrapper for group system:bootstrappers). */
    public static ClusterRoleBinding kubeletBootstrap() {
        return new ClusterRoleBindingBuilder()
                .withNewMetadata().withName(BOOTSTRAP_BINDING).addToLabels(MANAGED_BY_LABEL, "kubejoin").endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "system:node-bootstrapper")
                .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("Group")
                .withName("system:bootstrappers").endSubject()
                .build();
    }

    /**
     * K8: lets kube-apiserver call kubelet's API (exec, logs, ...) as the CN of its kubelet-client certificate
     * (the article's kubernetes-api).
     */
    public static ClusterRoleBinding apiServerKubeletApis(Inventory inv) {
        return new ClusterRoleBindingBuilder()
                .withNewMetadata().withName(APISERVER_KUBELET_BINDING).addToLabels(MANAGED_BY_LABEL, "kubejoin").endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "system:kubelet-api-admin")
                .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User")
                .withName(inv.apiServerKubeletUser()).endSubject()
                .build();
    }

    /** Serializes an object as a reviewable manifest. */
    public static String toYaml(HasMetadata object) {
        return Yaml.write(object);
    }
}
