package io.kubejoin.inventory;

import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Refuses control characters in every key and value of the inventory, before anything reads it. Names, labels,
 * taints, flags, config values and paths end up in systemd units (where a newline starts a new directive), in
 * kubeconfigs and in shell commands on the node; no field has a use for them, so none may carry one. A tab is
 * harmless everywhere it can land (kubejoin quotes blanks) and is let through.
 */
final class ControlCharacters {
    private static final Map<Integer, String> NAMES = Map.of(0x0a, "a newline", 0x0d, "a carriage return",
            0x00, "a NUL character", 0x1b, "an escape character", 0x7f, "a DEL character");

    private ControlCharacters() {
    }

    /** Adds a problem for each key or value with a control character; returns those problems. */
    static List<Problem> check(LoadContext ctx, Node root) {
        int before = ctx.problems().size();
        walk(ctx, root, "", java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
        return List.copyOf(ctx.problems().subList(before, ctx.problems().size()));
    }

    /** Each node once: an alias repeats a node (and a recursive one would never end); the reader reports those. */
    private static void walk(LoadContext ctx, Node node, String path, java.util.Set<Node> seen) {
        if (!seen.add(node)) return;
        if (node instanceof MappingNode map) {
            for (NodeTuple t : map.getValue()) {
                String key = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : "?";
                String at = path.isEmpty() ? key : path + "." + key;
                if (t.getKeyNode() instanceof ScalarNode s && check(ctx, s, printable(at), "the key ")) continue;
                walk(ctx, t.getValueNode(), at, seen);
            }
        } else if (node instanceof SequenceNode seq) {
            for (int i = 0; i < seq.getValue().size(); i++) walk(ctx, seq.getValue().get(i), path + "[" + i + "]", seen);
        } else if (node instanceof ScalarNode s) {
            check(ctx, s, path, "");
        }
    }

    /** True when the scalar carries a control character (and a problem was added). */
    private static boolean check(LoadContext ctx, ScalarNode s, String path, String what) {
        int bad = first(s.getValue());
        if (bad < 0) return false;
        int c = s.getValue().charAt(bad);
        String name = NAMES.getOrDefault(c, "the control character U+" + String.format("%04X", c));
        ctx.problemAt(YamlMap.line(s), path, what + "contains " + name + " (at character " + (bad + 1) + ")",
                "remove it: values reach systemd units, kubeconfigs and shell commands on the node, where it would "
                        + "add lines or end a command (a block scalar | or > also adds a newline)");
        return true;
    }

    /** Index of the first control character other than tab, or -1. */
    static int first(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) return i;
        }
        return -1;
    }

    private static String printable(String path) {
        StringBuilder sb = new StringBuilder();
        for (char c : path.toCharArray()) sb.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        return sb.toString();
    }
}
