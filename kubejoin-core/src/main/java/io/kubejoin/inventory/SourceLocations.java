package io.kubejoin.inventory;

import java.util.Map;
import java.util.TreeMap;

/** Field path ("nodes[1].address") to 1-based line in the inventory file, recorded while loading. */
public final class SourceLocations {
    private final Map<String, Integer> lines = new TreeMap<>();

    public void put(String fieldPath, int line) {
        lines.putIfAbsent(fieldPath, line);
    }

    /** Line of the field, or of its nearest recorded parent ("nodes[1]"), or 0 when unknown. */
    public int lineOf(String fieldPath) {
        String p = fieldPath;
        while (p != null && !p.isEmpty()) {
            Integer line = lines.get(p);
            if (line != null) return line;
            int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            p = cut > 0 ? p.substring(0, cut) : null;
        }
        return 0;
    }

    public static SourceLocations none() {
        return new SourceLocations();
    }
}
