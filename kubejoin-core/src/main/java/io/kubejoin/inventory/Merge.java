package io.kubejoin.inventory;

import java.util.LinkedHashMap;
import java.util.Map;

/** Deep merge of free-form config maps: override wins, nested maps merge key by key, lists are replaced. */
final class Merge {
    private Merge() {
    }

    /**
     * A new map: base's entries in order, then override's. An override value of null removes the key, so a node
     * can drop a cluster-wide setting ({@code maxPods: null}) instead of having to restate a default.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> deep(Map<String, Object> base, Map<String, Object> override) {
        Map<String, Object> out = new LinkedHashMap<>();
        base.forEach((k, v) -> out.put(k, v instanceof Map<?, ?> m ? deep((Map<String, Object>) m, Map.of()) : v));
        override.forEach((k, v) -> {
            Object current = out.get(k);
            if (v == null) {
                out.remove(k);
            } else if (v instanceof Map<?, ?> m && current instanceof Map<?, ?> c) {
                out.put(k, deep((Map<String, Object>) c, (Map<String, Object>) m));
            } else {
                out.put(k, v instanceof Map<?, ?> m ? deep((Map<String, Object>) m, Map.of()) : v);
            }
        });
        return out;
    }
}
