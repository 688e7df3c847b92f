package io.kubejoin.pki;

import io.kubejoin.inventory.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * Re-reads a certificate + key kubejoin issued earlier (kept in the state folder) and decides whether
 * it is still what would be issued now: same CA, same subject, key, usages and hosts, and enough
 * time left. Anything else means "issue a new one", with the reasons to show the user.
 */
public final class StoredCertificate {
    private StoredCertificate() {
    }

    /** Reads both files; a missing file is a reason, not an error (first run). */
    public static CertificateCheck check(Path certFile, Path keyFile, CertificateAuthority ca, CsrSpec csr,
                                         SigningProfile profile, Instant now, Duration minRemaining) {
        String certPem;
        String keyPem;
        try {
            certPem = Files.readString(certFile, StandardCharsets.ISO_8859_1);
            keyPem = Files.readString(keyFile, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return new CertificateCheck(null, List.of(e.getFile() + " does not exist"));
        } catch (IOException e) {
            return new CertificateCheck(null, List.of("cannot read the stored certificate: " + e));
        }
        return check(certPem, keyPem, ca, csr, profile, now, minRemaining);
    }

    public static CertificateCheck check(String certPem, String keyPem, CertificateAuthority ca, CsrSpec csr,
                                         SigningProfile profile, Instant now, Duration minRemaining) {
        X509Certificate cert = parseOne(certPem);
        if (cert == null) return new CertificateCheck(null, List.of("the stored certificate is not one PEM certificate"));
        PrivateKey key;
        try {
            key = PrivateKeys.parse(keyPem, null, "stored key");
        } catch (InvalidInputException e) {
            return new CertificateCheck(null, List.of("the stored key does not parse"));
        }
        List<String> reasons = new ArrayList<>();
        X509Certificate caCert = ca.certificate();
        try {
            cert.verify(caCert.getPublicKey());
            if (!cert.getIssuerX500Principal().equals(caCert.getSubjectX500Principal())) reasons.add("issued by another CA");
        } catch (GeneralSecurityException e) {
            reasons.add("not signed by the current CA " + caCert.getSubjectX500Principal().getName());
        }
        if (!PrivateKeys.matches(key, cert.getPublicKey())) reasons.add("the stored key does not belong to the certificate");
        if (!Arrays.equals(cert.getSubjectX500Principal().getEncoded(), encoded(csr))) {
            reasons.add("subject is '" + cert.getSubjectX500Principal().getName() + "', wanted '" + csr.subject() + "'");
        }
        if (!csr.key().matches(cert.getPublicKey())) {
            reasons.add("key is " + PrivateKeys.describe(cert.getPublicKey()) + ", wanted " + csr.key());
        }
        if (keyUsageBits(cert) != profile.keyUsageBits()) reasons.add("key usages differ from profile \"" + profile.name() + "\"");
        if (!extendedKeyUsages(cert).equals(oids(profile.extendedKeyUsages()))) {
            reasons.add("extended key usages differ from profile \"" + profile.name() + "\"");
        }
        if (!sans(cert).equals(sans(CertificateIssuer.subjectAltNames(csr.hosts())))) reasons.add("hosts (SANs) differ");
        Instant notAfter = cert.getNotAfter().toInstant();
        if (now.isBefore(cert.getNotBefore().toInstant())) reasons.add("not valid until " + cert.getNotBefore().toInstant());
        if (Duration.between(now, notAfter).compareTo(minRemaining) <= 0) {
            reasons.add("expires " + notAfter + ", within " + minRemaining.toDays() + " days");
        }
        IssuedCertificate stored = new IssuedCertificate(cert, Certificates.toPem(cert), keyPem, false);
        return new CertificateCheck(stored, reasons);
    }

    private static byte[] encoded(CsrSpec csr) {
        try {
            return csr.subject().getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate parseOne(String pem) {
        List<PemObject> blocks = PemFiles.blocks(pem);
        if (blocks == null || blocks.size() != 1 || !blocks.get(0).getType().equals("CERTIFICATE")) return null;
        try {
            return Certificates.parseDer(blocks.get(0).getContent());
        } catch (CertificateException | RuntimeException e) {
            return null;
        }
    }

    /** The keyUsage extension as BC KeyUsage bits (0 when absent). */
    static int keyUsageBits(X509Certificate cert) {
        boolean[] ku = cert.getKeyUsage();
        if (ku == null) return 0;
        int[] bits = {KeyUsage.digitalSignature, KeyUsage.nonRepudiation, KeyUsage.keyEncipherment, KeyUsage.dataEncipherment,
                KeyUsage.keyAgreement, KeyUsage.keyCertSign, KeyUsage.cRLSign, KeyUsage.encipherOnly, KeyUsage.decipherOnly};
        int out = 0;
        for (int i = 0; i < ku.length && i < bits.length; i++) {
            if (ku[i]) out |= bits[i];
        }
        return out;
    }

    static Set<String> extendedKeyUsages(X509Certificate cert) {
        try {
            List<String> eku = cert.getExtendedKeyUsage();
            return eku == null ? Set.of() : new HashSet<>(eku);
        } catch (CertificateException e) {
            return Set.of("unparseable");
        }
    }

    private static Set<String> oids(List<KeyPurposeId> ids) {
        Set<String> out = new HashSet<>();
        for (KeyPurposeId id : ids) out.add(id.getId());
        return out;
    }

    private static Set<String> sans(X509Certificate cert) {
        byte[] ext = cert.getExtensionValue(org.bouncycastle.asn1.x509.Extension.subjectAlternativeName.getId());
        if (ext == null) return Set.of();
        return sans(GeneralNames.getInstance(org.bouncycastle.asn1.ASN1OctetString.getInstance(ext).getOctets()));
    }

    private static Set<String> sans(GeneralNames names) {
        Set<String> out = new HashSet<>();
        if (names == null) return out;
        for (GeneralName n : names.getNames()) out.add(n.toString()); // tag + value: enough to compare
        return out;
    }
}
