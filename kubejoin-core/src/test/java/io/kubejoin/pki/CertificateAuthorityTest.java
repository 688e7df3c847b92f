package io.kubejoin.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubejoin.inventory.InvalidInputException;
import io.kubejoin.inventory.Problem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CertificateAuthorityTest {
    @TempDir
    Path dir;

    private CertificateAuthority load() {
        return CertificateAuthority.load(dir.resolve("ca.pem"), "pki.caCert", dir.resolve("ca-key.pem"), "pki.caKey");
    }

    private static Problem only(Throwable t) {
        assertThat(t).isInstanceOf(InvalidInputException.class);
        assertThat(((InvalidInputException) t).problems()).hasSize(1);
        return ((InvalidInputException) t).problems().get(0);
    }

    @ParameterizedTest
    @CsvSource({
            "rsa-pkcs1, BEGIN RSA PRIVATE KEY, RSA",
            "rsa-pkcs8, BEGIN PRIVATE KEY, RSA",
            "ec-sec1, BEGIN EC PRIVATE KEY, EC",
            "ec-sec1-params, BEGIN EC PARAMETERS, EC",
            "ec-pkcs8, BEGIN PRIVATE KEY, EC"})
    void loadsEachKeyFormatOpensslWrites(String kind, String header, String algo) throws Exception {
        OpenSsl.ca(dir, kind);
        assertThat(Files.readString(dir.resolve("ca-key.pem"))).contains(header); // the format really is the one named

        CertificateAuthority ca = load();

        assertThat(ca.privateKey()).isInstanceOf(algo.equals("RSA") ? RSAPrivateKey.class : ECPrivateKey.class);
        assertThat(ca.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=test-ca");
        assertThat(ca.toString()).doesNotContain("PRIVATE");
    }

    @Test
    void certificatePemIsTheCanonicalPemOpensslPrints() throws Exception {
        OpenSsl.ca(dir, "ec-sec1");
        // text around the block, as "openssl x509 -text" output files have
        Files.writeString(dir.resolve("ca.pem"), "Certificate:\n    junk\n" + Files.readString(dir.resolve("ca.pem")));

        String pem = load().certificatePem();

        assertThat(pem).isEqualTo(OpenSsl.ok(dir, "x509", "-in", "ca.pem"));
    }

    @Tag("hostile")
    @Test
    void keyOfAnotherCaIsAProblemOnTheKeyField() {
        OpenSsl.ca(dir, "rsa-pkcs1");
        OpenSsl.key(dir, "rsa-pkcs1", "other-key.pem");

        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() ->
                CertificateAuthority.load(dir.resolve("ca.pem"), "pki.caCert", dir.resolve("other-key.pem"), "pki.caKey"));

        Problem p = only(t);
        assertThat(p.fieldPath()).isEqualTo("pki.caKey");
        assertThat(p.file()).isEqualTo(dir.resolve("other-key.pem"));
        assertThat(p.line()).isZero();
        assertThat(p.message()).contains("does not belong to the CA certificate");
        assertThat(p.fix()).contains("openssl");
    }

    @Tag("hostile")
    @Test
    void ecKeyOfAnotherCaIsAProblemToo() {
        OpenSsl.ca(dir, "ec-sec1");
        OpenSsl.key(dir, "ec-pkcs8", "other-key.pem");

        assertThatThrownBy(() -> CertificateAuthority.load(dir.resolve("ca.pem"), "pki.caCert", dir.resolve("other-key.pem"), "pki.caKey"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("does not belong");
    }

    @Tag("hostile")
    @Test
    void rsaKeyForAnEcCaIsAProblem() {
        OpenSsl.ca(dir, "ec-sec1");
        OpenSsl.key(dir, "rsa-pkcs1", "other-key.pem");

        assertThatThrownBy(() -> CertificateAuthority.load(dir.resolve("ca.pem"), "pki.caCert", dir.resolve("other-key.pem"), "pki.caKey"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("does not belong");
    }

    @Tag("hostile")
    @Test
    void leafCertificateIsNotACa() {
        OpenSsl.key(dir, "ec-sec1", "ca-key.pem");
        OpenSsl.selfSigned(dir, "ca-key.pem", "ca.pem", "leaf", "leaf", 30);

        Problem p = only(org.assertj.core.api.Assertions.catchThrowable(this::load));

        assertThat(p.fieldPath()).isEqualTo("pki.caCert");
        assertThat(p.file()).isEqualTo(dir.resolve("ca.pem"));
        assertThat(p.message()).contains("not a CA").contains("CA:TRUE");
    }

    @Tag("hostile")
    @Test
    void caWhoseKeyUsageLacksCertSignIsAProblem() {
        OpenSsl.key(dir, "ec-sec1", "ca-key.pem");
        OpenSsl.selfSigned(dir, "ca-key.pem", "ca.pem", "nosign", "nosign", 30);

        Problem p = only(org.assertj.core.api.Assertions.catchThrowable(this::load));

        assertThat(p.fieldPath()).isEqualTo("pki.caCert");
        assertThat(p.message()).contains("keyCertSign");
    }

    @Tag("hostile")
    @Test
    void encryptedKeysAreRefusedWithHowToDecrypt() {
        OpenSsl.ca(dir, "ec-sec1");
        OpenSsl.ok(dir, "pkey", "-in", "ca-key.pem", "-aes256", "-passout", "pass:secret", "-out", "enc-pkcs8.pem");
        OpenSsl.ok(dir, "ec", "-in", "ca-key.pem", "-aes256", "-passout", "pass:secret", "-out", "enc-legacy.pem");

        for (String f : new String[] {"enc-pkcs8.pem", "enc-legacy.pem"}) {
            Problem p = only(org.assertj.core.api.Assertions.catchThrowable(() ->
                    CertificateAuthority.load(dir.resolve("ca.pem"), "pki.caCert", dir.resolve(f), "pki.caKey")));
            assertThat(p.fieldPath()).isEqualTo("pki.caKey");
            assertThat(p.message()).as(f).contains("encrypted").contains("not support");
            assertThat(p.fix()).contains("openssl pkey -in").contains("chmod 600");
        }
    }

    @Tag("hostile")
    @Test
    void expiredCaIsAProblem() {
        OpenSsl.ca(dir, "ec-sec1");
        Instant later = Instant.now().plus(3660, ChronoUnit.DAYS);

        Problem p = only(org.assertj.core.api.Assertions.catchThrowable(() ->
                CertificateAuthority.load(dir.resolve("ca.pem"), "pki.caCert", dir.resolve("ca-key.pem"), "pki.caKey", later)));

        assertThat(p.fieldPath()).isEqualTo("pki.caCert");
        assertThat(p.message()).contains("expired");
    }

    @Tag("hostile")
    @Test
    void missingAndNonPemFilesAreProblems() throws Exception {
        OpenSsl.ca(dir, "ec-sec1");
        Problem missing = only(org.assertj.core.api.Assertions.catchThrowable(() ->
                CertificateAuthority.load(dir.resolve("nope.pem"), "pki.caCert", dir.resolve("ca-key.pem"), "pki.caKey")));
        assertThat(missing.message()).contains("not found");
        assertThat(missing.file()).isEqualTo(dir.resolve("nope.pem"));

        OpenSsl.ok(dir, "x509", "-in", "ca.pem", "-outform", "der", "-out", "ca.der");
        Problem der = only(org.assertj.core.api.Assertions.catchThrowable(() ->
                CertificateAuthority.load(dir.resolve("ca.der"), "pki.caCert", dir.resolve("ca-key.pem"), "pki.caKey")));
        assertThat(der.message()).contains("not a PEM certificate file");
        assertThat(der.fix()).contains("-inform der");

        Problem swapped = only(org.assertj.core.api.Assertions.catchThrowable(() ->
                CertificateAuthority.load(dir.resolve("ca-key.pem"), "pki.caCert", dir.resolve("ca-key.pem"), "pki.caKey")));
        assertThat(swapped.message()).contains("EC PRIVATE KEY").contains("not a CERTIFICATE");

        Problem certAsKey = only(org.assertj.core.api.Assertions.catchThrowable(() ->
                CertificateAuthority.load(dir.resolve("ca.pem"), "pki.caCert", dir.resolve("ca.pem"), "pki.caKey")));
        assertThat(certAsKey.fieldPath()).isEqualTo("pki.caKey");
        assertThat(certAsKey.message()).contains("certificate, not a private key");
    }
}
