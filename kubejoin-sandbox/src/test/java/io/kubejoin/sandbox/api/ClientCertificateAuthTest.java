package io.kubejoin.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kubejoin.pki.Certificates;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import io.kubejoin.sandbox.TestCsrs;
import io.kubejoin.sandbox.kubelet.KubeletCsrs;
import io.kubejoin.util.AesHardware;
import io.kubejoin.sandbox.tls.SandboxCa;

/** x509 client-certificate authentication (kube-apiserver --client-ca-file) through the sandbox's TLS front. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public class ClientCertificateAuthTest {
    static SandboxApiServer server;
    static KubernetesClient admin;

    @BeforeAll
    static void start() {
        server = SandboxApiServer.start(SandboxApiServer.Options.defaults());
        admin = server.adminClient();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A kubelet client certificate for {@code node}, issued by the sandbox signer after approval; [certPem, keyPem]. */
    static String[] nodeCertificate(String node) {
        KubeletCsrs.Request req = KubeletCsrs.client(node);
        CertificateSigningRequest csr = new CertificateSigningRequestBuilder().withNewMetadata().withGenerateName("csr-").endMetadata()
                .withNewSpec().withRequest(Base64.getEncoder().encodeToString(req.pem().getBytes(StandardCharsets.US_ASCII)))
                .withSignerName(CsrSigningController.KUBELET_CLIENT).withUsages("digital signature", "client auth").endSpec().build();
        String name = admin.certificates().v1().certificateSigningRequests().resource(csr).create().getMetadata().getName();
        admin.certificates().v1().certificateSigningRequests().withName(name).approve();
        CertificateSigningRequest signed = admin.certificates().v1().certificateSigningRequests().withName(name)
                .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getCertificate() != null, 20, TimeUnit.SECONDS);
        String certPem = new String(Base64.getDecoder().decode(signed.getStatus().getCertificate()), StandardCharsets.US_ASCII);
        return new String[] {certPem, pkcs8Pem(req.keys().getPrivate())};
    }

    public static String pkcs8Pem(PrivateKey key) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    @Test
    @SuppressWarnings("unchecked")
    void approvedNodeCertificateAuthenticatesAsTheNode() {
        String[] cert = nodeCertificate("cert-n1");
        KubernetesClient node = server.clientWithCertificate(cert[0], cert[1]);
        // a node may list nodes and create its own Node: both need the identity system:node:cert-n1
        assertThat(node.nodes().list().getItems()).isNotNull();
        node.nodes().resource(new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName("cert-n1")
                .endMetadata().build()).create();
        assertThat(admin.nodes().withName("cert-n1").get()).isNotNull();
        // and not another node's (NodeRestriction), neither created nor changed
        assertThat(catchCode(() -> node.nodes().resource(new io.fabric8.kubernetes.api.model.NodeBuilder()
                .withNewMetadata().withName("cert-n9").endMetadata().build()).create())).isEqualTo(403);
        assertThat(admin.nodes().withName("cert-n9").get()).isNull();
        admin.nodes().resource(new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName("cert-n2")
                .endMetadata().build()).create();
        assertThat(catchCode(() -> node.nodes().withName("cert-n2").edit(n -> {
            n.getMetadata().setLabels(Map.of("stolen", "yes"));
            return n;
        }))).isEqualTo(403);

        RawAnswer who = rawWithCert(server.url(), cert[0], keyOf(cert[1]), "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                Map.of(), "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}");
        assertThat(who.code).isEqualTo(201);
        Map<?, ?> userInfo = (Map<?, ?>) ((Map<?, ?>) Serialization.unmarshal(who.body, Map.class).get("status")).get("userInfo");
        assertThat(userInfo.get("username")).isEqualTo("system:node:cert-n1");
        assertThat((List<Object>) userInfo.get("groups")).containsExactly("system:nodes", "system:authenticated");
    }

    /** A real Go TLS client (kubectl) presenting the node certificate from a kubeconfig, as kubelet does. */
    @Test
    void kubectlWithTheNodeCertificateIsTheNode(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        io.kubejoin.testing.Processes.requireTool("kubectl");
        String[] cert = nodeCertificate("cert-kubectl");
        java.nio.file.Path kubeconfig = dir.resolve("node.kubeconfig");
        java.nio.file.Files.writeString(kubeconfig, io.kubejoin.render.Kubeconfigs.clientCertificate(java.net.URI.create(server.url()),
                server.caCertificatePem(), "system:node:cert-kubectl", cert[0], cert[1]));
        // (kubectl auth whoami posts protobuf, which the sandbox does not decode): a node may list nodes, not secrets
        var nodes = io.kubejoin.testing.Processes.run(List.of("kubectl", "--kubeconfig", kubeconfig.toString(), "--request-timeout=10s",
                "get", "nodes", "-o", "name"));
        assertThat(nodes.exitCode()).as(nodes.toString()).isZero();
        var secrets = io.kubejoin.testing.Processes.run(List.of("kubectl", "--kubeconfig", kubeconfig.toString(), "--request-timeout=10s",
                "get", "secrets", "-A"));
        assertThat(secrets.exitCode()).isNotZero();
        assertThat(secrets.stderr()).contains("User \"system:node:cert-kubectl\" cannot list");
    }

    @Test
    void certificateFromAnotherCaIsRefused() {
        SandboxCa other = SandboxCa.generate(Instant.now());
        KeyPair keys = TestCsrs.ecKey();
        X509Certificate foreign = other.sign(new X500Name("O=system:nodes,CN=system:node:evil"), SandboxCa.spki(keys.getPublic()),
                new GeneralName[0], KeyUsage.digitalSignature, List.of(KeyPurposeId.id_kp_clientAuth),
                Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
        String pem = Certificates.toPem(foreign);
        assertThat(catchCode(() -> server.clientWithCertificate(pem, pkcs8Pem(keys.getPrivate())).nodes().list())).isEqualTo(401);
        assertThat(rawWithCert(server.url(), pem, keys.getPrivate(), "GET", "/api/v1/nodes", Map.of(), null).code).isEqualTo(401);
        // a valid token still counts when the certificate proves nothing (the authenticator union falls through)
        assertThat(rawWithCert(server.url(), pem, keys.getPrivate(), "GET", "/api/v1/nodes",
                Map.of("Authorization", "Bearer " + server.adminToken()), null).code).isEqualTo(200);
    }

    @Test
    void expiredSandboxCertificateIsRefused() {
        KeyPair keys = TestCsrs.ecKey();
        X509Certificate expired = server.ca().sign(new X500Name("O=system:nodes,CN=system:node:old"), SandboxCa.spki(keys.getPublic()),
                new GeneralName[0], KeyUsage.digitalSignature, List.of(KeyPurposeId.id_kp_clientAuth),
                Instant.now().minus(Duration.ofDays(2)), Instant.now().minus(Duration.ofDays(1)));
        assertThat(rawWithCert(server.url(), Certificates.toPem(expired), keys.getPrivate(), "GET", "/api/v1/nodes", Map.of(), null).code)
                .isEqualTo(401);
    }

    @Test
    void spoofedRemoteUserHeadersAreIgnored() {
        Map<String, String> spoof = Map.of("X-Remote-User", "kubernetes-admin", "X-Remote-Group", "system:masters",
                SecureFront.PROOF_HEADER, "guessed");
        assertThat(rawWithCert(server.url(), null, null, "GET", "/api/v1/secrets", spoof, null).code).isEqualTo(401);
        // straight to the mock's internal listener, bypassing the front: still no identity
        assertThat(rawWithCert(server.internalUrl(), null, null, "GET", "/api/v1/secrets", spoof, null).code).isEqualTo(401);
        // a node certificate plus headers claiming admin: the headers are stripped, the node stays a node
        String[] cert = nodeCertificate("cert-n3");
        assertThat(rawWithCert(server.url(), cert[0], keyOf(cert[1]), "GET", "/api/v1/secrets", spoof, null).code).isEqualTo(403);
    }

    /** The JDK client lists AES-256-GCM first; the server's own order decides, as Go's does for TLS 1.3. */
    @Test
    void serverPicksGosCipherForThisJvm() throws Exception {
        URI api = URI.create(server.url());
        try (SSLSocket socket = (SSLSocket) sslContext(null, null).getSocketFactory().createSocket(api.getHost(), api.getPort())) {
            socket.startHandshake();
            assertThat(socket.getSession().getCipherSuite())
                    .isEqualTo(SecureFront.cipherPreference(AesHardware.inThisJvm()).get(0));
        }
    }

    @Test
    void chachaFirstWithoutAesHardwareAes128FirstWithIt() {
        assertThat(SecureFront.cipherPreference(false)).startsWith("TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256");
        assertThat(SecureFront.cipherPreference(true)).startsWith("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384");
        assertThat(SecureFront.cipherPreference(false)).containsExactlyInAnyOrderElementsOf(SecureFront.cipherPreference(true));
    }

    private static int catchCode(Runnable r) {
        try {
            r.run();
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            return e.getCode();
        }
        return 0;
    }

    static PrivateKey keyOf(String pkcs8Pem) {
        return io.kubejoin.pki.PrivateKeys.parse(pkcs8Pem, null, "test key");
    }

    record RawAnswer(int code, String body) {
    }

    static HttpClient http(String certPem, PrivateKey key) {
        return HttpClient.newBuilder().sslContext(sslContext(certPem, key)).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    static SSLContext sslContext(String certPem, PrivateKey key) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            trust.setCertificateEntry("ca", cf.generateCertificate(new ByteArrayInputStream(server.caCertificatePem().getBytes(StandardCharsets.US_ASCII))));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (certPem != null) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("me", key, "x".toCharArray(), new java.security.cert.Certificate[] {
                        cf.generateCertificate(new ByteArrayInputStream(certPem.getBytes(StandardCharsets.US_ASCII)))});
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, "x".toCharArray());
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static RawAnswer rawWithCert(String base, String certPem, PrivateKey key, String method, String path, Map<String, String> headers, String body) {
        try {
            HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            headers.forEach(r::header);
            HttpResponse<String> resp = http(certPem, key).send(r.build(), HttpResponse.BodyHandlers.ofString());
            return new RawAnswer(resp.statusCode(), resp.body());
        } catch (Exception e) {
            throw new AssertionError(method + " " + path + ": " + e, e);
        }
    }
}
