package io.kubejoin.cluster.approval;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class IssuedServingCertificatesTest {
    static CertificateSigningRequest csr(String signer, String user, String certificate) {
        return new CertificateSigningRequestBuilder().withNewMetadata().withName("csr-x").endMetadata()
                .withNewSpec().withSignerName(signer).withUsername(user).withRequest("cmVx").endSpec()
                .withNewStatus().withCertificate(certificate).endStatus().build();
    }

    @Test
    void onlyANodesOwnServingRequestWithACertificateCounts() throws Exception {
        IssuedServingCertificates issued = new IssuedServingCertificates();
        issued.observe(csr(CsrPolicy.SERVING_SIGNER, "system:node:n1", null)); // approved, not signed yet
        issued.observe(csr(CsrPolicy.CLIENT_SIGNER, "system:node:n2", "Y2VydA=="));
        issued.observe(csr(CsrPolicy.SERVING_SIGNER, "system:bootstrap:abcdef", "Y2VydA=="));
        assertThat(issued.await("n1", Duration.ofMillis(20))).isFalse();
        assertThat(issued.await("n2", Duration.ofMillis(20))).isFalse();
        assertThat(issued.await("abcdef", Duration.ofMillis(20))).isFalse();

        issued.observe(csr(CsrPolicy.SERVING_SIGNER, "system:node:n1", "Y2VydA=="));
        assertThat(issued.await("n1", Duration.ZERO)).isTrue();
    }

    @Test
    void aWaiterWakesWhenTheCertificateArrives() throws Exception {
        IssuedServingCertificates issued = new IssuedServingCertificates();
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                return issued.await("n3", Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50);
        issued.observe(csr(CsrPolicy.SERVING_SIGNER, "system:node:n3", "Y2VydA=="));
        assertThat(waiter.get(10, TimeUnit.SECONDS)).isTrue();
    }
}
