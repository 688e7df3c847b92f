package io.kubejoin.sandbox.api;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;

/** metav1.LabelSelectorAsSelector + Matches, for the sandbox's controllers and the eviction handler. */
final class LabelSelectors {
    private LabelSelectors() {
    }

    /** True when the selector is nil or empty: a PDB's such selector matches nothing (eviction.go), a ReplicaSet's is invalid. */
    static boolean empty(LabelSelector s) {
        return s == null || ((s.getMatchLabels() == null || s.getMatchLabels().isEmpty())
                && (s.getMatchExpressions() == null || s.getMatchExpressions().isEmpty()));
    }

    static boolean matches(LabelSelector s, Map<String, String> labels) {
        Map<String, String> l = labels == null ? Map.of() : labels;
        if (s.getMatchLabels() != null) {
            for (Map.Entry<String, String> e : s.getMatchLabels().entrySet()) {
                if (!e.getValue().equals(l.get(e.getKey()))) return false;
            }
        }
        if (s.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : s.getMatchExpressions()) {
                List<String> values = r.getValues() == null ? List.of() : r.getValues();
                String v = l.get(r.getKey());
                boolean ok = switch (r.getOperator()) {
                    case "In" -> v != null && values.contains(v);
                    case "NotIn" -> v == null || !values.contains(v);
                    case "Exists" -> l.containsKey(r.getKey());
                    case "DoesNotExist" -> !l.containsKey(r.getKey());
                    default -> false; // an invalid selector matches nothing
                };
                if (!ok) return false;
            }
        }
        return true;
    }
}
