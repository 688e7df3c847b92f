package io.kubejoin.pki;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/** Creates a self-signed cluster CA as {@code cfssl gencert -initca} does, for new lab clusters. */
public final class CaGenerator {
    private CaGenerator() {
    }

    /**
     * A new CA: subject CN={@code commonName}, keyUsage certSign + cRLSign (critical), basicConstraints
     * CA:TRUE without a path length (critical), subjectKeyIdentifier; notBefore backdated 5 minutes
     * like cfssl, notAfter = notBefore + {@code expiry}.
     */
    public static GeneratedCa generate(String commonName, KeySpec key, Duration expiry, Instant now) {
        if (expiry.isNegative() || expiry.isZero()) throw new IllegalArgumentException("expiry must be positive");
        KeyPair pair = key.generate();
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
        Instant notBefore = CertificateIssuer.roundToMinute(now).minus(SigningProfile.DEFAULT_BACKDATE);
        Instant notAfter = notBefore.plus(expiry);
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, CertificateIssuer.serial(),
                    Date.from(notBefore), Date.from(notAfter), subject, pair.getPublic());
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.subjectKeyIdentifier, false, new SubjectKeyIdentifier(Certificates.keyIdentifier(pair.getPublic())));
            X509Certificate cert = CertificateIssuer.sign(b, pair.getPrivate(), pair.getPublic());
            return new GeneratedCa(cert, Certificates.toPem(cert), PrivateKeys.toPem(pair.getPrivate(), pair.getPublic()));
        } catch (CertIOException e) {
            throw new IllegalStateException("cannot build CA extensions", e);
        }
    }

    /** The new CA; {@code privateKeyPem} is a secret. */
    public record GeneratedCa(X509Certificate certificate, String certificatePem, String privateKeyPem) {
        @Override
        public String toString() {
            return "GeneratedCa[" + certificate.getSubjectX500Principal().getName() + "]"; // never the key
        }
    }
}
