package io.kubejoin.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.cluster.CsrView;
import io.kubejoin.cluster.TokenInfo;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.testing.TestInventories;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** doctor reports the CSRs of inventory nodes the signer marked Failed, with the signer's reason and message. */
class DoctorFailedCsrsTest {
    static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
    static final String CLIENT = "kubernetes.io/kube-apiserver-client-kubelet";

    @Test
    void aCsrTheSignerFailedIsReportedForItsNodeWithReasonMessageAndFix() {
        Inventory inv = TestInventories.article(); // node "slave"
        List<CsrView> csrs = List.of(
                new CsrView("node-csr-a", "system:bootstrap:abc123", T, T, "failed: SignerValidationFailure: usages did "
                        + "not match [client auth digital signature key encipherment]", false, CLIENT),
                new CsrView("csr-ok", "system:node:slave", T, T, null, true, "kubernetes.io/kubelet-serving"),
                new CsrView("csr-denied", "system:node:slave", T, null, "denied: KubejoinPolicyDenied: no", false,
                        "kubernetes.io/kubelet-serving"),
                new CsrView("csr-other", "system:node:elsewhere", T, T, "failed: SignerValidationFailure: x", false, CLIENT));
        List<TokenInfo> tokens = List.of(new TokenInfo("abc123", "slave", T.plusSeconds(3600), List.of(), List.of(), ""));
        List<Diagnosis> found = Doctor.failedCsrs(inv, csrs, tokens);
        assertThat(found).singleElement().satisfies(d -> {
            assertThat(d.id()).isEqualTo("csr-failed");
            assertThat(d.node()).isEqualTo("slave");
            assertThat(d.what()).contains("1 CSR(s) of slave were approved but the signer refused them");
            assertThat(d.evidence()).isEqualTo("node-csr-a (" + CLIENT + "): Failed, SignerValidationFailure: usages did "
                    + "not match [client auth digital signature key encipherment]");
            assertThat(d.fix()).contains("\"key encipherment\"").contains("kubejoin reset slave");
        });
    }

    @Test
    void otherFailuresGetTheGeneralFixAndNodesOutsideTheInventoryAreLeftAlone() {
        Inventory inv = TestInventories.article();
        List<Diagnosis> found = Doctor.failedCsrs(inv, List.of(new CsrView("csr-b", "system:node:slave", T, T,
                "failed: SignerValidationFailure: subject organization is not system:nodes", false, CLIENT)), List.of());
        assertThat(found).singleElement().satisfies(d -> assertThat(d.fix()).contains("kubectl delete csr csr-b"));
        assertThat(Doctor.failedCsrs(inv, List.of(new CsrView("csr-c", "system:bootstrap:zzz999", T, T,
                "failed: SignerValidationFailure: x", false, CLIENT)), List.of())).isEmpty();
    }
}
