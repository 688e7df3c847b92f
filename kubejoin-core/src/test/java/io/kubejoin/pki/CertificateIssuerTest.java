package io.kubejoin.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CertificateIssuerTest {
    /** The article's kube-proxy-csr.json, verbatim. */
    static final String ARTICLE_CSR = """
            { "CN": "system:kube-proxy", "key": { "algo": "rsa", "size": 2048 }, "names": [ { "C": "CN", "ST": "NanJing", "L": "NanJing", "O": "system:kube-proxy", "OU": "system" } ] }
            """;

    @TempDir
    Path dir;

    private CertificateAuthority ca(String kind) {
        OpenSsl.ca(dir, kind);
        return CertificateAuthority.load(dir.resolve("ca.pem"), "pki.caCert", dir.resolve("ca-key.pem"), "pki.caKey");
    }

    private void write(IssuedCertificate issued) throws Exception {
        Files.writeString(dir.resolve("kube-proxy.pem"), issued.certificatePem());
        Files.writeString(dir.resolve("kube-proxy-key.pem"), issued.privateKeyPem());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa-pkcs1", "ec-sec1"})
    void articleCertificateFromRsaAndEcdsaCasPassesOpensslVerify(String caKind) throws Exception {
        CertificateAuthority ca = ca(caKind);
        CsrSpec csr = CsrSpec.parse(ARTICLE_CSR, null, "pki.kubeProxyCsr");
        SigningProfile profile = CaConfig.builtIn().profile("kubernetes", "pki.profile");
        Instant now = Instant.now();

        IssuedCertificate issued = CertificateIssuer.issue(ca, csr, profile, now);
        write(issued);

        assertThat(OpenSsl.ok(dir, "verify", "-CAfile", "ca.pem", "kube-proxy.pem")).contains("kube-proxy.pem: OK");
        assertThat(OpenSsl.ok(dir, "verify", "-CAfile", "ca.pem", "-purpose", "sslclient", "kube-proxy.pem")).contains("OK");
        String text = OpenSsl.text(dir, "kube-proxy.pem");
        // cfssl's (Go's) subject order: C, ST, L, O, OU, CN
        assertThat(text).contains("Subject: C = CN, ST = NanJing, L = NanJing, O = system:kube-proxy, OU = system, CN = system:kube-proxy");
        assertThat(text).contains("Issuer: CN = test-ca");
        assertThat(text).containsPattern("X509v3 Key Usage: critical\\s+Digital Signature, Key Encipherment\\n");
        assertThat(text).containsPattern("X509v3 Extended Key Usage: \\s+TLS Web Server Authentication, TLS Web Client Authentication\\n");
        assertThat(text).containsPattern("X509v3 Basic Constraints: critical\\s+CA:FALSE");
        assertThat(text).contains("X509v3 Subject Key Identifier").contains("X509v3 Authority Key Identifier");
        assertThat(text).doesNotContain("Subject Alternative Name");
        assertThat(text).contains(caKind.startsWith("rsa") ? "Signature Algorithm: sha256WithRSAEncryption" : "Signature Algorithm: ecdsa-with-SHA256");
        assertThat(text).contains("Public-Key: (2048 bit)");

        // the key: PKCS#1 as cfssl writes it, accepted by openssl, and the certificate's pair
        assertThat(issued.privateKeyPem()).startsWith("-----BEGIN RSA PRIVATE KEY-----\n");
        assertThat(OpenSsl.ok(dir, "rsa", "-check", "-noout", "-in", "kube-proxy-key.pem")).contains("RSA key ok");
        assertThat(OpenSsl.ok(dir, "pkey", "-in", "kube-proxy-key.pem", "-pubout"))
                .isEqualTo(OpenSsl.ok(dir, "x509", "-in", "kube-proxy.pem", "-noout", "-pubkey"));
        assertThat(issued.toString()).doesNotContain("PRIVATE").doesNotContain(issued.privateKeyPem().substring(40, 80));
    }

    @Test
    void validityFollowsCfsslBackdateAndProfileExpiry() {
        CertificateAuthority ca = ca("ec-sec1");
        // a day into the CA's life, at hh:mm:31.7: Go's Round(time.Minute) goes up to hh:(mm+1):00
        Instant minute = ca.certificate().getNotBefore().toInstant().plus(Duration.ofDays(1));
        minute = minute.minusSeconds(minute.getEpochSecond() % 60);
        Instant now = minute.plusMillis(31_700);
        SigningProfile oneYear = new SigningProfile("y", Duration.ofHours(8760), SigningProfile.DEFAULT_BACKDATE,
                List.of("signing", "client auth"));

        X509Certificate c = CertificateIssuer.issue(ca, KubeProxyCertificate.defaultCsr(), oneYear, now).certificate();

        Instant notBefore = minute.plusSeconds(60).minus(Duration.ofMinutes(5));
        assertThat(c.getNotBefore().toInstant()).isEqualTo(notBefore);
        assertThat(c.getNotAfter().toInstant()).isEqualTo(notBefore.plus(Duration.ofHours(8760)));
        assertThat(c.getBasicConstraints()).isEqualTo(-1);
        assertThat(c.getSerialNumber().signum()).isPositive();
        assertThat(c.getSerialNumber().bitLength()).isEqualTo(159);
    }

    @Test
    void expiryIsProfileExpiryWhenTheCaOutlivesIt() {
        CertificateAuthority ca = ca("ec-sec1");
        SigningProfile oneYear = new SigningProfile("y", Duration.ofHours(8760), Duration.ofMinutes(5), List.of("client auth"));
        Instant now = Instant.now();

        IssuedCertificate issued = CertificateIssuer.issue(ca, KubeProxyCertificate.defaultCsr(), oneYear, now);

        X509Certificate c = issued.certificate();
        assertThat(Duration.between(c.getNotBefore().toInstant(), c.getNotAfter().toInstant())).isEqualTo(Duration.ofHours(8760));
        assertThat(issued.notAfterCappedToCa()).isFalse();
        assertThat(c.getKeyUsage()).isNull(); // only an EKU in the profile: no keyUsage extension, as Go
    }

    @Test
    void notAfterNeverPassesTheCas() {
        OpenSsl.key(dir, "ec-sec1", "ca-key.pem");
        OpenSsl.selfSigned(dir, "ca-key.pem", "ca.pem", "short-ca", "ca", 30);
        CertificateAuthority ca = CertificateAuthority.load(dir.resolve("ca.pem"), "c", dir.resolve("ca-key.pem"), "k");

        IssuedCertificate issued = CertificateIssuer.issue(ca, KubeProxyCertificate.defaultCsr(), SigningProfile.kubernetes(), Instant.now());

        assertThat(issued.notAfterCappedToCa()).isTrue();
        assertThat(issued.certificate().getNotAfter()).isEqualTo(ca.certificate().getNotAfter());
    }

    @Test
    void ecdsaLeafKeyIsSec1WithCurveAndMatchesItsCertificate() throws Exception {
        CertificateAuthority ca = ca("rsa-pkcs1");
        CsrSpec csr = CsrSpec.parse("""
                {"CN": "system:kube-proxy", "key": {"algo": "ecdsa", "size": 256},
                 "names": [{"O": "system:kube-proxy"}], "hosts": ["10.0.0.1", "node1.example", "fd00::1"]}
                """, null, "f");

        IssuedCertificate issued = CertificateIssuer.issue(ca, csr, SigningProfile.kubernetes(), Instant.now());
        write(issued);

        assertThat(issued.privateKeyPem()).startsWith("-----BEGIN EC PRIVATE KEY-----\n");
        assertThat(OpenSsl.ok(dir, "ec", "-check", "-noout", "-in", "kube-proxy-key.pem", "-text")).isNotNull();
        assertThat(OpenSsl.ok(dir, "ec", "-in", "kube-proxy-key.pem", "-noout", "-text")).contains("ASN1 OID: prime256v1");
        assertThat(OpenSsl.ok(dir, "pkey", "-in", "kube-proxy-key.pem", "-pubout"))
                .isEqualTo(OpenSsl.ok(dir, "x509", "-in", "kube-proxy.pem", "-noout", "-pubkey"));
        assertThat(OpenSsl.ok(dir, "verify", "-CAfile", "ca.pem", "kube-proxy.pem")).contains("OK");
        String text = OpenSsl.text(dir, "kube-proxy.pem");
        assertThat(text).contains("IP Address:10.0.0.1, DNS:node1.example, IP Address:FD00:0:0:0:0:0:0:1");
        assertThat(text).contains("Subject: O = system:kube-proxy, CN = system:kube-proxy");
    }

    @Test
    void authorityKeyIdIsTheCasSubjectKeyId() throws Exception {
        CertificateAuthority ca = ca("ec-sec1");

        X509Certificate c = CertificateIssuer.issue(ca, KubeProxyCertificate.defaultCsr(), SigningProfile.kubernetes(), Instant.now()).certificate();

        byte[] aki = AuthorityKeyIdentifier.getInstance(
                ASN1OctetString.getInstance(c.getExtensionValue(Extension.authorityKeyIdentifier.getId())).getOctets()).getKeyIdentifierOctets();
        assertThat(aki).isEqualTo(Certificates.subjectKeyIdentifier(ca.certificate()));
        assertThat(Certificates.subjectKeyIdentifier(c)).isEqualTo(Certificates.keyIdentifier(c.getPublicKey()));
    }

    @Test
    void serialsDiffer() {
        assertThat(CertificateIssuer.serial()).isNotEqualTo(CertificateIssuer.serial());
    }

    @Test
    void roundsToTheNearestMinuteAsGo() {
        assertThat(CertificateIssuer.roundToMinute(Instant.parse("2026-01-01T10:00:29.999Z"))).isEqualTo(Instant.parse("2026-01-01T10:00:00Z"));
        assertThat(CertificateIssuer.roundToMinute(Instant.parse("2026-01-01T10:00:30Z"))).isEqualTo(Instant.parse("2026-01-01T10:01:00Z"));
    }
}
