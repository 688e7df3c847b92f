package io.kubejoin.cluster;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;

/**
 * metav1.LabelSelector matched against a pod's labels, as the Eviction API selects a pod's budgets: matchLabels and
 * matchExpressions (In, NotIn, Exists, DoesNotExist) all hold; a nil or empty selector matches nothing there
 * (eviction.go: "it should match nothing, not everything").
 */
final class LabelSelectors {
    private LabelSelectors() {
    }

    static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) return false;
        Map<String, String> want = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
        List<LabelSelectorRequirement> exprs = selector.getMatchExpressions() == null ? List.of() : selector.getMatchExpressions();
        if (want.isEmpty() && exprs.isEmpty()) return false;
        Map<String, String> have = labels == null ? Map.of() : labels;
        for (var e : want.entrySet()) {
            if (!e.getValue().equals(have.get(e.getKey()))) return false;
        }
        for (LabelSelectorRequirement r : exprs) {
            String v = have.get(r.getKey());
            List<String> values = r.getValues() == null ? List.of() : r.getValues();
            boolean ok = switch (r.getOperator() == null ? "" : r.getOperator()) {
                case "In" -> v != null && values.contains(v);
                case "NotIn" -> v == null || !values.contains(v);
                case "Exists" -> have.containsKey(r.getKey());
                case "DoesNotExist" -> !have.containsKey(r.getKey());
                default -> false; // an invalid selector: eviction.go skips the budget
            };
            if (!ok) return false;
        }
        return true;
    }
}
