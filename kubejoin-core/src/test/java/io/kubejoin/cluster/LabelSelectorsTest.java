package io.kubejoin.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A budget's selector as the Eviction API applies it. */
class LabelSelectorsTest {
    private static final Map<String, String> WEB = Map.of("app", "web", "tier", "front");

    @Test
    void aNilOrEmptySelectorMatchesNothingAsInEvictionGo() {
        assertThat(LabelSelectors.matches(null, WEB)).isFalse();
        assertThat(LabelSelectors.matches(new LabelSelector(), WEB)).isFalse();
    }

    @Test
    void matchLabelsAndEveryOperatorMustAllHold() {
        assertThat(LabelSelectors.matches(new LabelSelectorBuilder().addToMatchLabels("app", "web").build(), WEB)).isTrue();
        assertThat(LabelSelectors.matches(new LabelSelectorBuilder().addToMatchLabels("app", "api").build(), WEB)).isFalse();
        assertThat(LabelSelectors.matches(expr("tier", "In", "front", "back"), WEB)).isTrue();
        assertThat(LabelSelectors.matches(expr("tier", "In", "back"), WEB)).isFalse();
        assertThat(LabelSelectors.matches(expr("tier", "NotIn", "back"), WEB)).isTrue();
        assertThat(LabelSelectors.matches(expr("zone", "NotIn", "a"), WEB)).isTrue(); // absent key: NotIn holds
        assertThat(LabelSelectors.matches(expr("tier", "Exists"), WEB)).isTrue();
        assertThat(LabelSelectors.matches(expr("zone", "Exists"), WEB)).isFalse();
        assertThat(LabelSelectors.matches(expr("zone", "DoesNotExist"), WEB)).isTrue();
        assertThat(LabelSelectors.matches(expr("tier", "Sideways", "front"), WEB)).isFalse();
        assertThat(LabelSelectors.matches(new LabelSelectorBuilder().addToMatchLabels("app", "web")
                .addNewMatchExpression().withKey("tier").withOperator("In").withValues("back").endMatchExpression().build(), WEB)).isFalse();
    }

    private static LabelSelector expr(String key, String op, String... values) {
        return new LabelSelectorBuilder().addNewMatchExpression().withKey(key).withOperator(op).withValues(values)
                .endMatchExpression().build();
    }
}
