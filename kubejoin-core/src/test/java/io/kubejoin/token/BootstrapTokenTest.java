package io.kubejoin.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

class BootstrapTokenTest {
    private static final Instant EXP = Instant.parse("2026-11-25T12:00:00Z");

    @Test
    void generatedTokensHaveTheFormatKubeApiserverAccepts() {
        SecureRandom random = new SecureRandom();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            BootstrapToken t = BootstrapToken.generate(random, "slave", EXP);
            assertThat(t.value()).matches("[a-z0-9]{6}\\.[a-z0-9]{16}");
            ids.add(t.id());
        }
        assertThat(ids).hasSizeGreaterThan(195);
    }

    @Tag("hostile")
    @Test
    void neverShowsTheSecretInText() {
        BootstrapToken t = new BootstrapToken("abcdef", "0123456789abcdef", "slave", EXP);
        assertThat(t.toString()).contains("abcdef.****").doesNotContain("0123456789abcdef");
        assertThat(t.redacted()).isEqualTo("abcdef.****");
        assertThat(t.username()).isEqualTo("system:bootstrap:abcdef");
        assertThat(t.secretName()).isEqualTo("bootstrap-token-abcdef");
    }

    @Tag("hostile")
    @Test
    void rejectsMalformedParts() {
        assertThatThrownBy(() -> new BootstrapToken("ABCDEF", "0123456789abcdef", "n", EXP))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("0123456789abcdef");
        assertThatThrownBy(() -> new BootstrapToken("abcdef", "short", "n", EXP))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void expiry() {
        BootstrapToken t = new BootstrapToken("abcdef", "0123456789abcdef", "slave", EXP);
        assertThat(t.isExpiredAt(EXP.minusSeconds(1))).isFalse();
        assertThat(t.isExpiredAt(EXP)).isTrue();
    }
}
