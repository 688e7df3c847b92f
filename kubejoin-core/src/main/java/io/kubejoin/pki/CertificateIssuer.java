package io.kubejoin.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Signs certificates from the CA the way {@code cfssl gencert -ca -ca-key -config -profile} does. */
public final class CertificateIssuer {
    private static final SecureRandom RANDOM = new SecureRandom();

    private CertificateIssuer() {
    }

    /**
     * Generates a key pair as {@code csr.key()} asks and signs a certificate for it.
     * <ul>
     * <li>serial: 159 random bits, positive (cfssl uses 20 random bytes with the sign bit cleared)</li>
     * <li>notBefore: {@code now} rounded to the minute, minus the profile's backdate (5 min), as cfssl</li>
     * <li>notAfter: notBefore + profile expiry, but never past the CA's notAfter. cfssl does not cap;
     *     a certificate outliving its CA cannot verify anyway, and the cap makes the real end visible
     *     ({@link IssuedCertificate#notAfterCappedToCa()}) instead of a date that lies.</li>
     * <li>extensions, in Go's order: keyUsage (critical, omitted when the profile has none), extKeyUsage,
     *     basicConstraints CA:FALSE (critical), subjectKeyIdentifier, authorityKeyIdentifier, subjectAltName</li>
     * <li>signature: SHA-256/384/512 with RSA or ECDSA, chosen from the CA key as cfssl does</li>
     * </ul>
     */
    public static IssuedCertificate issue(CertificateAuthority ca, CsrSpec csr, SigningProfile profile, Instant now) {
        return issue(ca, csr, profile, now, KeyPrefetch.none());
    }

    /** As {@link #issue(CertificateAuthority, CsrSpec, SigningProfile, Instant)}, the key from {@code keys}. */
    public static IssuedCertificate issue(CertificateAuthority ca, CsrSpec csr, SigningProfile profile, Instant now,
                                          KeyPrefetch keys) {
        KeyPair pair = keys.take(csr.key());
        X509Certificate caCert = ca.certificate();
        Instant notBefore = roundToMinute(now).minus(profile.backdate());
        Instant notAfter = notBefore.plus(profile.expiry());
        Instant caNotAfter = caCert.getNotAfter().toInstant();
        boolean capped = notAfter.isAfter(caNotAfter);
        if (capped) notAfter = caNotAfter;
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(), Date.from(notBefore),
                    Date.from(notAfter), csr.subject(), pair.getPublic());
            int ku = profile.keyUsageBits();
            if (ku != 0) b.addExtension(Extension.keyUsage, true, new KeyUsage(ku));
            List<KeyPurposeId> eku = profile.extendedKeyUsages();
            if (!eku.isEmpty()) b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(eku.toArray(new KeyPurposeId[0])));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.subjectKeyIdentifier, false, new SubjectKeyIdentifier(Certificates.keyIdentifier(pair.getPublic())));
            b.addExtension(Extension.authorityKeyIdentifier, false, new AuthorityKeyIdentifier(Certificates.subjectKeyIdentifier(caCert)));
            GeneralNames sans = subjectAltNames(csr.hosts());
            if (sans != null) b.addExtension(Extension.subjectAlternativeName, false, sans);
            X509Certificate cert = sign(b, ca.privateKey(), caCert.getPublicKey());
            return new IssuedCertificate(cert, Certificates.toPem(cert), PrivateKeys.toPem(pair.getPrivate(), pair.getPublic()), capped);
        } catch (CertIOException e) {
            throw new IllegalStateException("cannot build certificate extensions", e);
        }
    }

    static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signerKey, PublicKey signerPublic) {
        try {
            var signer = new JcaContentSignerBuilder(KeySpec.signatureAlgorithm(signerPublic)).build(signerKey);
            return Certificates.parseDer(b.build(signer).getEncoded());
        } catch (OperatorCreationException | IOException | CertificateException e) {
            throw new IllegalStateException("cannot sign the certificate", e);
        }
    }

    /** Go's Time.Round(time.Minute): to the nearest minute, halves up. X.509 keeps whole seconds only. */
    static Instant roundToMinute(Instant now) {
        return Instant.ofEpochSecond(Math.floorDiv(now.getEpochSecond() + 30, 60) * 60);
    }

    /** A positive serial of exactly 159 bits: top bit clear (positive), next bit set (never short). */
    static BigInteger serial() {
        byte[] bytes = new byte[20];
        RANDOM.nextBytes(bytes);
        bytes[0] = (byte) ((bytes[0] & 0x7F) | 0x40);
        return new BigInteger(1, bytes);
    }

    /** Sorted as cfssl sorts hosts: IP, e-mail, URI, else DNS name. Null when there are none. */
    static GeneralNames subjectAltNames(List<String> hosts) {
        if (hosts.isEmpty()) return null;
        List<GeneralName> names = new ArrayList<>();
        for (String h : hosts) {
            byte[] ip = ipLiteral(h);
            if (ip != null) names.add(new GeneralName(GeneralName.iPAddress, new DEROctetString(ip)));
            else if (h.matches("[^@\\s<>]+@[^@\\s<>]+")) names.add(new GeneralName(GeneralName.rfc822Name, h));
            else if (h.contains("://")) names.add(new GeneralName(GeneralName.uniformResourceIdentifier, h));
            else names.add(new GeneralName(GeneralName.dNSName, h));
        }
        return new GeneralNames(names.toArray(new GeneralName[0]));
    }

    /** The address bytes when {@code s} is an IPv4 or IPv6 literal; never a DNS lookup. */
    static byte[] ipLiteral(String s) {
        boolean v4 = s.matches("\\d{1,3}(\\.\\d{1,3}){3}") && java.util.Arrays.stream(s.split("\\.")).allMatch(p -> Integer.parseInt(p) < 256);
        boolean v6 = s.contains(":") && s.matches("[0-9A-Fa-f:.]+");
        if (!v4 && !v6) return null;
        try {
            return InetAddress.getByName(s).getAddress(); // a literal: parsed locally
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
