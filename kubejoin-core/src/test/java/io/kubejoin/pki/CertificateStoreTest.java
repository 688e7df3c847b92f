package io.kubejoin.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateStoreTest {
    @TempDir
    Path dir;

    @Test
    void issuesOnceThenReusesThenReplacesNearExpiry() throws Exception {
        OpenSsl.ca(dir, "ec-sec1");
        CertificateAuthority ca = CertificateAuthority.load(dir.resolve("ca.pem"), "c", dir.resolve("ca-key.pem"), "k");
        Path state = dir.resolve("state");
        Path cert = state.resolve("kube-proxy.pem");
        Path key = state.resolve("kube-proxy-key.pem");
        CsrSpec csr = KubeProxyCertificate.defaultCsr();
        SigningProfile profile = new SigningProfile("y", Duration.ofHours(8760), SigningProfile.DEFAULT_BACKDATE,
                java.util.List.of("signing", "key encipherment", "client auth"));
        Instant now = Instant.now();
        Duration month = Duration.ofDays(30);

        CertificateStore.Obtained first = CertificateStore.obtain(cert, key, ca, csr, profile, now, month);
        assertThat(OpenSsl.ok(dir, "verify", "-CAfile", "ca.pem", cert.toString())).contains("OK");
        CertificateStore.Obtained second = CertificateStore.obtain(cert, key, ca, csr, profile, now.plus(Duration.ofDays(10)), month);
        CertificateStore.Obtained third = CertificateStore.obtain(cert, key, ca, csr, profile, now.plus(Duration.ofDays(340)), month);

        assertThat(first.reused()).isFalse();
        assertThat(first.reasons()).isEmpty();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cert))).isEqualTo("rw-r--r--");

        assertThat(second.reused()).isTrue();
        assertThat(second.certificate().certificatePem()).isEqualTo(first.certificate().certificatePem());
        assertThat(second.certificate().privateKeyPem()).isEqualTo(first.certificate().privateKeyPem());

        assertThat(third.reused()).isFalse();
        assertThat(third.reasons()).anyMatch(r -> r.contains("expires"));
        assertThat(Files.readString(cert)).isEqualTo(third.certificate().certificatePem()).isNotEqualTo(first.certificate().certificatePem());
    }
}
