package io.kubejoin.sandbox;

import java.util.Set;

/**
 * Stands for kube-apiserver's {@code --authorization-mode=Node,RBAC} with only the default policy kubejoin
 * relies on, as a fixed table (RoleBindings and ClusterRoleBindings stored in the sandbox are NOT
 * evaluated):
 * <ul>
 *   <li>{@code system:masters} (cluster-admin): everything;</li>
 *   <li>every authenticated user: discovery and public-info paths (system:discovery,
 *       system:public-info-viewer) and the self reviews (system:basic-user);</li>
 *   <li>{@code system:bootstrappers}: create/get/list/watch CertificateSigningRequests
 *       (system:node-bootstrapper, which the cluster grants through kubejoin's K9 binding — the binding
 *       itself is assumed, not checked);</li>
 *   <li>a node ({@code system:node:NAME} in {@code system:nodes}): the same CSR rights, get/list/watch of
 *       nodes, create/update/patch of its own Node and Node status, and of its own Lease in
 *       kube-node-lease (a small part of the Node authorizer and NodeRestriction).</li>
 * </ul>
 */
final class SandboxAuthorizer {
    private static final Set<String> CSR_VERBS = Set.of("create", "get", "list", "watch");
    private static final Set<String> READ_VERBS = Set.of("get", "list", "watch");
    private static final Set<String> WRITE_OWN = Set.of("create", "get", "update", "patch");

    boolean allowed(UserInfo user, RequestInfo ri) {
        if (user.inGroup(UserInfo.MASTERS)) return true;
        if (!ri.resourceRequest()) return publicPath(ri);
        if (selfReview(ri)) return true;
        boolean csr = "certificates.k8s.io".equals(ri.apiGroup()) && "certificatesigningrequests".equals(ri.resource())
                && ri.subresource().isEmpty() && CSR_VERBS.contains(ri.verb());
        if (user.inGroup(UserInfo.BOOTSTRAPPERS) && csr) return true;
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
}
