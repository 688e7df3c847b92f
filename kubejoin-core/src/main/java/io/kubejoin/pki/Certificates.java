package io.kubejoin.pki;

import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/** Small X.509 helpers shared by the loader, the issuer and the checker. */
public final class Certificates {
    private Certificates() {
    }

    public static X509Certificate parseDer(byte[] der) throws CertificateException {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }

    /** Canonical PEM ("-----BEGIN CERTIFICATE-----", 64-column base64, trailing newline). */
    public static String toPem(X509Certificate cert) {
        try {
            return PemFiles.encode("CERTIFICATE", cert.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA-256 fingerprint as openssl prints it (AA:BB:...): safe to show, identifies the certificate. */
    public static String sha256Fingerprint(X509Certificate cert) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 5280 method 1 key id (SHA-1 of the subjectPublicKey bits), what cfssl and Go compute. */
    public static byte[] keyIdentifier(PublicKey key) {
        try {
            byte[] bits = SubjectPublicKeyInfo.getInstance(key.getEncoded()).getPublicKeyData().getBytes();
            return MessageDigest.getInstance("SHA-1").digest(bits);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The certificate's own SubjectKeyIdentifier if it has one, else the computed one. */
    public static byte[] subjectKeyIdentifier(X509Certificate cert) {
        byte[] ext = cert.getExtensionValue(Extension.subjectKeyIdentifier.getId());
        if (ext != null) {
            return SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(ext).getOctets()).getKeyIdentifier();
        }
        return keyIdentifier(cert.getPublicKey());
    }
}
