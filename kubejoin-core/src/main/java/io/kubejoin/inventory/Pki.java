package io.kubejoin.inventory;

import java.nio.file.Path;

/**
 * Where the cluster CA lives on the operator's machine (the article's /opt/k8s/work/ca*.pem).
 *
 * @param caConfig     cfssl ca-config.json; null means kubejoin's built-in profile (the article's values)
 * @param profile      cfssl profile name inside caConfig (article: kubernetes)
 * @param kubeProxyCsr cfssl CSR JSON for kube-proxy's certificate; null means the article's subject
 */
public record Pki(Path caCert, Path caKey, Path caConfig, String profile, Path kubeProxyCsr) {
}
