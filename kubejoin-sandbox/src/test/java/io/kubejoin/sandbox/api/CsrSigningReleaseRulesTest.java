package io.kubejoin.sandbox.api;

import static io.kubejoin.sandbox.api.SandboxApiServerTest.createToken;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import io.kubejoin.sandbox.TestCsrs;

/** The sandbox signer applies the cluster release's rules (VersionRules), as kube-controller-manager of that release. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CsrSigningReleaseRulesTest {
    private static boolean signed(CertificateSigningRequest c) {
        return c.getStatus() != null && c.getStatus().getCertificate() != null && !c.getStatus().getCertificate().isEmpty();
    }

    private static boolean failed(CertificateSigningRequest c) {
        return c.getStatus() != null && c.getStatus().getConditions() != null
                && c.getStatus().getConditions().stream().anyMatch(x -> "Failed".equals(x.getType()));
    }

    /**
     * Issue 12: until 1.24 the kubelet signers accept only the usage sets with key encipherment; an ECDSA request
     * without it, approved, is marked Failed with the validation error. From 1.25 the set without it is signed.
     */
    @Test
    void the124SignerFailsAKubeletRequestWithoutKeyEnciphermentWhich125Signs() {
        for (String version : List.of("v1.24.17", "v1.25.0")) {
            try (SandboxApiServer s = SandboxApiServer.start(SandboxApiServer.Options.defaults().withGitVersion(version))) {
                KubernetesClient a = s.adminClient();
                KubernetesClient kubelet = s.clientWithToken(createToken(a, "ke" + version.substring(3, 5) + "01", Map.of()));
                s.addToken("node-w2", "system:node:worker-2", List.of("system:nodes"));
                String servingRequest = TestCsrs.request("O=system:nodes,CN=system:node:worker-2",
                        List.of(new GeneralName(GeneralName.dNSName, "worker-2")));
                for (String[] c : List.of(new String[] {"client", CsrSigningController.KUBELET_CLIENT, "client auth"},
                        new String[] {"serving", CsrSigningController.KUBELET_SERVING, "server auth"})) {
                    CertificateSigningRequest csr = SandboxCsrTest.csr(c[0], c[0].equals("client")
                            ? TestCsrs.kubeletClientRequest("worker-1") : servingRequest);
                    csr.getSpec().setSignerName(c[1]);
                    csr.getSpec().setUsages(List.of("digital signature", c[2]));
                    (c[0].equals("client") ? kubelet : s.clientWithToken("node-w2")).certificates().v1()
                            .certificateSigningRequests().resource(csr).create();
                    a.certificates().v1().certificateSigningRequests().withName(c[0]).approve(SandboxCsrTest.approvedCondition());
                    CertificateSigningRequest done = a.certificates().v1().certificateSigningRequests().withName(c[0])
                            .waitUntilCondition(x -> x != null && (signed(x) || failed(x)), 15, TimeUnit.SECONDS);
                    if (version.equals("v1.25.0")) {
                        assertThat(signed(done)).as(version + " " + c[0]).isTrue();
                        continue;
                    }
                    assertThat(signed(done)).as(version + " " + c[0]).isFalse();
                    assertThat(done.getStatus().getConditions()).filteredOn(x -> "Failed".equals(x.getType()))
                            .singleElement().satisfies(f -> {
                                assertThat(f.getStatus()).isEqualTo("True");
                                assertThat(f.getReason()).isEqualTo("SignerValidationFailure");
                                assertThat(f.getMessage()).isEqualTo(c[0].equals("client")
                                        ? "usages did not match [client auth digital signature key encipherment]"
                                        : "usages did not match [digital signature key encipherment server auth]");
                            });
                }
            }
        }
    }

    /** 1.18's signer refused such a request without a word: approved, no certificate, no Failed condition. */
    @Test
    void the118SignerLeavesARefusedRequestApprovedWithoutACondition() throws Exception {
        try (SandboxApiServer s = SandboxApiServer.start(SandboxApiServer.Options.defaults().withGitVersion("v1.18.20"))) {
            KubernetesClient a = s.adminClient();
            KubernetesClient kubelet = s.clientWithToken(createToken(a, "ke1801", Map.of()));
            CertificateSigningRequest csr = SandboxCsrTest.csr("client", TestCsrs.kubeletClientRequest("worker-1"));
            csr.getSpec().setSignerName(CsrSigningController.KUBELET_CLIENT);
            csr.getSpec().setUsages(List.of("digital signature", "client auth"));
            kubelet.certificates().v1().certificateSigningRequests().resource(csr).create();
            a.certificates().v1().certificateSigningRequests().withName("client").approve(SandboxCsrTest.approvedCondition());
            Thread.sleep(500);
            CertificateSigningRequest after = a.certificates().v1().certificateSigningRequests().withName("client").get();
            assertThat(signed(after)).isFalse();
            assertThat(failed(after)).isFalse();
        }
    }

}
