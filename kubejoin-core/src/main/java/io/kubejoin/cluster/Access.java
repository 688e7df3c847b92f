package io.kubejoin.cluster;

/**
 * What an API call was trying to do, so a 403 can name the refused verb and resource and a failure can say what
 * kubejoin was doing when it happened.
 *
 * @param verb      the RBAC verb (create, list, delete, ...)
 * @param resource  the resource (secrets, clusterrolebindings, ...)
 * @param namespace its namespace, or null for cluster-scoped resources
 */
public record Access(String verb, String resource, String namespace) {
    public static Access cluster(String verb, String resource) {
        return new Access(verb, resource, null);
    }

    public static Access in(String namespace, String verb, String resource) {
        return new Access(verb, resource, namespace);
    }

    /** "create secrets in kube-system" / "list nodes". */
    public String describe() {
        return verb + " " + resource + (namespace == null ? "" : " in " + namespace);
    }
}
