package io.kubejoin.cluster;

import java.net.URI;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import io.kubejoin.util.PeerCertificate;

/**
 * Says why a TLS handshake with kube-apiserver failed. The JDK's own messages ("PKIX path building failed") do not
 * say which certificate the server showed, so on failure the server's certificate is fetched once more without
 * verification - only to describe it in the message; nothing is sent on that connection.
 */
final class TlsDiagnosis {
    private static final int FETCH_TIMEOUT_MS = 3000;

    private TlsDiagnosis() {
    }

    static String explain(Throwable e, String url, String source) {
        String host = ApiErrors.host(url);
        X509Certificate cert = fetch(url);
        if (hostnameMismatch(e)) {
            String names = cert == null ? "other names" : String.join(", ", names(cert));
            return "the server's certificate at " + url + " is for " + names + ", not " + host
                    + ": use an address the certificate names as the server in " + source
                    + ", or re-issue kube-apiserver's certificate with " + host + " as a subject alternative name";
        }
        if (ApiErrors.isCertPathFailure(e)) {
            String issuer = cert == null ? "" : " (issued by " + cert.getIssuerX500Principal().getName() + ")";
            return "the server's certificate at " + url + issuer + " is not signed by the CA in " + source
                    + ": set its certificate-authority(-data) to the cluster's CA (the ca.pem kube-apiserver uses)";
        }
        if (ApiErrors.messageContains(e, "plaintext connection") || ApiErrors.messageContains(e, "Unsupported or unrecognized SSL message")) {
            return "the server at " + url + " does not speak TLS: is the port that of kube-apiserver's secure port, "
                    + "or should the URL in " + source + " start with http://?";
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return "TLS handshake with kube-apiserver at " + url + " failed: " + root.getMessage();
    }

    static boolean hostnameMismatch(Throwable e) {
        return ApiErrors.messageContains(e, "No subject alternative")
                || ApiErrors.messageContains(e, "No name matching")
                || ApiErrors.messageContains(e, "does not match")
                || ApiErrors.messageContains(e, "doesn't match");
    }

    static List<String> names(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    Object kind = san.get(0);
                    if (Integer.valueOf(2).equals(kind) || Integer.valueOf(7).equals(kind)) out.add(String.valueOf(san.get(1)));
                }
            }
        } catch (java.security.cert.CertificateParsingException ignored) {
            // fall back to the subject below
        }
        if (out.isEmpty()) out.add(cert.getSubjectX500Principal().getName());
        return out;
    }

    /** The certificate the server presents, or null when it cannot be fetched. */
    static X509Certificate fetch(String url) {
        try {
            URI uri = URI.create(url);
            int port = uri.getPort() > 0 ? uri.getPort() : 443;
            return PeerCertificate.fetch(uri.getHost(), port, java.time.Duration.ofMillis(FETCH_TIMEOUT_MS));
        } catch (Exception | LinkageError failed) {
            return null;
        }
    }
}
