package io.kubejoin.inventory;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Field path ("nodes[1].address") to 1-based line in the inventory file, recorded while loading. Once the file is
 * loaded the map is {@link #compact compacted} into two sorted arrays: a 10,000-node inventory records ~30,000 paths,
 * and a tree entry and a boxed line each were ~56 bytes a path more than the path itself, kept for the whole run.
 */
public final class SourceLocations {
    private Map<String, Integer> lines = new TreeMap<>();
    /** After {@link #compact}: the paths in order and their lines (lines null while still loading). */
    private String[] paths = new String[0];
    private int[] pathLines;

    public synchronized void put(String fieldPath, int line) {
        thaw();
        lines.putIfAbsent(fieldPath, line);
    }

    /** Line of the field, or of its nearest recorded parent ("nodes[1]"), or 0 when unknown. */
    public synchronized int lineOf(String fieldPath) {
        String p = fieldPath;
        while (p != null && !p.isEmpty()) {
            Integer line = get(p);
            if (line != null) return line;
            int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            p = cut > 0 ? p.substring(0, cut) : null;
        }
        return 0;
    }

    private Integer get(String path) {
        if (pathLines == null) return lines.get(path);
        int i = Arrays.binarySearch(paths, path);
        return i < 0 ? null : pathLines[i];
    }

    /** The recorded paths as two arrays; later {@link #put}s (none after loading) turn it back into a map. */
    synchronized void compact() {
        if (pathLines != null) return;
        paths = lines.keySet().toArray(new String[0]);
        pathLines = lines.values().stream().mapToInt(Integer::intValue).toArray();
        lines = null;
    }

    /** Whether {@link #compact} holds the paths (for tests). */
    synchronized boolean compacted() {
        return pathLines != null;
    }

    private void thaw() {
        if (pathLines == null) return;
        Map<String, Integer> m = new TreeMap<>();
        for (int i = 0; i < paths.length; i++) m.put(paths[i], pathLines[i]);
        lines = m;
        paths = new String[0];
        pathLines = null;
    }

    public static SourceLocations none() {
        return new SourceLocations();
    }
}
