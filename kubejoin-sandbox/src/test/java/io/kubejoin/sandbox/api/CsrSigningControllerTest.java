package io.kubejoin.sandbox.api;

import static io.kubejoin.sandbox.api.SandboxApiServerTest.createToken;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubejoin.testing.Processes;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import io.kubejoin.sandbox.TestCsrs;

/** The sandbox's kube-controller-manager: csrsigning for the kubelet signers, and its leader lease. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CsrSigningControllerTest {
    SandboxApiServer server;
    KubernetesClient admin;

    @BeforeEach
    void start() {
        server = SandboxApiServer.start(SandboxApiServer.Options.defaults()
                .withLease(Duration.ofSeconds(1), Duration.ofMillis(100)));
        admin = server.adminClient();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private CertificateSigningRequest submit(KubernetesClient as, String name, String signer, String request, Integer seconds, String... usages) {
        CertificateSigningRequest c = SandboxCsrTest.csr(name, request);
        c.getSpec().setSignerName(signer);
        c.getSpec().setUsages(List.of(usages));
        c.getSpec().setExpirationSeconds(seconds);
        return as.certificates().v1().certificateSigningRequests().resource(c).create();
    }

    private void approve(String name) {
        admin.certificates().v1().certificateSigningRequests().withName(name).approve(SandboxCsrTest.approvedCondition());
    }

    private CertificateSigningRequest await(String name, Predicate<CertificateSigningRequest> condition) {
        return admin.certificates().v1().certificateSigningRequests().withName(name).waitUntilCondition(
                c -> c != null && condition.test(c), 15, TimeUnit.SECONDS);
    }

    private static boolean signed(CertificateSigningRequest c) {
        return c.getStatus() != null && c.getStatus().getCertificate() != null && !c.getStatus().getCertificate().isEmpty();
    }

    private static boolean failed(CertificateSigningRequest c) {
        return c.getStatus() != null && c.getStatus().getConditions() != null
                && c.getStatus().getConditions().stream().anyMatch(x -> "Failed".equals(x.getType()));
    }

    private static X509Certificate certificate(CertificateSigningRequest c) throws Exception {
        byte[] pem = Base64.getDecoder().decode(c.getStatus().getCertificate());
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
    }

    @Test
    void signsAValidKubeletClientCsrWithACertificateOpensslAccepts(@TempDir Path dir) throws Exception {
        String token = createToken(admin, "sign01", Map.of());
        KubernetesClient kubelet = server.clientWithToken(token);
        submit(kubelet, "node-csr-a", CsrSigningController.KUBELET_CLIENT, TestCsrs.kubeletClientRequest("worker-1"), 3600,
                "digital signature", "client auth");
        Thread.sleep(300);
        CertificateSigningRequest pending = admin.certificates().v1().certificateSigningRequests().withName("node-csr-a").get();
        assertThat(signed(pending)).as("not signed before approval").isFalse();
        approve("node-csr-a");
        CertificateSigningRequest done = await("node-csr-a", CsrSigningControllerTest::signed);
        assertThat(done.getStatus().getConditions()).extracting(CertificateSigningRequestCondition::getType).containsExactly("Approved");

        X509Certificate cert = certificate(done);
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=system:node:worker-1,O=system:nodes");
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(cert.getSubjectAlternativeNames()).isNull();
        assertThat(cert.getBasicConstraints()).isEqualTo(-1);
        Duration lifetime = Duration.between(Instant.now(), cert.getNotAfter().toInstant());
        assertThat(lifetime).isBetween(Duration.ofMinutes(58), Duration.ofMinutes(61));

        Path ca = dir.resolve("ca.pem");
        Path crt = dir.resolve("kubelet-client.pem");
        Files.writeString(ca, server.caCertificatePem());
        Files.write(crt, Base64.getDecoder().decode(done.getStatus().getCertificate()));
        Processes.requireTool("openssl");
        var r = Processes.run(List.of("openssl", "verify", "-CAfile", ca.toString(), "-purpose", "sslclient", crt.toString()));
        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
        assertThat(r.stdout()).contains(": OK");
    }

    @Test
    void signsAKubeletServingCsrWithItsNames(@TempDir Path dir) throws Exception {
        server.addToken("node-w2", "system:node:worker-2", List.of("system:nodes"));
        String request = TestCsrs.request("O=system:nodes,CN=system:node:worker-2",
                List.of(new GeneralName(GeneralName.dNSName, "worker-2"), new GeneralName(GeneralName.iPAddress, "10.0.0.12")));
        submit(server.clientWithToken("node-w2"), "serving-a", CsrSigningController.KUBELET_SERVING, request, null,
                "digital signature", "key encipherment", "server auth");
        approve("serving-a");
        CertificateSigningRequest done = await("serving-a", CsrSigningControllerTest::signed);
        X509Certificate cert = certificate(done);
        assertThat(cert.getSubjectAlternativeNames().stream().map(l -> String.valueOf(l.get(1))).toList()).containsExactlyInAnyOrder("worker-2", "10.0.0.12");
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(Duration.between(Instant.now(), cert.getNotAfter().toInstant())).isGreaterThan(Duration.ofDays(364));
        Path ca = dir.resolve("ca.pem");
        Path crt = dir.resolve("kubelet-serving.pem");
        Files.writeString(ca, server.caCertificatePem());
        Files.write(crt, Base64.getDecoder().decode(done.getStatus().getCertificate()));
        Processes.requireTool("openssl");
        var r = Processes.run(List.of("openssl", "verify", "-CAfile", ca.toString(), "-purpose", "sslserver", crt.toString()));
        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
    }

    @Test
    void marksForgedOrMisusedRequestsFailed() {
        String token = createToken(admin, "sign02", Map.of());
        KubernetesClient kubelet = server.clientWithToken(token);
        submit(kubelet, "forged-masters", CsrSigningController.KUBELET_CLIENT,
                TestCsrs.request("O=system:masters,CN=system:node:worker-1", List.of()), null, "digital signature", "client auth");
        submit(kubelet, "forged-cn", CsrSigningController.KUBELET_CLIENT,
                TestCsrs.request("O=system:nodes,CN=kubernetes-admin", List.of()), null, "digital signature", "client auth");
        submit(kubelet, "client-with-san", CsrSigningController.KUBELET_CLIENT,
                TestCsrs.request("O=system:nodes,CN=system:node:worker-1", List.of(new GeneralName(GeneralName.dNSName, "evil"))),
                null, "digital signature", "client auth");
        submit(kubelet, "client-server-usage", CsrSigningController.KUBELET_CLIENT, TestCsrs.kubeletClientRequest("worker-1"),
                null, "digital signature", "client auth", "server auth");
        submit(kubelet, "serving-no-san", CsrSigningController.KUBELET_SERVING, TestCsrs.kubeletClientRequest("worker-1"),
                null, "digital signature", "server auth");
        Map<String, String> expected = Map.of(
                "forged-masters", "subject organization is not system:nodes",
                "forged-cn", "subject common name does not begin with system:node:",
                "client-with-san", "DNS subjectAltNames are not allowed",
                "client-server-usage", "usages did not match [client auth digital signature key encipherment]",
                "serving-no-san", "DNS or IP subjectAltName is required");
        expected.keySet().forEach(this::approve);
        expected.forEach((name, message) -> {
            CertificateSigningRequest c = await(name, CsrSigningControllerTest::failed);
            assertThat(signed(c)).as(name).isFalse();
            assertThat(c.getStatus().getConditions()).filteredOn(x -> "Failed".equals(x.getType())).singleElement().satisfies(f -> {
                assertThat(f.getStatus()).isEqualTo("True");
                assertThat(f.getReason()).isEqualTo("SignerValidationFailure");
                assertThat(f.getMessage()).as(name).isEqualTo(message);
            });
            assertThat(c.getStatus().getConditions()).extracting(CertificateSigningRequestCondition::getType).contains("Approved");
        });
    }

    @Test
    void leavesOtherSignersUnapprovedAndDeniedAlone() throws Exception {
        submit(admin, "other-signer", "example.com/not-a-kubernetes-signer", TestCsrs.request("CN=someone", List.of()), null,
                "digital signature", "client auth");
        approve("other-signer");
        submit(admin, "not-approved", CsrSigningController.KUBELET_CLIENT, TestCsrs.kubeletClientRequest("w"), null,
                "digital signature", "client auth");
        submit(admin, "denied", CsrSigningController.KUBELET_CLIENT, TestCsrs.kubeletClientRequest("w"), null,
                "digital signature", "client auth");
        admin.certificates().v1().certificateSigningRequests().withName("denied").deny();
        // a control CSR approved last: once it is signed, the signer has been through the others
        submit(admin, "control", CsrSigningController.KUBELET_CLIENT, TestCsrs.kubeletClientRequest("w"), null,
                "digital signature", "client auth");
        approve("control");
        await("control", CsrSigningControllerTest::signed);
        for (String n : List.of("other-signer", "not-approved", "denied")) {
            CertificateSigningRequest c = admin.certificates().v1().certificateSigningRequests().withName(n).get();
            assertThat(signed(c) || failed(c)).as(n).isFalse();
        }
    }

    @Test
    void signerOffLeavesApprovedCsrsUnsignedUntilItRunsAgain() throws Exception {
        server.signer(false);
        assertThat(server.signingController().running()).isFalse();
        submit(admin, "t2", CsrSigningController.KUBELET_CLIENT, TestCsrs.kubeletClientRequest("worker-3"), null,
                "digital signature", "client auth");
        approve("t2");
        Thread.sleep(1_000);
        CertificateSigningRequest c = admin.certificates().v1().certificateSigningRequests().withName("t2").get();
        assertThat(signed(c)).as("T2: approved but never signed while the controller-manager is down").isFalse();
        server.signer(true);
        await("t2", CsrSigningControllerTest::signed);
    }

    @Test
    void requestedDurationIsHonouredWithinBounds() throws Exception {
        submit(admin, "ten-minutes", CsrSigningController.KUBELET_CLIENT, TestCsrs.kubeletClientRequest("w4"), 600,
                "digital signature", "client auth");
        submit(admin, "ten-years", CsrSigningController.KUBELET_CLIENT, TestCsrs.kubeletClientRequest("w4"), 10 * 365 * 86400,
                "digital signature", "key encipherment", "client auth");
        approve("ten-minutes");
        approve("ten-years");
        X509Certificate shortCert = certificate(await("ten-minutes", CsrSigningControllerTest::signed));
        X509Certificate longCert = certificate(await("ten-years", CsrSigningControllerTest::signed));
        assertThat(Duration.between(Instant.now(), shortCert.getNotAfter().toInstant())).isBetween(Duration.ofMinutes(9), Duration.ofMinutes(11));
        assertThat(Duration.between(shortCert.getNotBefore().toInstant(), Instant.now())).isBetween(Duration.ofMinutes(4), Duration.ofMinutes(6));
        assertThat(Duration.between(Instant.now(), longCert.getNotAfter().toInstant())).as("capped at --cluster-signing-duration")
                .isBetween(Duration.ofDays(364), Duration.ofDays(366));
    }

    private Lease lease() {
        return admin.leases().inNamespace("kube-system").withName("kube-controller-manager").get();
    }

    @Test
    void controllerManagerLeaseIsFreshWhileRunningAndStaleWhenStopped() throws Exception {
        Lease first = admin.leases().inNamespace("kube-system").withName("kube-controller-manager")
                .waitUntilCondition(l -> l != null && l.getSpec().getRenewTime() != null, 10, TimeUnit.SECONDS);
        assertThat(first.getSpec().getHolderIdentity()).startsWith("sandbox-controller-manager_");
        assertThat(first.getSpec().getLeaseDurationSeconds()).isEqualTo(1);
        Thread.sleep(400);
        Lease renewed = lease();
        assertThat(renewed.getSpec().getRenewTime()).isAfter(first.getSpec().getRenewTime());
        assertThat(fresh(renewed)).isTrue();

        server.signer(false);
        ZonedDateTime last = lease().getSpec().getRenewTime();
        Thread.sleep(1_500);
        Lease stale = lease();
        assertThat(stale.getSpec().getRenewTime()).isEqualTo(last);
        assertThat(fresh(stale)).as("renewTime + leaseDurationSeconds is in the past").isFalse();

        server.signer(true);
        Lease back = admin.leases().inNamespace("kube-system").withName("kube-controller-manager")
                .waitUntilCondition(l -> l != null && fresh(l), 10, TimeUnit.SECONDS);
        assertThat(back.getSpec().getHolderIdentity()).isNotEqualTo(first.getSpec().getHolderIdentity());
        assertThat(back.getSpec().getLeaseTransitions()).isEqualTo(1);
    }

    private static boolean fresh(Lease l) {
        return l.getSpec().getRenewTime().toInstant().plusSeconds(l.getSpec().getLeaseDurationSeconds()).isAfter(Instant.now());
    }
}
