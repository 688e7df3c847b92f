package io.kubejoin.inventory;

import io.kubejoin.util.Suggestions;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.constructor.StandardConstructor;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * One YAML mapping of the inventory, read field by field. Reading never throws: a missing or ill-typed
 * field is recorded as a {@link Problem} in the {@link LoadContext} and read as null.
 * Every key's line is recorded under its field path when the map is opened.
 */
final class YamlMap {
    static final LoadSettings SETTINGS = LoadSettings.builder()
            .setSchema(new org.snakeyaml.engine.v2.schema.CoreSchema())
            .setLabel("inventory")
            .build();
    // free-form nesting deeper than this is surely an alias cycle, not a kubelet setting
    private static final int MAX_DEPTH = 64;

    private final LoadContext ctx;
    private final String path;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();

    private YamlMap(LoadContext ctx, String path, MappingNode node, List<String> fields, Map<String, String> homes) {
        this.ctx = ctx;
        this.path = path;
        for (NodeTuple t : node.getValue()) {
            int line = line(t.getKeyNode());
            // the composer refuses non-scalar keys (allowNonScalarKeys is off), so every key is a scalar here
            String key = ((ScalarNode) t.getKeyNode()).getValue();
            String keyPath = FieldPaths.child(path, key);
            if (entries.containsKey(key)) {
                ctx.problemAt(line, keyPath, "'" + key + "' is given twice (first on line "
                        + line(entries.get(key).getKeyNode()) + ")", "keep one of them");
                continue;
            }
            if (fields != null && !fields.contains(key)) {
                String fix = Suggestions.didYouMean(key, fields, homes.containsKey(key)
                        ? "it belongs under '" + homes.get(key) + ":' (" + homes.get(key) + "." + key + ")"
                        : "known fields here: " + String.join(", ", fields));
                ctx.problemAt(line, keyPath, "unknown field '" + key + "'", fix);
                continue;
            }
            entries.put(key, t);
            ctx.record(keyPath, line);
        }
    }

    /** The mapping at path, with the field names it may hold; null (and a problem) when the node is no mapping. */
    static YamlMap open(LoadContext ctx, String path, Node node, List<String> fields) {
        return open(ctx, path, node, fields, Map.of());
    }

    /** As {@link #open(LoadContext, String, Node, List)}; homes maps a field written here by mistake to its section. */
    static YamlMap open(LoadContext ctx, String path, Node node, List<String> fields, Map<String, String> homes) {
        if (node instanceof MappingNode m) return new YamlMap(ctx, path, m, fields, homes);
        ctx.problemAt(line(node), path, "must be a map of fields, not " + describe(node), "write it as 'field: value' lines");
        return null;
    }

    static int line(Node node) {
        return node.getStartMark().map(m -> m.getLine() + 1).orElse(0);
    }

    static boolean isNull(Node node) {
        return node == null || (node instanceof ScalarNode s && s.getTag().equals(Tag.NULL));
    }

    private static String describe(Node node) {
        if (node instanceof SequenceNode) return "a list";
        if (node instanceof MappingNode) return "a map";
        if (isNull(node)) return "empty";
        return "'" + ((ScalarNode) node).getValue() + "'";
    }

    String path() {
        return path;
    }

    String path(String key) {
        return FieldPaths.child(path, key);
    }

    /** The value node, or null when the field is absent or written without a value. */
    Node raw(String key) {
        NodeTuple t = entries.get(key);
        return t == null || isNull(t.getValueNode()) ? null : t.getValueNode();
    }

    boolean has(String key) {
        return raw(key) != null;
    }

    /** Line of the field's key, or of this map when absent (for "missing field" messages). */
    int line(String key) {
        return ctx.lineOf(path(key));
    }

    void missing(String key, String fix) {
        ctx.problem(path(key), "required field is missing", fix);
    }

    /** Any scalar as its text (a YAML number is fine where a string is expected: "user: 1000"). */
    String string(String key) {
        Node n = raw(key);
        if (n == null) return null;
        if (n instanceof ScalarNode s) return s.getValue();
        ctx.problemAt(line(n), path(key), "must be a single value, not " + describe(n), "write " + key + ": <value>");
        return null;
    }

