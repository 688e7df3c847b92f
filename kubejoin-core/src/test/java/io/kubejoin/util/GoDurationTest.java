package io.kubejoin.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

class GoDurationTest {
    @Test
    void parsesWhatGoParses() {
        assertThat(GoDuration.parse("87600h")).isEqualTo(Duration.ofHours(87600));
        assertThat(GoDuration.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(GoDuration.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(GoDuration.parse("300ms")).isEqualTo(Duration.ofMillis(300));
        assertThat(GoDuration.parse("2h45m30.5s")).isEqualTo(Duration.ofSeconds(9930, 500_000_000));
        assertThat(GoDuration.parse("1µs")).isEqualTo(Duration.ofNanos(1000));
        assertThat(GoDuration.parse("0")).isZero();
        assertThat(GoDuration.parse("-5m")).isEqualTo(Duration.ofMinutes(-5));
    }

    @Tag("hostile")
    @Test
    void rejectsWhatGoRejects() {
        assertThatThrownBy(() -> GoDuration.parse("10")).hasMessageContaining("not a Go duration");
        assertThatThrownBy(() -> GoDuration.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> GoDuration.parse("1h 30m")).hasMessageContaining("not a Go duration");
        assertThatThrownBy(() -> GoDuration.parse("365d")).hasMessageContaining("8760h");
        assertThatThrownBy(() -> GoDuration.parse("1H")).hasMessageContaining("not a Go duration");
    }
}
