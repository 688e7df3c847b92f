package io.kubejoin.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.kubejoin.util.UserFacingException;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.pki.CaGenerator;
import io.kubejoin.pki.CertificateAuthority;
import io.kubejoin.pki.CertificateIssuer;
import io.kubejoin.pki.CsrSpec;
import io.kubejoin.pki.IssuedCertificate;
import io.kubejoin.pki.KeySpec;
import io.kubejoin.pki.PrivateKeys;
import io.kubejoin.pki.SigningProfile;
import io.kubejoin.testing.TestInventories;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

@Timeout(30)
class KubeConnectionTest {
    @TempDir
    Path dir;

    static Status status(int code, String reason, String message) {
        return new StatusBuilder().withStatus("Failure").withCode(code).withReason(reason).withMessage(message).build();
    }

    @Test
    void unreachableServerNamesTheUrl() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port;
        Path kubeconfig = dir.resolve("k");
        Files.writeString(kubeconfig, MockCluster.kubeconfig(url, "t"));
        try (KubeConnection conn = KubeConnection.open(kubeconfig, Duration.ofSeconds(3))) {
            assertThatThrownBy(() -> new TokenService(conn, Clock.systemUTC(), new SecureRandom()).list())
                    .isInstanceOf(UserFacingException.class)
                    .hasMessage("cannot reach kube-apiserver at " + url + " (connection refused): "
                            + "is kube-apiserver running, and is the address right?");
        }
    }

    @Tag("hostile")
    @Test
    void rejectedCredentialsNameTheKubeconfig() {
        try (MockCluster cluster = new MockCluster(); KubeConnection conn = cluster.connect()) {
            cluster.server.expect().get().withPath("/api/v1/namespaces/kube-system/secrets")
                    .andReturn(401, status(401, "Unauthorized", "Unauthorized")).always();
            assertThatThrownBy(() -> new TokenService(conn, Clock.systemUTC(), new SecureRandom()).list())
                    .isInstanceOf(UserFacingException.class)
                    .hasMessageStartingWith("the credentials in kubeconfig test-admin.kubeconfig were rejected by "
                            + cluster.url() + " (401 Unauthorized)");
        }
    }

    @Test
    void forbiddenNamesTheVerbAndResource() {
        try (MockCluster cluster = new MockCluster(); KubeConnection conn = cluster.connect()) {
            cluster.server.expect().post().withPath("/api/v1/namespaces/kube-system/secrets")
                    .andReturn(403, status(403, "Forbidden", "secrets is forbidden: User \"ops\" cannot create resource")).always();
            TokenService tokens = new TokenService(conn, Clock.systemUTC(), new SecureRandom());
            assertThatThrownBy(() -> tokens.create(TokenService.Request.forNode(TestInventories.article(), "slave")))
                    .isInstanceOf(UserFacingException.class)
                    .hasMessageContaining("refused to let the user of kubeconfig test-admin.kubeconfig create secrets in "
                            + "kube-system (403 Forbidden): kubejoin needs cluster-admin (or at least: ");
        }
    }

    @Test
    void otherHttpErrorsQuoteTheServersMessage() {
        try (MockCluster cluster = new MockCluster(); KubeConnection conn = cluster.connect()) {
            cluster.server.expect().get().withPath("/api/v1/namespaces/kube-system/secrets")
                    .andReturn(500, status(500, "InternalError", "etcdserver: request timed out")).always();
            assertThatThrownBy(() -> new TokenService(conn, Clock.systemUTC(), new SecureRandom()).list())
                    .hasMessage("cannot list secrets in kube-system on " + cluster.url() + ": etcdserver: request timed out");
        }
    }

    @Tag("hostile")
    @Test
    void silentServerTimesOutWithTheLimitNamed() throws Exception {
        // accepts the connection, never answers
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Thread acceptor = new Thread(() -> {
                java.util.List<java.net.Socket> held = new java.util.ArrayList<>();
                try {
                    while (true) held.add(silent.accept());
                } catch (IOException closed) {
                    held.forEach(h -> { try { h.close(); } catch (IOException ignored) { } });
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String url = "http://127.0.0.1:" + silent.getLocalPort();
            Path kubeconfig = dir.resolve("k");
            Files.writeString(kubeconfig, MockCluster.kubeconfig(url, "t"));
            long start = System.nanoTime();
            try (KubeConnection conn = KubeConnection.open(kubeconfig, Duration.ofSeconds(1))) {
                assertThatThrownBy(() -> conn.call(Access.cluster("list", "nodes"), () -> conn.client().nodes().list()))
                        .isInstanceOf(UserFacingException.class)
                        .hasMessageStartingWith("kube-apiserver at " + url + " did not answer within 1 s: ");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("no silent retries").isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void httpsUrlForAPlainHttpPort() throws IOException {
        try (MockCluster cluster = new MockCluster()) {
            String url = "https://127.0.0.1:" + cluster.server.getPort();
            Path kubeconfig = dir.resolve("k");
            Files.writeString(kubeconfig, MockCluster.kubeconfig(url, "t"));
            try (KubeConnection conn = KubeConnection.open(kubeconfig, Duration.ofSeconds(3))) {
                assertThatThrownBy(() -> conn.call(Access.cluster("list", "nodes"), () -> conn.client().nodes().list()))
                        .isInstanceOf(UserFacingException.class)
                        .hasMessageStartingWith("the server at " + url + " does not speak TLS");
            }
        }
    }

    @Tag("hostile")
    @Test
    void serverCertificateFromAnotherCa() throws Exception {
        Instant now = Instant.now();
        CaGenerator.GeneratedCa clusterCa = CaGenerator.generate("cluster-ca", KeySpec.ECDSA_256, Duration.ofDays(1), now);
        CaGenerator.GeneratedCa impostor = CaGenerator.generate("someone-else", KeySpec.ECDSA_256, Duration.ofDays(1), now);
        PrivateKey key = PrivateKeys.parse(impostor.privateKeyPem(), null, "key");
        try (TlsListener server = new TlsListener(key, impostor.certificate())) {
            Path kubeconfig = tlsKubeconfig(server.port, clusterCa.certificatePem());
            try (KubeConnection conn = KubeConnection.open(kubeconfig, Duration.ofSeconds(3))) {
                assertThatThrownBy(() -> conn.call(Access.cluster("list", "nodes"), () -> conn.client().nodes().list()))
                        .isInstanceOf(UserFacingException.class)
                        .hasMessage("the server's certificate at https://127.0.0.1:" + server.port
                                + " (issued by CN=someone-else) is not signed by the CA in kubeconfig " + kubeconfig
                                + ": set its certificate-authority(-data) to the cluster's CA (the ca.pem kube-apiserver uses)");
            }
        }
    }

    @Tag("hostile")
    @Test
    void serverCertificateForAnotherName() throws Exception {
        Instant now = Instant.now();
        CaGenerator.GeneratedCa clusterCa = CaGenerator.generate("cluster-ca", KeySpec.ECDSA_256, Duration.ofDays(1), now);
        Path caCert = dir.resolve("ca.pem");
        Path caKey = dir.resolve("ca-key.pem");
        Files.writeString(caCert, clusterCa.certificatePem());
        Files.writeString(caKey, clusterCa.privateKeyPem());
        CertificateAuthority ca = CertificateAuthority.load(caCert, "caCert", caKey, "caKey", now);
        IssuedCertificate apiserver = CertificateIssuer.issue(ca,
                new CsrSpec("kube-apiserver", List.of(), List.of("kubernetes.example", "10.0.0.1"), KeySpec.ECDSA_256, null),
                SigningProfile.kubernetes(), now);
        PrivateKey key = PrivateKeys.parse(apiserver.privateKeyPem(), null, "key");
        try (TlsListener server = new TlsListener(key, apiserver.certificate(), clusterCa.certificate())) {
            Path kubeconfig = tlsKubeconfig(server.port, clusterCa.certificatePem());
            try (KubeConnection conn = KubeConnection.open(kubeconfig, Duration.ofSeconds(3))) {
                assertThatThrownBy(() -> conn.call(Access.cluster("list", "nodes"), () -> conn.client().nodes().list()))
                        .isInstanceOf(UserFacingException.class)
                        .hasMessageStartingWith("the server's certificate at https://127.0.0.1:" + server.port
                                + " is for kubernetes.example, 10.0.0.1, not 127.0.0.1: ");
            }
        }
    }

    @Test
    void kubeconfigIsChosenOptionThenEnvironmentThenInventory() throws IOException {
        Path a = Files.writeString(dir.resolve("a"), "");
        Path b = Files.writeString(dir.resolve("b"), "");
        Path inv = Path.of("/inv/admin.kubeconfig");
        assertThat(KubeconfigLoader.files(Path.of("/opt/k"), a.toString(), inv)).containsExactly(Path.of("/opt/k"));
        // the whole list, as kubectl merges it; a missing entry is skipped, a repeated one read once
        assertThat(KubeconfigLoader.files(null, a + ":" + dir.resolve("missing") + ":" + b + ":" + a, inv)).containsExactly(a, b);
        assertThat(KubeconfigLoader.files(null, "", inv)).containsExactly(inv);
        assertThat(KubeconfigLoader.files(null, null, null)).containsExactly(Path.of(System.getProperty("user.home"), ".kube", "config"));
        assertThatThrownBy(() -> KubeconfigLoader.files(null, dir.resolve("x") + ":" + dir.resolve("y"), inv))
                .isInstanceOf(UserFacingException.class).hasMessageContaining("none of the files in KUBECONFIG exists")
                .satisfies(e -> assertThat(((UserFacingException) e).exitCode()).isEqualTo(2));
    }

    @Tag("hostile")
    @Test
    void missingKubeconfigIsBadInput() {
        assertThatThrownBy(() -> KubeConnection.open(dir.resolve("nope"), Duration.ofSeconds(1)))
                .isInstanceOf(UserFacingException.class)
                .hasMessageContaining("does not exist: pass --kubeconfig FILE, set KUBECONFIG")
                .satisfies(e -> assertThat(((UserFacingException) e).exitCode()).isEqualTo(2));
    }

    @Tag("hostile")
    @Test
    void unreadableKubeconfigIsBadInputWithoutItsContent() throws IOException {
        Path garbage = dir.resolve("garbage");
        Files.writeString(garbage, "users: [ {name: admin, user: {token: s3cr3t-value}\n");
        assertThatThrownBy(() -> KubeConnection.open(garbage, Duration.ofSeconds(1)))
                .isInstanceOf(UserFacingException.class)
                .hasMessageStartingWith("cannot read kubeconfig " + garbage + ": it is not a valid kubeconfig")
                .hasMessageContaining("YAML error at line 2, column 1: ")
                // the parser's own words and position, never a library's class name
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Exception").doesNotContain("s3cr3t-value"))
                .satisfies(e -> assertThat(((UserFacingException) e).exitCode()).isEqualTo(2));
    }

    private Path tlsKubeconfig(int port, String caPem) throws IOException {
        String ca = Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.US_ASCII));
        String text = MockCluster.kubeconfig("https://127.0.0.1:" + port, "t")
                .replace("    server: ", "    certificate-authority-data: " + ca + "\n    server: ");
        Path file = dir.resolve("tls.kubeconfig");
        Files.writeString(file, text);
        return file;
    }

    /** An HTTPS port that only does TLS handshakes: enough to make the client's certificate checks fail. */
    static final class TlsListener implements AutoCloseable {
        final SSLServerSocket socket;
        final int port;
        final Thread thread;

        TlsListener(PrivateKey key, X509Certificate... chain) throws Exception {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("server", key, "pw".toCharArray(), chain);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, "pw".toCharArray());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, new SecureRandom());
            socket = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            port = socket.getLocalPort();
            thread = new Thread(() -> {
                while (!socket.isClosed()) {
                    try (SSLSocket s = (SSLSocket) socket.accept()) {
                        s.setSoTimeout(3000);
                        s.startHandshake();
                        s.getInputStream().read(); // then hang up
                    } catch (IOException ignored) {
                        // failed handshakes are the point
                    }
                }
            });
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** The benchmark's request kinds: what a request does, without the object's name or namespace. */
    @org.junit.jupiter.api.Test
    void requestKindsLeaveOutNamesAndNamespaces() {
        assertThat(KubeConnection.kind("GET", java.net.URI.create("https://h:6443/api/v1/nodes/worker-1"))).isEqualTo("GET nodes/*");
        assertThat(KubeConnection.kind("GET", java.net.URI.create("https://h:6443/api/v1/namespaces/kube-system/secrets?labelSelector=a%3Db")))
                .isEqualTo("GET secrets");
        assertThat(KubeConnection.kind("DELETE", java.net.URI.create("https://h:6443/api/v1/namespaces/kube-system/secrets/bootstrap-token-abc123")))
                .isEqualTo("DELETE secrets/*");
        assertThat(KubeConnection.kind("PUT", java.net.URI.create(
                "https://h:6443/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-1/approval")))
                .isEqualTo("PUT certificatesigningrequests/*/approval");
        assertThat(KubeConnection.kind("GET", java.net.URI.create("https://h:6443/api/v1/nodes?watch=true&resourceVersion=5")))
                .isEqualTo("GET nodes?watch");
        assertThat(KubeConnection.kind("GET", java.net.URI.create("https://h:6443/version"))).isEqualTo("GET /version");
    }
}
