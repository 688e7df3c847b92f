package io.kubejoin.pki;

import io.kubejoin.util.SecureFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Keeps one issued certificate + key in kubejoin's state folder so re-runs reuse it instead of
 * minting a new one each time (a new certificate per run would churn every node's kubeconfig).
 */
public final class CertificateStore {
    private CertificateStore() {
    }

    /**
     * @param certificate what to use now
     * @param reused      true when the stored pair was still good
     * @param reasons     why a stored pair was replaced (empty when reused or on first issue); no secrets
     */
    public record Obtained(IssuedCertificate certificate, boolean reused, List<String> reasons) {
        public Obtained {
            reasons = List.copyOf(reasons);
        }
    }

    /**
     * Reuses {@code certFile}/{@code keyFile} when {@link StoredCertificate#check} accepts them, otherwise
     * issues a new pair and writes it atomically (certificate 0644, key 0600, key written first).
     */
    public static Obtained obtain(Path certFile, Path keyFile, CertificateAuthority ca, CsrSpec csr, SigningProfile profile,
                                  Instant now, Duration minRemaining) throws IOException {
        return obtain(certFile, keyFile, ca, csr, profile, now, minRemaining, KeyPrefetch.none());
    }

    /** As above; a new key comes from {@code keys}. */
    public static Obtained obtain(Path certFile, Path keyFile, CertificateAuthority ca, CsrSpec csr, SigningProfile profile,
                                  Instant now, Duration minRemaining, KeyPrefetch keys) throws IOException {
        CertificateCheck check = StoredCertificate.check(certFile, keyFile, ca, csr, profile, now, minRemaining);
        if (check.reusable()) return new Obtained(check.stored(), true, List.of());
        IssuedCertificate issued = CertificateIssuer.issue(ca, csr, profile, now, keys);
        SecureFiles.writeDurably(keyFile, issued.privateKeyPem().getBytes(StandardCharsets.US_ASCII), 0600);
        SecureFiles.writeDurably(certFile, issued.certificatePem().getBytes(StandardCharsets.US_ASCII), 0644);
        boolean firstIssue = check.stored() == null && check.reasons().stream().allMatch(r -> r.endsWith("does not exist"));
        return new Obtained(issued, false, firstIssue ? List.of() : check.reasons());
    }
}
