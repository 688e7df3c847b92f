package io.kubejoin.cluster;

import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.render.ClusterManifests;
import java.util.ArrayList;
import java.util.List;

/**
 * The ClusterRoleBindings a join ensures (K8, K9). The first two come from {@link ClusterManifests} (what
 * {@code kubejoin render} shows); the certificate-renewal and auto-approval bindings are defined here.
 */
public final class RbacBindings {
    public static final String NODE_CLIENT_RENEWAL = "kubejoin:node-client-cert-renewal";
    public static final String AUTO_APPROVE_BOOTSTRAP = "kubejoin:auto-approve-bootstrap-clients";
    private static final String RBAC = "rbac.authorization.k8s.io";

    private RbacBindings() {
    }

    /**
     * Lets kube-controller-manager approve a node's CSR for renewing its own client certificate (the node
     * authenticates with its current one, as system:node:&lt;name&gt;, and may only renew that).
     */
    public static ClusterRoleBinding nodeClientCertRenewal() {
        return binding(NODE_CLIENT_RENEWAL,
                "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", "system:nodes");
    }

    /**
     * Makes kube-controller-manager approve every client CSR made with any bootstrap token. Off by default: kubejoin's
     * own approver approves only a node's CSR made with that node's token.
     */
    public static ClusterRoleBinding autoApproveBootstrapClients() {
        return binding(AUTO_APPROVE_BOOTSTRAP,
                "system:certificates.k8s.io:certificatesigningrequests:nodeclient", "system:bootstrappers");
    }

    /** Everything a join needs, in the order they are ensured. */
    public static List<ClusterRoleBinding> forJoin(Inventory inv, boolean autoApproveBootstrapClients) {
        List<ClusterRoleBinding> out = new ArrayList<>();
        out.add(ClusterManifests.kubeletBootstrap());
        out.add(ClusterManifests.apiServerKubeletApis(inv));
        out.add(nodeClientCertRenewal());
        if (autoApproveBootstrapClients) out.add(autoApproveBootstrapClients());
        return out;
    }

    private static ClusterRoleBinding binding(String name, String clusterRole, String group) {
        return new ClusterRoleBindingBuilder()
                .withNewMetadata().withName(name).addToLabels(ClusterManifests.MANAGED_BY_LABEL, "kubejoin").endMetadata()
                .withNewRoleRef(RBAC, "ClusterRole", clusterRole)
                .addNewSubject().withApiGroup(RBAC).withKind("Group").withName(group).endSubject()
                .build();
    }
}