    Integer integer(String key) {
        Node n = raw(key);
        if (n == null) return null;
        Object v = n instanceof ScalarNode s ? scalar(s) : null;
        if (v instanceof Integer i) return i;
        if (v instanceof String str && str.matches("[+-]?\\d{1,9}")) return Integer.parseInt(str);
        String what = v instanceof Long || v instanceof BigInteger ? "'" + ((ScalarNode) n).getValue() + "' is too large"
                : "must be a whole number, not " + describe(n);
        ctx.problemAt(line(n), path(key), what, "write a number such as " + key + ": 2");
        return null;
    }

    Boolean bool(String key) {
        Node n = raw(key);
        if (n == null) return null;
        if (n instanceof ScalarNode s && scalar(s) instanceof Boolean b) return b;
        ctx.problemAt(line(n), path(key), "must be true or false, not " + describe(n), "write " + key + ": true or false");
        return null;
    }

    YamlMap map(String key, List<String> fields) {
        Node n = raw(key);
        return n == null ? null : open(ctx, path(key), n, fields);
    }

    /** Elements of a list field (empty when absent); null and a problem when it is not a list. */
    List<Node> list(String key) {
        Node n = raw(key);
        if (n == null) return List.of();
        if (n instanceof SequenceNode s) {
            for (int i = 0; i < s.getValue().size(); i++) {
                ctx.record(FieldPaths.index(path(key), i), line(s.getValue().get(i)));
            }
            return s.getValue();
        }
        ctx.problemAt(line(n), path(key), "must be a list, not " + describe(n), "write it as '- item' lines");
        return null;
    }

    /** A map of names to scalar values (labels, flags), as text; null values become "". */
    Map<String, String> stringMap(String key) {
        Map<String, String> out = new LinkedHashMap<>();
        YamlMap m = map(key, null);
        if (m == null) return out;
        for (String k : m.entries.keySet()) {
            Node v = m.entries.get(k).getValueNode();
            if (isNull(v)) {
                out.put(k, "");
            } else if (v instanceof ScalarNode s) {
                out.put(k, s.getValue());
            } else {
                ctx.problemAt(line(v), m.path(k), "must be a single value, not " + describe(v), "write " + k + ": <value>");
            }
        }
        return out;
    }

    /** A free-form map (kubelet/kube-proxy config) as Java values in file order; nested keys get lines too. */
    Map<String, Object> freeForm(String key) {
        Node n = raw(key);
        if (n == null) return new LinkedHashMap<>();
        if (!(n instanceof MappingNode)) {
            ctx.problemAt(line(n), path(key), "must be a map of fields, not " + describe(n), "write it as 'field: value' lines");
            return new LinkedHashMap<>();
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) toJava(ctx, path(key), n, 0);
        return map == null ? new LinkedHashMap<>() : map;
    }

    private static Object toJava(LoadContext ctx, String path, Node n, int depth) {
        if (depth > MAX_DEPTH) {
            ctx.problemAt(line(n), path, "is nested too deeply (a recursive alias?)", "write the values out");
            return null;
        }
        if (n instanceof ScalarNode s) {
            return scalarOrProblem(ctx, path, s);
        }
        if (n instanceof SequenceNode s) {
            List<Object> list = new ArrayList<>();
            for (int i = 0; i < s.getValue().size(); i++) {
                Node item = s.getValue().get(i);
                String p = FieldPaths.index(path, i);
                ctx.record(p, line(item));
                list.add(toJava(ctx, p, item, depth + 1));
            }
            return list;
        }
        YamlMap m = new YamlMap(ctx, path, (MappingNode) n, null, Map.of());
        Map<String, Object> map = new LinkedHashMap<>();
        for (Map.Entry<String, NodeTuple> e : m.entries.entrySet()) {
            map.put(e.getKey(), toJava(ctx, m.path(e.getKey()), e.getValue().getValueNode(), depth + 1));
        }
        return map;
    }

    private static Object scalarOrProblem(LoadContext ctx, String path, ScalarNode s) {
        try {
            return construct(s);
        } catch (YamlEngineException e) {
            ctx.problemAt(line(s), path, "cannot read '" + s.getValue() + "' (tag " + s.getTag() + ")",
                    "remove the YAML tag or quote the value");
            return null;
        }
    }

    /** The scalar as the core schema types it: Integer/Long/BigInteger, Double, Boolean, null or String. */
    private static Object scalar(ScalarNode s) {
        try {
            return construct(s);
        } catch (YamlEngineException e) {
            return s.getValue();
        }
    }

    private static Object construct(ScalarNode s) {
        return new StandardConstructor(SETTINGS).constructSingleDocument(Optional.of(s));
    }

    Optional<Node> node(String key) {
        return Optional.ofNullable(raw(key));
    }
}
