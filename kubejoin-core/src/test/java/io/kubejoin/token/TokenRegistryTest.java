package io.kubejoin.token;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.inventory.Inventory;
import io.kubejoin.testing.TestInventories;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenRegistryTest {
    private final Inventory inv = TestInventories.article();
    private final Instant now = Instant.parse("2026-11-25T10:00:00.123456Z");

    @Test
    void issuesATokenPerNodeExpiringAfterTheTtl() {
        TokenRegistry.Tokens t = TokenRegistry.reconcile(inv, Map.of(), now, new SecureRandom());
        assertThat(t.changed()).isTrue();
        assertThat(t.byNode()).containsOnlyKeys("slave");
        assertThat(t.byNode().get("slave").expiration()).isEqualTo(Instant.parse("2026-11-25T11:00:00Z"));
        assertThat(t.byNode().get("slave").node()).isEqualTo("slave");
    }

    @Test
    void reusesAStoredTokenThatIsStillValid() {
        BootstrapToken stored = new BootstrapToken("abcdef", "0123456789abcdef", "slave", now.plusSeconds(3000));
        TokenRegistry.Tokens t = TokenRegistry.reconcile(inv, Map.of("slave", stored), now, new SecureRandom());
        assertThat(t.changed()).isFalse();
        assertThat(t.byNode().get("slave")).isSameAs(stored);
    }

    @Test
    void replacesATokenCloseToExpiry() {
        BootstrapToken stored = new BootstrapToken("abcdef", "0123456789abcdef", "slave", now.plusSeconds(60));
        TokenRegistry.Tokens t = TokenRegistry.reconcile(inv, Map.of("slave", stored), now, new SecureRandom());
        assertThat(t.changed()).isTrue();
        assertThat(t.byNode().get("slave").id()).isNotEqualTo("abcdef");
    }

    @Test
    void dropsTokensOfNodesThatLeftTheInventory() {
        BootstrapToken slave = new BootstrapToken("abcdef", "0123456789abcdef", "slave", now.plusSeconds(3000));
        BootstrapToken gone = new BootstrapToken("zzzzzz", "0123456789abcdef", "gone", now.plusSeconds(3000));
        TokenRegistry.Tokens t = TokenRegistry.reconcile(inv, Map.of("slave", slave, "gone", gone), now, new SecureRandom());
        assertThat(t.changed()).isTrue();
        assertThat(t.byNode()).containsOnlyKeys("slave");
    }
}
