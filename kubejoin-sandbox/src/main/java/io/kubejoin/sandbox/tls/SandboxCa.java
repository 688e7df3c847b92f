package io.kubejoin.sandbox.tls;

import io.kubejoin.pki.CaGenerator;
import io.kubejoin.pki.CertificateAuthority;
import io.kubejoin.pki.Certificates;
import io.kubejoin.pki.KeySpec;
import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The sandbox cluster's CA (what {@code --cluster-signing-cert-file/--cluster-signing-key-file} give
 * kube-controller-manager and {@code --client-ca-file} gives kube-apiserver): signs the API server's
 * serving certificate and the certificates the CSR signer issues.
 */
public final class SandboxCa {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final X509Certificate certificate;
    private final String certificatePem;
    private final PrivateKey privateKey;

    private SandboxCa(X509Certificate certificate, PrivateKey privateKey) {
        this.certificate = certificate;
        this.certificatePem = Certificates.toPem(certificate);
        this.privateKey = privateKey;
    }

    /** A new ECDSA P-256 CA, valid ten years (fast to make: no RSA key generation). */
    public static SandboxCa generate(Instant now) {
        CaGenerator.GeneratedCa ca = CaGenerator.generate("kubejoin-sandbox-ca", KeySpec.ECDSA_256, Duration.ofDays(3650), now);
        return new SandboxCa(ca.certificate(), io.kubejoin.pki.PrivateKeys.parse(ca.privateKeyPem(), null, "sandbox CA key"));
    }

    /** An existing cluster CA, e.g. one {@code kubejoin pki init-ca} made, so rendered kubeconfigs trust the sandbox. */
    public static SandboxCa of(CertificateAuthority ca) {
        return new SandboxCa(ca.certificate(), ca.privateKey());
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public String certificatePem() {
        return certificatePem;
    }

    PrivateKey privateKey() {
        return privateKey;
    }

    /**
     * Signs a leaf as the Go x509 package does for kube-controller-manager's signer: CA:FALSE (critical),
     * key usage (critical) and extended key usages as given, the CA's key id as authority key id, a
     * random 128-bit serial, notAfter capped at the CA's own notAfter.
     */
    public X509Certificate sign(X500Name subject, SubjectPublicKeyInfo publicKey, GeneralName[] sans, int keyUsage,
                         List<KeyPurposeId> extKeyUsages, Instant notBefore, Instant notAfter) {
        Instant caEnd = certificate.getNotAfter().toInstant();
        if (notAfter.isAfter(caEnd)) notAfter = caEnd;
        try {
            X509v3CertificateBuilder b = new X509v3CertificateBuilder(
                    X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()),
                    new BigInteger(128, RANDOM).setBit(127), Date.from(notBefore), Date.from(notAfter), subject, publicKey);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            if (keyUsage != 0) b.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
            if (!extKeyUsages.isEmpty()) {
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(extKeyUsages.toArray(KeyPurposeId[]::new)));
            }
            byte[] skid = Certificates.subjectKeyIdentifier(certificate);
            if (skid != null) b.addExtension(Extension.authorityKeyIdentifier, false, new AuthorityKeyIdentifier(skid));
            if (sans != null && sans.length > 0) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
            }
            var holder = b.build(new JcaContentSignerBuilder(signatureAlgorithm(privateKey)).build(privateKey));
            return Certificates.parseDer(holder.getEncoded());
        } catch (OperatorCreationException | CertificateException | java.io.IOException e) {
            throw new IllegalStateException("cannot sign a certificate with the sandbox CA", e);
        }
    }

    static String signatureAlgorithm(PrivateKey key) {
        return "EC".equals(key.getAlgorithm()) || "ECDSA".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
    }

    public static SubjectPublicKeyInfo spki(PublicKey key) {
        return SubjectPublicKeyInfo.getInstance(key.getEncoded());
    }
}
