package io.kubejoin.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubejoin.inventory.InvalidInputException;
import io.kubejoin.version.KubeVersion;
import org.junit.jupiter.api.Test;

class UpgradeTest {
    @Test
    void maxUnavailableIsACountOrAPercentageOfTheNodesRoundedDownAtLeastOne() {
        assertThat(Upgrade.MaxUnavailable.parse("1").of(3)).isEqualTo(1);
        assertThat(Upgrade.MaxUnavailable.parse("5").of(3)).isEqualTo(5);
        assertThat(Upgrade.MaxUnavailable.parse("50%").of(3)).isEqualTo(1);
        assertThat(Upgrade.MaxUnavailable.parse("50%").of(4)).isEqualTo(2);
        assertThat(Upgrade.MaxUnavailable.parse("10%").of(100)).isEqualTo(10);
        assertThat(Upgrade.MaxUnavailable.parse("10%").of(5)).as("rounded down, at least 1").isEqualTo(1);
        assertThat(Upgrade.MaxUnavailable.parse("100%").of(7)).isEqualTo(7);
        assertThat(Upgrade.MaxUnavailable.parse("50%")).hasToString("50%");
    }

    @Test
    void aBadMaxUnavailableNamesTheOptionAndTheFix() {
        for (String bad : new String[] {"ten", "0", "0%", "101%", "-1", "1.5", "%", ""}) {
            assertThatThrownBy(() -> Upgrade.MaxUnavailable.parse(bad)).as(bad).isInstanceOf(InvalidInputException.class)
                    .satisfies(e -> assertThat(((InvalidInputException) e).problems().get(0).format())
                            .contains("--max-unavailable").contains("--max-unavailable 10%"));
        }
    }

    @Test
    void theReportedKubeletVersionMatchesTheTargetByReleaseAVendorSuffixAside() {
        KubeVersion target = KubeVersion.parse("1.34.2");
        assertThat(Upgrade.runs("v1.34.2", target)).isTrue();
        assertThat(Upgrade.runs("v1.34.2-eks-1a2b3c", target)).isTrue();
        assertThat(Upgrade.runs("v1.34.1", target)).isFalse();
        assertThat(Upgrade.runs("v1.33.5", target)).isFalse();
        assertThat(Upgrade.runs("", target)).isFalse();
        assertThat(Upgrade.runs(null, target)).isFalse();
    }
}
