package io.kubejoin.render;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * kubeconfig files, written as {@code kubectl config set-cluster/set-credentials/set-context/use-context
 * --embed-certs} would (K2, P3): one cluster "kubernetes" with the CA embedded, one user, context "default".
 */
public final class Kubeconfigs {
    private Kubeconfigs() {
    }

    /** K2: kubelet's bootstrap kubeconfig, authenticating with the node's bootstrap token. */
    public static String bootstrap(URI server, String caPem, String token) {
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("token", token);
        return render(server, caPem, "kubelet-bootstrap", user);
    }

    /** P3: kube-proxy's kubeconfig with its client certificate and key embedded. */
    public static String clientCertificate(URI server, String caPem, String userName, String certPem, String keyPem) {
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("client-certificate-data", base64(certPem));
        user.put("client-key-data", base64(keyPem));
        return render(server, caPem, userName, user);
    }

    private static String render(URI server, String caPem, String userName, Map<String, Object> credentials) {
        Map<String, Object> cluster = new LinkedHashMap<>();
        cluster.put("certificate-authority-data", base64(caPem));
        cluster.put("server", server.toString());

        Map<String, Object> context = new LinkedHashMap<>();
        context.put("cluster", "kubernetes");
        context.put("user", userName);

        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("apiVersion", "v1");
        doc.put("kind", "Config");
        doc.put("clusters", List.of(named("kubernetes", "cluster", cluster)));
        doc.put("contexts", List.of(named("default", "context", context)));
        doc.put("current-context", "default");
        doc.put("preferences", Map.of());
        doc.put("users", List.of(named(userName, "user", credentials)));
        return Yaml.write(doc);
    }

    private static Map<String, Object> named(String name, String key, Map<String, Object> body) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put(key, body);
        return m;
    }

    private static String base64(String pem) {
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }
}
