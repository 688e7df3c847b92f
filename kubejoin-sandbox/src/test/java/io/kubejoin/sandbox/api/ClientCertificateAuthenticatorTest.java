package io.kubejoin.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import io.kubejoin.sandbox.TestCsrs;
import io.kubejoin.sandbox.tls.SandboxCa;

/** kube-apiserver's x509 authenticator rules, without HTTP. */
class ClientCertificateAuthenticatorTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final SandboxCa CA = SandboxCa.generate(T0.minus(Duration.ofDays(1)));

    static X509Certificate leaf(SandboxCa ca, String subject, List<KeyPurposeId> eku, Instant from, Instant to) {
        KeyPair keys = TestCsrs.ecKey();
        return ca.sign(new X500Name(subject), SandboxCa.spki(keys.getPublic()), new GeneralName[0], KeyUsage.digitalSignature,
                eku, from, to);
    }

    @Test
    void userIsCnGroupsAreEveryO() {
        var auth = new ClientCertificateAuthenticator(CA.certificate(), () -> T0);
        X509Certificate c = leaf(CA, "O=system:nodes,O=extra-group,CN=system:node:a", List.of(KeyPurposeId.id_kp_clientAuth),
                T0.minusSeconds(60), T0.plusSeconds(3600));
        assertThat(auth.authenticate(List.of(c))).hasValueSatisfying(u -> {
            assertThat(u.username()).isEqualTo("system:node:a");
            assertThat(u.groups()).containsExactlyInAnyOrder("system:nodes", "extra-group");
        });
    }

    @Test
    void refusesOtherCaServerOnlyUsageNoCnAndTheCaItself() {
        var auth = new ClientCertificateAuthenticator(CA.certificate(), () -> T0);
        SandboxCa other = SandboxCa.generate(T0.minus(Duration.ofDays(1)));
        assertThat(auth.authenticate(List.of(leaf(other, "CN=x", List.of(KeyPurposeId.id_kp_clientAuth), T0.minusSeconds(60), T0.plusSeconds(60))))).isEmpty();
        assertThat(auth.authenticate(List.of(leaf(CA, "CN=x", List.of(KeyPurposeId.id_kp_serverAuth), T0.minusSeconds(60), T0.plusSeconds(60))))).isEmpty();
        assertThat(auth.authenticate(List.of(leaf(CA, "O=g", List.of(KeyPurposeId.id_kp_clientAuth), T0.minusSeconds(60), T0.plusSeconds(60))))).isEmpty();
        assertThat(auth.authenticate(List.of(CA.certificate()))).isEmpty();
        assertThat(auth.authenticate(List.of())).isEmpty();
    }

    @Test
    void validityIsCheckedAtEveryRequestEvenOnceVerified() {
        AtomicReference<Instant> now = new AtomicReference<>(T0);
        var auth = new ClientCertificateAuthenticator(CA.certificate(), now::get);
        X509Certificate c = leaf(CA, "CN=u", List.of(KeyPurposeId.id_kp_clientAuth), T0.minusSeconds(60), T0.plusSeconds(60));
        assertThat(auth.authenticate(List.of(c))).isPresent();
        now.set(T0.plusSeconds(61));
        assertThat(auth.authenticate(List.of(c))).isEmpty();
        now.set(T0.minusSeconds(61));
        assertThat(auth.authenticate(List.of(c))).isEmpty();
    }
}
