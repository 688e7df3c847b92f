package io.kubejoin.inventory;

import java.util.regex.Pattern;

/** Builds the field paths used in messages and {@link SourceLocations}: {@code nodes[1].labels["a.b/c"]}. */
final class FieldPaths {
    private static final Pattern SIMPLE = Pattern.compile("[A-Za-z0-9_-]+");

    private FieldPaths() {
    }

    /** parent.key, or parent["key"] when the key holds dots or slashes that would make the path ambiguous. */
    static String child(String parent, String key) {
        if (!SIMPLE.matcher(key).matches()) {
            return parent + "[\"" + key.replace("\"", "\\\"") + "\"]";
        }
        return parent == null || parent.isEmpty() ? key : parent + "." + key;
    }

    static String index(String parent, int i) {
        return parent + "[" + i + "]";
    }
}
