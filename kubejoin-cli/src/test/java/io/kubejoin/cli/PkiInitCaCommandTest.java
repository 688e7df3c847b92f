package io.kubejoin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.pki.CaConfig;
import io.kubejoin.pki.CertificateAuthority;
import io.kubejoin.pki.CertificateIssuer;
import io.kubejoin.pki.IssuedCertificate;
import io.kubejoin.pki.KubeProxyCertificate;
import io.kubejoin.pki.OpenSsl;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

class PkiInitCaCommandTest {
    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Tag("hostile")
    @Test
    void createsACaOpensslAcceptsWithModesAndNoSecretsPrinted() throws Exception {
        Path dir = tmp.resolve("pki");

        Run r = run("pki", "init-ca", "--dir", dir.toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(mode(dir.resolve("ca.pem"))).isEqualTo("rw-r--r--");
        assertThat(mode(dir.resolve("ca-key.pem"))).isEqualTo("rw-------");
        assertThat(mode(dir.resolve("ca-config.json"))).isEqualTo("rw-r--r--");
        String text = OpenSsl.text(dir, "ca.pem");
        assertThat(text).containsPattern("X509v3 Basic Constraints: critical\\s+CA:TRUE");
        assertThat(text).containsPattern("X509v3 Key Usage: critical\\s+Certificate Sign, CRL Sign");
        assertThat(text).contains("Subject: CN = kubernetes-ca").contains("Issuer: CN = kubernetes-ca");
        assertThat(text).contains("sha256WithRSAEncryption").contains("Public-Key: (2048 bit)");
        assertThat(OpenSsl.ok(dir, "verify", "-CAfile", "ca.pem", "ca.pem")).contains("OK");
        assertThat(OpenSsl.ok(dir, "rsa", "-check", "-noout", "-in", "ca-key.pem")).contains("RSA key ok");
        assertThat(Files.readString(dir.resolve("ca-key.pem"))).startsWith("-----BEGIN RSA PRIVATE KEY-----");

        String key = Files.readString(dir.resolve("ca-key.pem"));
        assertThat(r.out() + r.err()).doesNotContain("PRIVATE KEY").doesNotContain(key.split("\n")[1]);
        assertThat(r.out()).contains("ca.pem (0644)").contains("ca-key.pem (0600").contains("ca-config.json").contains("SHA-256");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("ca.pem", "ca-key.pem", "ca-config.json");
        }

        // what it wrote is usable by the rest of kubejoin: load, pick the profile, issue, openssl verifies
        CertificateAuthority ca = CertificateAuthority.load(dir.resolve("ca.pem"), "pki.caCert", dir.resolve("ca-key.pem"), "pki.caKey");
        IssuedCertificate kp = CertificateIssuer.issue(ca, KubeProxyCertificate.defaultCsr(),
                CaConfig.load(dir.resolve("ca-config.json"), "pki.caConfig").profile("kubernetes", "pki.profile"), Instant.now());
        Files.writeString(dir.resolve("kube-proxy.pem"), kp.certificatePem());
        assertThat(OpenSsl.ok(dir, "verify", "-CAfile", "ca.pem", "kube-proxy.pem")).contains("kube-proxy.pem: OK");
    }

    @Tag("hostile")
    @Test
    void refusesToOverwriteUnlessForced() throws Exception {
        Path dir = tmp.resolve("pki");
        assertThat(run("pki", "init-ca", "--dir", dir.toString(), "--key-algo", "ecdsa").exit()).isZero();
        String before = Files.readString(dir.resolve("ca.pem"));
        String keyBefore = Files.readString(dir.resolve("ca-key.pem"));

        Run again = run("pki", "init-ca", "--dir", dir.toString(), "--key-algo", "ecdsa");

        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains("ca.pem").contains("already exists").contains("--force");
        assertThat(Files.readString(dir.resolve("ca.pem"))).isEqualTo(before);
        assertThat(Files.readString(dir.resolve("ca-key.pem"))).isEqualTo(keyBefore);

        Run forced = run("pki", "init-ca", "--dir", dir.toString(), "--key-algo", "ecdsa", "--force");

        assertThat(forced.exit()).as(forced.err()).isZero();
        assertThat(Files.readString(dir.resolve("ca.pem"))).isNotEqualTo(before);
        assertThat(mode(dir.resolve("ca-key.pem"))).isEqualTo("rw-------");
    }

    @Test
    void ecdsaCnAndExpiryOptions() throws Exception {
        Path dir = tmp.resolve("pki");

        Run r = run("pki", "init-ca", "--dir", dir.toString(), "--cn", "lab-ca", "--key-algo", "ecdsa", "--key-size", "384",
                "--expiry", "8760h");

        assertThat(r.exit()).as(r.err()).isZero();
        String text = OpenSsl.text(dir, "ca.pem");
        assertThat(text).contains("Subject: CN = lab-ca").contains("ecdsa-with-SHA384").contains("NIST CURVE: P-384");
        assertThat(Files.readString(dir.resolve("ca-key.pem"))).startsWith("-----BEGIN EC PRIVATE KEY-----");
        CertificateAuthority ca = CertificateAuthority.load(dir.resolve("ca.pem"), "c", dir.resolve("ca-key.pem"), "k");
        long hours = java.time.Duration.between(ca.certificate().getNotBefore().toInstant(), ca.certificate().getNotAfter().toInstant()).toHours();
        assertThat(hours).isEqualTo(8760);
    }

    @Tag("hostile")
    @Test
    void badOptionsExitTwoAndWriteNothing() {
        Path dir = tmp.resolve("pki");

        Run size = run("pki", "init-ca", "--dir", dir.toString(), "--key-size", "1024");
        Run algo = run("pki", "init-ca", "--dir", dir.toString(), "--key-algo", "dsa");
        Run expiry = run("pki", "init-ca", "--dir", dir.toString(), "--expiry", "10y");

        assertThat(size.exit()).isEqualTo(2);
        assertThat(size.err()).contains("--key-size").contains("2048");
        assertThat(algo.exit()).isEqualTo(2);
        assertThat(algo.err()).contains("--key-algo");
        assertThat(expiry.exit()).isEqualTo(2);
        assertThat(expiry.err()).contains("--expiry").contains("10y");
        assertThat(dir).doesNotExist();
    }

    @Tag("hostile")
    @Test
    void dirThatIsAFileIsBadInput() throws Exception {
        Path file = Files.writeString(tmp.resolve("afile"), "x");

        Run r = run("pki", "init-ca", "--dir", file.toString());

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("not a directory");
    }

    @Tag("hostile")
    @Test
    void unwritableDirFailsWithAMessageNotATrace() throws Exception {
        Path file = Files.writeString(tmp.resolve("afile"), "x");

        Run r = run("pki", "init-ca", "--dir", file.resolve("sub").toString()); // a directory below a file: works as root too

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("cannot write the CA").doesNotContain("internal error").doesNotContain("\tat ");
    }
}
