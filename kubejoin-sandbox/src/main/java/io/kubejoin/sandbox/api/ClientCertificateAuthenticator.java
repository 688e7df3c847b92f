package io.kubejoin.sandbox.api;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Stands for kube-apiserver's x509 authenticator ({@code --client-ca-file},
 * k8s.io/apiserver/pkg/authentication/request/x509): a client certificate that verifies against the client CA
 * (signature, issuer, validity at the current time, extended key usage client auth when the certificate names
 * any) authenticates as user = subject CN, groups = subject O values. Anything else proves nothing, so the
 * request falls through to the bearer-token authenticators, as in the real authenticator union. The CA here
 * is the single sandbox CA (no intermediates, as kubejoin's clusters have none).
 */
final class ClientCertificateAuthenticator {
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_EKU = "2.5.29.37.0";
    private final X509Certificate ca;
    private final Supplier<Instant> now;

    ClientCertificateAuthenticator(X509Certificate ca, Supplier<Instant> now) {
        this.ca = ca;
        this.now = now;
    }

    X509Certificate ca() {
        return ca;
    }

    /** The identity the presented chain (leaf first) proves, or empty when it proves none. */
    Optional<UserInfo> authenticate(List<X509Certificate> chain) {
        if (chain == null || chain.isEmpty()) return Optional.empty();
        X509Certificate leaf = chain.get(0);
        // what does not change (signature, issuer, constraints, usages, subject) is checked once per certificate;
        // the validity period at every request, as the real authenticator's verify does
        if (checked.size() > MAX_CACHED) checked.clear();
        Optional<UserInfo> id = checked.computeIfAbsent(leaf, ClientCertificateAuthenticator.this::staticChecks);
        if (id.isEmpty() || !validNow(leaf)) return Optional.empty();
        return id;
    }

    private static final int MAX_CACHED = 10_000;
    private final java.util.Map<X509Certificate, Optional<UserInfo>> checked = new java.util.concurrent.ConcurrentHashMap<>();

    private Optional<UserInfo> staticChecks(X509Certificate leaf) {
        try {
            if (!leaf.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) return Optional.empty();
            leaf.verify(ca.getPublicKey());
            if (leaf.getBasicConstraints() >= 0) return Optional.empty(); // a CA certificate is no client identity
            List<String> eku = leaf.getExtendedKeyUsage();
            if (eku != null && !eku.contains(CLIENT_AUTH) && !eku.contains(ANY_EKU)) return Optional.empty();
            return identity(leaf);
        } catch (java.security.GeneralSecurityException e) {
            return Optional.empty();
        }
    }

    private boolean validNow(X509Certificate leaf) {
        try {
            Date at = Date.from(now.get());
            leaf.checkValidity(at);
            ca.checkValidity(at);
            return true;
        } catch (java.security.cert.CertificateExpiredException | java.security.cert.CertificateNotYetValidException e) {
            return false;
        }
    }

    /** user = CN, groups = every O (the order the subject lists them), as the real CommonNameUserConversion. */
    static Optional<UserInfo> identity(X509Certificate leaf) {
        String cn = null;
        List<String> orgs = new ArrayList<>();
        try {
            // RFC 2253 order is reversed relative to the encoded order; reverse back
            List<Rdn> rdns = new ArrayList<>(new LdapName(leaf.getSubjectX500Principal().getName()).getRdns());
            for (Rdn rdn : rdns) {
                if ("CN".equalsIgnoreCase(rdn.getType()) && cn == null) cn = String.valueOf(rdn.getValue());
                if ("O".equalsIgnoreCase(rdn.getType())) orgs.add(String.valueOf(rdn.getValue()));
            }
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
        if (cn == null || cn.isEmpty()) return Optional.empty(); // the real one: "common name is empty"
        return Optional.of(new UserInfo(cn, "", orgs));
    }

    static List<X509Certificate> x509(List<java.security.cert.Certificate> certs) throws CertificateException {
        List<X509Certificate> out = new ArrayList<>();
        for (var c : certs) {
            if (!(c instanceof X509Certificate x)) throw new CertificateException("not an X.509 certificate");
            out.add(x);
        }
        return out;
    }
}
