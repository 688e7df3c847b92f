package io.kubejoin.sandbox.api;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stands for kube-apiserver's legacy discovery documents (/api, /api/v1, /apis, /apis/GROUP/VERSION), limited
 * to the resources the sandbox serves, so kubectl ({@code get csr}, {@code certificate approve}) and fabric8's
 * discovery-based calls resolve resource names. Aggregated discovery (apidiscovery.k8s.io) is not offered:
 * clients fall back to these documents, as they do with older servers.
 */
final class Discovery {
    private static final List<String> ALL = List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
    private static final List<String> SUB = List.of("get", "patch", "update");
    private static final List<String> CREATE = List.of("create");

    private record Resource(String name, String singular, String kind, boolean namespaced, List<String> verbs, List<String> shortNames) {
    }

    /** group/version → resources; "" group is the core group. */
    private static final Map<String, List<Resource>> GROUPS = new LinkedHashMap<>();

    static {
        GROUPS.put("v1", List.of(
                new Resource("namespaces", "namespace", "Namespace", false, List.of("create", "delete", "get", "list", "patch", "update", "watch"), List.of("ns")),
                new Resource("nodes", "node", "Node", false, ALL, List.of("no")),
                new Resource("nodes/status", "", "Node", false, SUB, List.of()),
                new Resource("secrets", "secret", "Secret", true, ALL, List.of()),
                new Resource("configmaps", "configmap", "ConfigMap", true, ALL, List.of("cm")),
                new Resource("serviceaccounts", "serviceaccount", "ServiceAccount", true, ALL, List.of("sa")),
                new Resource("services", "service", "Service", true, ALL, List.of("svc")),
                new Resource("pods", "pod", "Pod", true, ALL, List.of("po")),
                new Resource("events", "event", "Event", true, ALL, List.of("ev"))));
        GROUPS.put("certificates.k8s.io/v1", List.of(
                new Resource("certificatesigningrequests", "certificatesigningrequest", "CertificateSigningRequest", false, ALL, List.of("csr")),
                new Resource("certificatesigningrequests/approval", "", "CertificateSigningRequest", false, SUB, List.of()),
                new Resource("certificatesigningrequests/status", "", "CertificateSigningRequest", false, SUB, List.of())));
        GROUPS.put("coordination.k8s.io/v1", List.of(
                new Resource("leases", "lease", "Lease", true, ALL, List.of())));
        GROUPS.put("rbac.authorization.k8s.io/v1", List.of(
                new Resource("clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, ALL, List.of()),
                new Resource("clusterroles", "clusterrole", "ClusterRole", false, ALL, List.of()),
                new Resource("rolebindings", "rolebinding", "RoleBinding", true, ALL, List.of()),
                new Resource("roles", "role", "Role", true, ALL, List.of())));
        GROUPS.put("authentication.k8s.io/v1", List.of(
                new Resource("selfsubjectreviews", "selfsubjectreview", "SelfSubjectReview", false, CREATE, List.of())));
        GROUPS.put("authorization.k8s.io/v1", List.of(
                new Resource("selfsubjectaccessreviews", "selfsubjectaccessreview", "SelfSubjectAccessReview", false, CREATE, List.of())));
    }

    private Discovery() {
    }

    /** The discovery document at {@code path}, or null when {@code path} is not a discovery path. */
    static MockResponse answer(String path, String serverAddress) {
        String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        if (p.equals("/api")) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("kind", "APIVersions");
            doc.put("versions", List.of("v1"));
            doc.put("serverAddressByClientCIDRs", List.of(Map.of("clientCIDR", "0.0.0.0/0", "serverAddress", serverAddress)));
            return ApiStatus.json(200, Serialization.asJson(doc));
        }
        if (p.equals("/apis")) {
            List<Object> groups = new ArrayList<>();
            for (String gv : GROUPS.keySet()) {
                if (!gv.contains("/")) continue;
                String group = gv.substring(0, gv.indexOf('/'));
                String version = gv.substring(gv.indexOf('/') + 1);
                Map<String, Object> v = Map.of("groupVersion", gv, "version", version);
                Map<String, Object> g = new LinkedHashMap<>();
                g.put("name", group);
                g.put("versions", List.of(v));
                g.put("preferredVersion", v);
                groups.add(g);
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("kind", "APIGroupList");
            doc.put("apiVersion", "v1");
            doc.put("groups", groups);
            return ApiStatus.json(200, Serialization.asJson(doc));
        }
        String gv = p.equals("/api/v1") ? "v1" : p.startsWith("/apis/") ? p.substring("/apis/".length()) : null;
        if (gv == null) return null;
        List<Resource> resources = GROUPS.get(gv);
        if (resources == null) {
            return p.startsWith("/apis/") && gv.indexOf('/') < 0 ? group(gv) : null;
        }
        List<Object> list = new ArrayList<>();
        for (Resource r : resources) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", r.name());
            m.put("singularName", r.singular());
            m.put("namespaced", r.namespaced());
            m.put("kind", r.kind());
            m.put("verbs", r.verbs());
            if (!r.shortNames().isEmpty()) m.put("shortNames", r.shortNames());
            list.add(m);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("kind", "APIResourceList");
        doc.put("apiVersion", "v1");
        doc.put("groupVersion", gv);
        doc.put("resources", list);
        return ApiStatus.json(200, Serialization.asJson(doc));
    }

    /** /apis/GROUP: the APIGroup document, or null for a group the sandbox does not serve. */
    private static MockResponse group(String group) {
        for (String gv : GROUPS.keySet()) {
            if (gv.startsWith(group + "/")) {
                Map<String, Object> v = Map.of("groupVersion", gv, "version", gv.substring(group.length() + 1));
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("kind", "APIGroup");
                doc.put("apiVersion", "v1");
                doc.put("name", group);
                doc.put("versions", List.of(v));
                doc.put("preferredVersion", v);
                return ApiStatus.json(200, Serialization.asJson(doc));
            }
        }
        return null;
    }
}
