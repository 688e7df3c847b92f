package io.kubejoin.sandbox.api;

import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Stands for kube-apiserver's {@code --authorization-mode=Node,RBAC} with only the default policy kubejoin
 * relies on, as a fixed table (RoleBindings and ClusterRoleBindings stored in the sandbox are NOT
 * evaluated):
 * <ul>
 *   <li>{@code system:masters} (cluster-admin): everything;</li>
 *   <li>every authenticated user: discovery and public-info paths (system:discovery,
 *       system:public-info-viewer) and the self reviews (system:basic-user);</li>
 *   <li>{@code system:bootstrappers}: create/get/list/watch CertificateSigningRequests
 *       (system:node-bootstrapper, which the cluster grants through kubejoin's K9 binding). The binding is
 *       assumed unless {@link #requireBootstrapBinding} is on: then a ClusterRoleBinding to ClusterRole
 *       system:node-bootstrapper naming the user or one of its groups must exist, as on a real cluster;</li>
 *   <li>a node ({@code system:node:NAME} in {@code system:nodes}, by token or client certificate): the same CSR rights, get/list/watch of
 *       nodes, create/update/patch of its own Node and Node status, and of its own Lease in
 *       kube-node-lease (a small part of the Node authorizer; the dispatcher adds NodeRestriction's check of a created Node's name).</li>
 * </ul>
 */
final class SandboxAuthorizer {
    private static final Set<String> CSR_VERBS = Set.of("create", "get", "list", "watch");
    private static final Set<String> READ_VERBS = Set.of("get", "list", "watch");
    private static final Set<String> WRITE_OWN = Set.of("create", "get", "update", "patch");

    private final Supplier<List<ClusterRoleBinding>> clusterRoleBindings;
    private volatile boolean requireBootstrapBinding;

    SandboxAuthorizer(Supplier<List<ClusterRoleBinding>> clusterRoleBindings) {
        this.clusterRoleBindings = clusterRoleBindings;
    }

    void requireBootstrapBinding(boolean required) {
        this.requireBootstrapBinding = required;
    }

    boolean allowed(UserInfo user, RequestInfo ri) {
        if (user.inGroup(UserInfo.MASTERS)) return true;
        if (!ri.resourceRequest()) return publicPath(ri);
        if (selfReview(ri)) return true;
        boolean csr = "certificates.k8s.io".equals(ri.apiGroup()) && "certificatesigningrequests".equals(ri.resource())
                && ri.subresource().isEmpty() && CSR_VERBS.contains(ri.verb());
        if (user.inGroup(UserInfo.BOOTSTRAPPERS) && csr) {
            return !requireBootstrapBinding || boundTo(user, "system:node-bootstrapper");
        }
        String node = user.nodeName();
        if (node != null) {
            if (csr) return true;
            if (ri.apiGroup().isEmpty() && "nodes".equals(ri.resource())) {
                if (ri.subresource().isEmpty() && READ_VERBS.contains(ri.verb())) return true;
                boolean own = node.equals(ri.name()) || ("create".equals(ri.verb()) && ri.name().isEmpty());
                return own && (ri.subresource().isEmpty() || "status".equals(ri.subresource())) && WRITE_OWN.contains(ri.verb());
            }
            if ("coordination.k8s.io".equals(ri.apiGroup()) && "leases".equals(ri.resource())
                    && "kube-node-lease".equals(ri.namespace())) {
                return (node.equals(ri.name()) || ("create".equals(ri.verb()) && ri.name().isEmpty())) && WRITE_OWN.contains(ri.verb());
            }
        }
        return false;
    }

    private static boolean selfReview(RequestInfo ri) {
        if (!"create".equals(ri.verb())) return false;
        return ("authorization.k8s.io".equals(ri.apiGroup())
                && ("selfsubjectaccessreviews".equals(ri.resource()) || "selfsubjectrulesreviews".equals(ri.resource())))
                || ("authentication.k8s.io".equals(ri.apiGroup()) && "selfsubjectreviews".equals(ri.resource()));
    }

    /** system:discovery and system:public-info-viewer: GET of /api*, /apis*, /version, /healthz, /livez, /readyz, /openapi*. */
    private static boolean publicPath(RequestInfo ri) {
        if (!"get".equals(ri.verb())) return false;
        String p = ri.path();
        return p.equals("/api") || p.startsWith("/api/") || p.equals("/apis") || p.startsWith("/apis/")
                || p.equals("/version") || p.equals("/version/") || p.startsWith("/healthz") || p.startsWith("/livez")
                || p.startsWith("/readyz") || p.startsWith("/openapi/");
    }

    /** Whether a ClusterRoleBinding grants ClusterRole {@code role} to the user or one of its groups. */
    private boolean boundTo(UserInfo user, String role) {
        for (ClusterRoleBinding b : clusterRoleBindings.get()) {
            if (b.getRoleRef() == null || !"ClusterRole".equals(b.getRoleRef().getKind()) || !role.equals(b.getRoleRef().getName())) continue;
            if (b.getSubjects() == null) continue;
            for (Subject s : b.getSubjects()) {
                if ("Group".equals(s.getKind()) && user.inGroup(s.getName())) return true;
                if ("User".equals(s.getKind()) && user.username().equals(s.getName())) return true;
            }
        }
        return false;
    }
}
