package io.kubejoin.pki;

import java.util.List;

/**
 * Whether a stored certificate and key can be used again.
 *
 * @param stored  the certificate and key as read, when both parsed; null otherwise
 * @param reasons why it must be re-issued (no secrets in them); empty means reusable
 */
public record CertificateCheck(IssuedCertificate stored, List<String> reasons) {
    public CertificateCheck {
        reasons = List.copyOf(reasons);
    }

    public boolean reusable() {
        return reasons.isEmpty() && stored != null;
    }
}
