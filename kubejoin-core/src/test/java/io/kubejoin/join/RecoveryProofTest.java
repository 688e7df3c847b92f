package io.kubejoin.join;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The freshness of a Ready heartbeat after a reset: whole seconds, the kubelet's clock, the Node's resourceVersion. */
class RecoveryProofTest {
    static final Instant START = Instant.parse("2026-12-05T10:00:07.400Z");

    private static RecoveryProof.Baseline baseline(String version, String heartbeat) {
        return new RecoveryProof.Baseline(START, "worker-1", "abcdef", Set.of(), null, version,
                heartbeat == null ? null : Instant.parse(heartbeat));
    }

    @Test
    void theHeartbeatSeenOnceKubeletWasStoppedIsStaleEvenIfTheNodeWasWrittenSince() {
        // a label changed by someone else: a new resourceVersion, the same old heartbeat
        assertThat(RecoveryProof.fresh(baseline("10", "2026-12-05T09:58:00Z"), "11", Instant.parse("2026-12-05T09:58:00Z"))).isFalse();
        assertThat(RecoveryProof.fresh(baseline("10", "2026-12-05T09:58:00Z"), "10", Instant.parse("2026-12-05T09:58:00Z"))).isFalse();
        assertThat(RecoveryProof.fresh(baseline("10", "2026-12-05T09:58:00Z"), "11", null)).isFalse();
    }

    @Test
    void aLaterHeartbeatIsFreshWhateverKubejoinsClockSays() {
        // the node's clock 30 s behind kubejoin's: newer than the node's own last heartbeat still counts
        assertThat(RecoveryProof.fresh(baseline("10", "2026-12-05T09:59:30Z"), "12", Instant.parse("2026-12-05T09:59:37Z"))).isTrue();
    }

    @Test
    void aHeartbeatInTheResetsOwnSecondCountsOnlyWhenTheNodeWasWrittenSince() {
        assertThat(RecoveryProof.fresh(baseline("10", "2026-12-05T10:00:07Z"), "12", Instant.parse("2026-12-05T10:00:07Z"))).isTrue();
        assertThat(RecoveryProof.fresh(baseline("10", "2026-12-05T10:00:07Z"), "10", Instant.parse("2026-12-05T10:00:07Z"))).isFalse();
        // no Node before the reset: any Ready from the reset's second on
        assertThat(RecoveryProof.fresh(baseline(null, null), "3", Instant.parse("2026-12-05T10:00:07Z"))).isTrue();
        assertThat(RecoveryProof.fresh(baseline(null, null), "3", Instant.parse("2026-12-05T10:00:06Z"))).isFalse();
    }
}
