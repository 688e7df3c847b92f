package io.kubejoin.pki;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * The cluster CA (the article's ca.pem + ca-key.pem), checked to be usable for issuing:
 * a CA certificate, currently valid, with the private key that belongs to it.
 */
public final class CertificateAuthority {
    private final X509Certificate certificate;
    private final String certificatePem;
    private final PrivateKey privateKey;

    CertificateAuthority(X509Certificate certificate, PrivateKey privateKey) {
        this.certificate = certificate;
        this.certificatePem = Certificates.toPem(certificate);
        this.privateKey = privateKey;
    }

    /** Loads and checks the CA as of the current time. */
    public static CertificateAuthority load(Path certFile, String certField, Path keyFile, String keyField) {
        return load(certFile, certField, keyFile, keyField, Instant.now());
    }

    /**
     * Loads and checks the CA as of {@code now}. An expired or not-yet-valid CA is a problem, not a
     * warning: every certificate it issues would fail verification, so nothing useful can follow.
     *
     * @throws io.kubejoin.inventory.InvalidInputException naming the file and field at fault
     */
    public static CertificateAuthority load(Path certFile, String certField, Path keyFile, String keyField, Instant now) {
        X509Certificate cert = readCertificate(certFile, certField);
        checkIsCa(cert, certFile, certField, now);
        PrivateKey key = PrivateKeys.parse(PemFiles.readText(keyFile, keyField), keyFile, keyField);
        if (!PrivateKeys.matches(key, cert.getPublicKey())) {
            throw PkiProblems.invalid(keyFile, keyField,
                    "this private key does not belong to the CA certificate " + certFile
                            + " (their public keys differ; certificate key: " + PrivateKeys.describe(cert.getPublicKey()) + ")",
                    "give the key created together with the certificate; compare: openssl x509 -in " + certFile
                            + " -noout -pubkey vs openssl pkey -in " + keyFile + " -pubout");
        }
        return new CertificateAuthority(cert, key);
    }

    /** Reads exactly one certificate from a PEM file. */
    static X509Certificate readCertificate(Path file, String field) {
        String text = PemFiles.readText(file, field);
        List<PemObject> blocks = PemFiles.blocks(text);
        if (blocks == null || blocks.isEmpty()) {
            throw PkiProblems.invalid(file, field, "not a PEM certificate file (no valid -----BEGIN CERTIFICATE----- block)",
                    "a DER certificate can be converted with: openssl x509 -inform der -in " + file + " -out ca.pem");
        }
        List<PemObject> certs = blocks.stream().filter(b -> b.getType().equals("CERTIFICATE")).toList();
        if (certs.isEmpty()) {
            throw PkiProblems.invalid(file, field, "holds a " + blocks.get(0).getType() + ", not a CERTIFICATE",
                    "give the CA certificate (ca.pem); the key goes in the key field");
        }
        if (certs.size() > 1) {
            throw PkiProblems.invalid(file, field, "holds " + certs.size() + " certificates; expected the CA certificate alone",
                    "keep only the CA that signs node certificates in this file");
        }
        try {
            return Certificates.parseDer(certs.get(0).getContent());
        } catch (CertificateException | RuntimeException e) {
            throw PkiProblems.invalid(file, field, "the CERTIFICATE block does not parse (" + e.getMessage() + ")",
                    "check it with: openssl x509 -in " + file + " -noout -text");
        }
    }

    private static void checkIsCa(X509Certificate cert, Path file, String field, Instant now) {
        String subject = cert.getSubjectX500Principal().getName();
        if (cert.getBasicConstraints() < 0) {
            throw PkiProblems.invalid(file, field,
                    "certificate '" + subject + "' is not a CA (basicConstraints CA:TRUE is missing)",
                    "give the cluster CA certificate (the one kube-apiserver's --client-ca-file names), not a leaf certificate");
        }
        boolean[] ku = cert.getKeyUsage();
        if (ku != null && !ku[5]) {
            throw PkiProblems.invalid(file, field,
                    "CA certificate '" + subject + "' has a keyUsage without keyCertSign, so it may not sign certificates",
                    "use a CA certificate whose keyUsage includes Certificate Sign");
        }
        PublicKey pub = cert.getPublicKey();
        if (!(pub instanceof RSAPublicKey) && !(pub instanceof ECPublicKey)) {
            throw PkiProblems.invalid(file, field, "unsupported CA key type " + pub.getAlgorithm(),
                    "kubejoin signs with RSA or ECDSA CAs only");
        }
        if (now.isAfter(cert.getNotAfter().toInstant())) {
            throw PkiProblems.invalid(file, field, "the CA certificate expired on " + cert.getNotAfter().toInstant(),
                    "renew the cluster CA first; certificates signed by an expired CA are rejected");
        }
        if (now.isBefore(cert.getNotBefore().toInstant())) {
            throw PkiProblems.invalid(file, field, "the CA certificate is not valid until " + cert.getNotBefore().toInstant(),
                    "check this machine's clock (date -u)");
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /**
     * The CA certificate as canonical PEM: the bytes to embed in kubeconfigs
     * (certificate-authority-data) and to install as the node's ca.pem. Text around the
     * PEM block in the user's file (e.g. openssl's -text dump) is left out.
     */
    public String certificatePem() {
        return certificatePem;
    }

    /** The CA private key: pass it to signing code only, never print or log it. */
    public PrivateKey privateKey() {
        return privateKey;
    }

    @Override
    public String toString() {
        return "CertificateAuthority[" + certificate.getSubjectX500Principal().getName() + "]"; // never the key
    }
}
