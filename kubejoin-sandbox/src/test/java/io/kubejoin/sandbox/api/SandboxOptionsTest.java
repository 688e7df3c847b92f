package io.kubejoin.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubejoin.pki.CaGenerator;
import io.kubejoin.pki.CertificateAuthority;
import io.kubejoin.pki.KeySpec;
import io.kubejoin.testing.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import io.kubejoin.sandbox.RawApi;
import io.kubejoin.sandbox.TestCsrs;
import io.kubejoin.sandbox.tls.SandboxCa;

/** Starting the sandbox with plain HTTP, or with an existing (RSA) cluster CA as kubejoin pki init-ca makes it. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SandboxOptionsTest {
    @Test
    void plainHttpOnAChosenPortWorksAndItsKubeconfigCarriesNoCa(@TempDir Path dir) throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (SandboxApiServer server = SandboxApiServer.start(SandboxApiServer.Options.defaults().withHttps(false).withSigner(false)
                .withPort(port))) {
            assertThat(server.url()).isEqualTo("http://127.0.0.1:" + port);
            assertThat(server.adminClient().getKubernetesVersion().getGitVersion()).isEqualTo("v1.32.4");
            assertThat(new RawApi(server).get("/api/v1/namespaces", null).code()).isEqualTo(401);
            Path kubeconfig = dir.resolve("k");
            server.writeAdminKubeconfig(kubeconfig);
            assertThat(Files.readString(kubeconfig)).doesNotContain("certificate-authority-data").contains("server: http://127.0.0.1:");
        }
    }

    @Test
    void anExistingRsaCaServesAndSigns(@TempDir Path dir) throws Exception {
        CaGenerator.GeneratedCa generated = CaGenerator.generate("kubernetes", KeySpec.RSA_2048, Duration.ofDays(30), Instant.now());
        Path caPem = dir.resolve("ca.pem");
        Path caKey = dir.resolve("ca-key.pem");
        Files.writeString(caPem, generated.certificatePem());
        Files.writeString(caKey, generated.privateKeyPem());
        CertificateAuthority ca = CertificateAuthority.load(caPem, "pki.caCert", caKey, "pki.caKey");
        try (SandboxApiServer server = SandboxApiServer.start(SandboxApiServer.Options.defaults().withCa(SandboxCa.of(ca)))) {
            assertThat(server.caCertificatePem()).isEqualTo(ca.certificatePem());
            KubernetesClient admin = server.adminClient();
            String token = SandboxApiServerTest.createToken(admin, "rsa001", Map.of());
            // kubelets create their CSR with generateName, as client-go's certificate manager does
            CertificateSigningRequest c = SandboxCsrTest.csr(null, TestCsrs.kubeletClientRequest("rsa-node"));
            c.getMetadata().setGenerateName("csr-");
            CertificateSigningRequest created = server.clientWithToken(token).certificates().v1().certificateSigningRequests()
                    .resource(c).create();
            String name = created.getMetadata().getName();
            assertThat(name).startsWith("csr-").hasSizeGreaterThan(4);
            admin.certificates().v1().certificateSigningRequests().withName(name).approve(SandboxCsrTest.approvedCondition());
            CertificateSigningRequest signed = admin.certificates().v1().certificateSigningRequests().withName(name)
                    .waitUntilCondition(x -> x.getStatus() != null && x.getStatus().getCertificate() != null, 15, TimeUnit.SECONDS);
            Path crt = dir.resolve("client.pem");
            Files.write(crt, Base64.getDecoder().decode(signed.getStatus().getCertificate()));
            Processes.requireTool("openssl");
            var r = Processes.run(List.of("openssl", "verify", "-CAfile", caPem.toString(), crt.toString()));
            assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
            // the serving certificate chains to the same CA (RawApi trusts only it)
            assertThat(new RawApi(server).get("/version", server.adminToken()).code()).isEqualTo(200);
        }
    }
}
