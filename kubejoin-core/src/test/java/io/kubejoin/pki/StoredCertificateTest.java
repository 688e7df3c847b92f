package io.kubejoin.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

class StoredCertificateTest {
    static final Duration MONTH = Duration.ofDays(30);

    @TempDir
    Path dir;

    CertificateAuthority ca;
    Instant now;
    CsrSpec csr = KubeProxyCertificate.defaultCsr();
    SigningProfile profile = new SigningProfile("y", Duration.ofHours(8760), SigningProfile.DEFAULT_BACKDATE,
            List.of("signing", "key encipherment", "client auth"));

    @BeforeEach
    void ca() {
        OpenSsl.ca(dir, "ec-sec1");
        ca = CertificateAuthority.load(dir.resolve("ca.pem"), "c", dir.resolve("ca-key.pem"), "k");
        now = Instant.now();
    }

    private CertificateCheck check(IssuedCertificate issued, Instant at) {
        return StoredCertificate.check(issued.certificatePem(), issued.privateKeyPem(), ca, csr, profile, at, MONTH);
    }

    @Test
    void freshCertificateIsReusableFromItsFiles() throws Exception {
        IssuedCertificate issued = CertificateIssuer.issue(ca, csr, profile, now);
        Files.writeString(dir.resolve("kube-proxy.pem"), issued.certificatePem());
        Files.writeString(dir.resolve("kube-proxy-key.pem"), issued.privateKeyPem());

        CertificateCheck c = StoredCertificate.check(dir.resolve("kube-proxy.pem"), dir.resolve("kube-proxy-key.pem"),
                ca, csr, profile, now.plus(Duration.ofDays(1)), MONTH);

        assertThat(c.reasons()).isEmpty();
        assertThat(c.reusable()).isTrue();
        assertThat(c.stored().certificatePem()).isEqualTo(issued.certificatePem());
        assertThat(c.stored().privateKeyPem()).isEqualTo(issued.privateKeyPem());
    }

    @Test
    void nearExpiryIsNotReusable() {
        IssuedCertificate issued = CertificateIssuer.issue(ca, csr, profile, now);

        CertificateCheck c = check(issued, now.plus(Duration.ofDays(340)));

        assertThat(c.reusable()).isFalse();
        assertThat(c.reasons()).singleElement().asString().contains("expires").contains("30 days");
    }

    @Tag("hostile")
    @Test
    void certificateFromAnotherCaIsNotReusable() throws Exception {
        IssuedCertificate issued = CertificateIssuer.issue(ca, csr, profile, now);
        Path other = Files.createDirectory(dir.resolve("other"));
        OpenSsl.ca(other, "ec-sec1");
        ca = CertificateAuthority.load(other.resolve("ca.pem"), "c", other.resolve("ca-key.pem"), "k");

        assertThat(check(issued, now).reasons()).anyMatch(r -> r.contains("not signed by the current CA"));
    }

    @Tag("hostile")
    @Test
    void swappedKeyChangedSubjectOrUsagesAreNotReusable() {
        IssuedCertificate a = CertificateIssuer.issue(ca, csr, profile, now);
        IssuedCertificate b = CertificateIssuer.issue(ca, csr, profile, now);
        IssuedCertificate mixed = new IssuedCertificate(a.certificate(), a.certificatePem(), b.privateKeyPem(), false);
        assertThat(check(mixed, now).reasons()).singleElement().asString().contains("does not belong");

        csr = CsrSpec.parse("{\"CN\":\"system:kube-proxy\",\"key\":{\"algo\":\"rsa\",\"size\":2048}}", null, "f");
        assertThat(check(a, now).reasons()).anyMatch(r -> r.contains("subject is"));

        csr = KubeProxyCertificate.defaultCsr();
        profile = SigningProfile.kubernetes();
        assertThat(check(a, now).reasons()).anyMatch(r -> r.contains("extended key usages differ"));
    }

    @Tag("hostile")
    @Test
    void missingOrGarbageFilesAreReasonsNotErrors() throws Exception {
        CertificateCheck missing = StoredCertificate.check(dir.resolve("none.pem"), dir.resolve("none-key.pem"),
                ca, csr, profile, now, MONTH);
        assertThat(missing.reusable()).isFalse();
        assertThat(missing.reasons()).singleElement().asString().contains("does not exist");

        IssuedCertificate issued = CertificateIssuer.issue(ca, csr, profile, now);
        assertThat(StoredCertificate.check("garbage", issued.privateKeyPem(), ca, csr, profile, now, MONTH).reusable()).isFalse();
        assertThat(StoredCertificate.check(issued.certificatePem(), "garbage", ca, csr, profile, now, MONTH).reasons())
                .singleElement().asString().contains("key does not parse");
    }
}
