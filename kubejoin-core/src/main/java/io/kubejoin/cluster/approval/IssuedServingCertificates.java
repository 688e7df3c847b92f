package io.kubejoin.cluster.approval;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Which nodes' kubelet-serving CSRs carry a certificate, as the approver's CSR list and watch see them: the join's
 * verify waits on this instead of asking the node again and again whether kubelet has written its serving
 * certificate (it does so moments after the certificate appears on its CSR).
 */
public final class IssuedServingCertificates {
    private final Map<String, CompletableFuture<Void>> byNode = new ConcurrentHashMap<>();

    /** Notes {@code csr} if it is a node's kubelet-serving request with a certificate. */
    void observe(CertificateSigningRequest csr) {
        if (csr.getSpec() == null || csr.getStatus() == null) return;
        String cert = csr.getStatus().getCertificate();
        String user = csr.getSpec().getUsername();
        if (cert == null || cert.isEmpty() || !CsrPolicy.SERVING_SIGNER.equals(csr.getSpec().getSignerName())
                || user == null || !user.startsWith(CsrPolicy.NODE_USER_PREFIX)) {
            return;
        }
        future(user.substring(CsrPolicy.NODE_USER_PREFIX.length())).complete(null);
    }

    /** True once a serving certificate was issued for {@code node}, waiting at most {@code max} for it. */
    public boolean await(String node, Duration max) throws InterruptedException {
        try {
            future(node).get(Math.max(0, max.toMillis()), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private CompletableFuture<Void> future(String node) {
        return byNode.computeIfAbsent(node, n -> new CompletableFuture<>());
    }
}
