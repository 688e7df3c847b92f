package io.kubejoin.render;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.testing.Processes;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kubeconfigs must be read by a real kubectl, with the CA embedded (K2, P3). */
class KubeconfigsTest {
    private static final URI SERVER = URI.create("https://192.168.0.107:6443");

    @TempDir
    Path dir;

    private String ca() throws Exception {
        return Files.readString(Path.of("examples/pki/ca.pem"));
    }

    private String jsonpath(Path kubeconfig, String expr) {
        Processes.requireTool("kubectl");
        Processes.Result r = Processes.run(List.of("kubectl", "config", "view", "--raw",
                "--kubeconfig", kubeconfig.toString(), "-o", "jsonpath=" + expr));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        return r.stdout();
    }

    @Test
    void bootstrapKubeconfigIsReadByKubectl() throws Exception {
        Path f = dir.resolve("kubelet-bootstrap.kubeconfig");
        Files.writeString(f, Kubeconfigs.bootstrap(SERVER, ca(), "abcdef.0123456789abcdef"));
        assertThat(jsonpath(f, "{.current-context}")).isEqualTo("default");
        assertThat(jsonpath(f, "{.clusters[0].cluster.server}")).isEqualTo("https://192.168.0.107:6443");
        assertThat(jsonpath(f, "{.users[0].name}")).isEqualTo("kubelet-bootstrap");
        assertThat(jsonpath(f, "{.users[0].user.token}")).isEqualTo("abcdef.0123456789abcdef");
        String caData = jsonpath(f, "{.clusters[0].cluster.certificate-authority-data}");
        assertThat(new String(Base64.getDecoder().decode(caData), StandardCharsets.US_ASCII)).isEqualTo(ca());
        assertThat(jsonpath(f, "{.contexts[0].context.user}")).isEqualTo("kubelet-bootstrap");
    }

    @Test
    void clientCertificateKubeconfigEmbedsCertAndKey() throws Exception {
        Path f = dir.resolve("kube-proxy.kubeconfig");
        String cert = ca(); // any PEM: kubectl only carries it
        String key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        Files.writeString(f, Kubeconfigs.clientCertificate(SERVER, ca(), "kube-proxy", cert, key));
        assertThat(jsonpath(f, "{.users[0].name}")).isEqualTo("kube-proxy");
        assertThat(new String(Base64.getDecoder().decode(jsonpath(f, "{.users[0].user.client-certificate-data}"))))
                .isEqualTo(cert);
        assertThat(new String(Base64.getDecoder().decode(jsonpath(f, "{.users[0].user.client-key-data}"))))
                .isEqualTo(key);
    }
}
