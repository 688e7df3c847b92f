package io.kubejoin.state;

import io.kubejoin.util.SecureFiles;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.InventoryLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/** Secrets are made once and reused until they are no longer good, so renders converge. */
class RenderInputsTest {
    @TempDir
    Path dir;
    Inventory inv;
    StateStore state;
    final Instant t0 = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

    @BeforeEach
    void setUp() throws Exception {
        Path examplePki = Path.of("examples/pki").toAbsolutePath();
        Files.writeString(dir.resolve("inventory.yaml"), """
                kubernetesVersion: "1.33.1"
                apiServer: https://10.0.0.10:6443
                pki: { caCert: %s/ca.pem, caKey: %s/ca-key.pem }
                nodes:
                  - { name: a, address: 10.0.1.1 }
                  - { name: b, address: 10.0.1.2 }
                """.formatted(examplePki, examplePki));
        inv = InventoryLoader.load(dir.resolve("inventory.yaml"));
        state = new StateStore(StateStore.defaultDirFor(dir.resolve("inventory.yaml")));
    }

    @Test
    void firstRunMakesEverythingSecondRunReusesIt() throws Exception {
        RenderInputs.Prepared first = RenderInputs.prepare(inv, state, t0, new SecureRandom());
        assertThat(first.tokensChanged()).isTrue();
        assertThat(first.kubeProxyCertificateReused()).isFalse();
        assertThat(first.tokens()).containsOnlyKeys("a", "b");
        assertThat(SecureFiles.mode(state.dir())).isEqualTo(0700);
        assertThat(SecureFiles.mode(state.kubeProxyKeyFile())).isEqualTo(0600);

        RenderInputs.Prepared second = RenderInputs.prepare(inv, state, t0.plus(Duration.ofMinutes(20)), new SecureRandom());
        assertThat(second.tokensChanged()).isFalse();
        assertThat(second.kubeProxyCertificateReused()).isTrue();
        assertThat(second.tokens()).isEqualTo(first.tokens());
        assertThat(second.material().kubeProxyCertPem()).isEqualTo(first.material().kubeProxyCertPem());
        assertThat(second.notes()).isEmpty();
    }

    @Test
    void expiredTokensAreReissuedButTheCertificateIsKept() {
        RenderInputs.Prepared first = RenderInputs.prepare(inv, state, t0, new SecureRandom());
        RenderInputs.Prepared later = RenderInputs.prepare(inv, state, t0.plus(Duration.ofHours(2)), new SecureRandom());
        assertThat(later.tokensChanged()).isTrue();
        assertThat(later.tokens().get("a").id()).isNotEqualTo(first.tokens().get("a").id());
        assertThat(later.tokens().get("a").expiration()).isEqualTo(t0.plus(Duration.ofHours(3)));
        assertThat(later.kubeProxyCertificateReused()).isTrue();
        assertThat(later.notes()).anyMatch(n -> n.contains("issued 2 bootstrap token"));
    }

    @Test
    void aCertificateNearItsExpiryIsReissued() {
        RenderInputs.Prepared first = RenderInputs.prepare(inv, state, t0, new SecureRandom());
        // the built-in profile gives 87600h; 20 days before the end it must be renewed
        Instant nearEnd = t0.plus(Duration.ofHours(87600)).minus(Duration.ofDays(20));
        RenderInputs.Prepared renewed = RenderInputs.prepare(inv, state, nearEnd, new SecureRandom());
        assertThat(renewed.kubeProxyCertificateReused()).isFalse();
        assertThat(renewed.material().kubeProxyCertPem()).isNotEqualTo(first.material().kubeProxyCertPem());
    }

    @Tag("hostile")
    @Test
    void toStringOfMaterialHidesTheKey() {
        RenderInputs.Prepared first = RenderInputs.prepare(inv, state, t0, new SecureRandom());
        assertThat(first.material().toString()).doesNotContain("PRIVATE KEY");
        assertThat(first.tokens().get("a").toString()).doesNotContain(first.tokens().get("a").secret());
    }
}
