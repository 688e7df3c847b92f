package io.kubejoin.pki;

import java.security.cert.X509Certificate;

/**
 * A certificate and its new private key, as cfssljson writes them (kube-proxy.pem, kube-proxy-key.pem).
 *
 * @param certificate        the parsed certificate
 * @param certificatePem     PEM, for the node's file and the kubeconfig's client-certificate-data
 * @param privateKeyPem      PEM (PKCS#1 for RSA, SEC1 for ECDSA): a secret, write it 0600
 * @param notAfterCappedToCa true when the profile's expiry would have outlived the CA, so notAfter is the CA's
 */
public record IssuedCertificate(X509Certificate certificate, String certificatePem, String privateKeyPem,
                                boolean notAfterCappedToCa) {
    @Override
    public String toString() {
        // records print every field by default: keep the private key out of logs and assertion messages
        return "IssuedCertificate[" + certificate.getSubjectX500Principal().getName() + ", serial "
                + certificate.getSerialNumber().toString(16) + ", notAfter " + certificate.getNotAfter().toInstant() + "]";
    }
}
