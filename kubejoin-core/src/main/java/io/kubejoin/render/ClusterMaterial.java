package io.kubejoin.render;

/**
 * Cluster-wide inputs the pure renderers need but cannot make themselves (they come from files and the
 * state folder): the CA certificate to embed and kube-proxy's certificate and key (P1), shared by every node
 * as in the article.
 */
public record ClusterMaterial(String caCertPem, String kubeProxyCertPem, String kubeProxyKeyPem) {
    @Override
    public String toString() {
        return "ClusterMaterial[kube-proxy key redacted]";
    }
}
