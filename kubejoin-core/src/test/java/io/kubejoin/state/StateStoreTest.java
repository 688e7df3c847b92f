package io.kubejoin.state;

import io.kubejoin.util.SecureFiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubejoin.token.BootstrapToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

class StateStoreTest {
    @TempDir
    Path dir;

    @Test
    void defaultFolderIsBesideTheInventory() {
        assertThat(StateStore.defaultDirFor(Path.of("/srv/lab/prod.yaml")))
                .isEqualTo(Path.of("/srv/lab/.kubejoin/prod"));
    }

    @Test
    void tokensRoundTripInAPrivateFolder() throws Exception {
        StateStore store = new StateStore(dir.resolve(".kubejoin/inv"));
        assertThat(store.tokens()).isEmpty();
        BootstrapToken t = new BootstrapToken("abcdef", "0123456789abcdef", "slave", Instant.parse("2026-11-25T11:00:00Z"));
        store.saveTokens(Map.of("slave", t));
        assertThat(store.tokens()).containsEntry("slave", t);
        assertThat(SecureFiles.mode(store.dir())).isEqualTo(0700);
        assertThat(SecureFiles.mode(store.dir().resolve("tokens.json"))).isEqualTo(0600);
    }

    @Tag("hostile")
    @Test
    void corruptTokenFileIsReportedWithTheFix() throws Exception {
        StateStore store = new StateStore(dir);
        Files.writeString(dir.resolve("tokens.json"), "{ not json");
        assertThatThrownBy(store::tokens).isInstanceOf(StateStore.StateException.class)
                .hasMessageContaining("tokens.json").hasMessageContaining("delete it");
    }

    @Test
    void modeConversionRoundTrips() throws Exception {
        Path f = dir.resolve("f");
        for (int mode : new int[] {0600, 0644, 0700, 0755, 0640}) {
            SecureFiles.writeAtomically(f, new byte[] {1}, mode);
            assertThat(SecureFiles.mode(f)).isEqualTo(mode);
        }
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("f"); // no temp files left
        }
    }
}
