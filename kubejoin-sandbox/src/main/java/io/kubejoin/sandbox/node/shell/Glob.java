package io.kubejoin.sandbox.node.shell;

import io.kubejoin.sandbox.node.NodeRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Pathname expansion ({@code *}, {@code ?}, {@code [...]}) of {@link NodeShell}'s words against the node's folder:
 * sorted matches; a pattern without a match stays as it is, as in sh.
 */
final class Glob {
    /** The login folder: where relative glob patterns are looked up. */
    static final String HOME = "/root";

    private final NodeRoot root;

    Glob(NodeRoot root) {
        this.root = root;
    }

    /** One word after expansion: its text and which characters were unquoted (glob-active). */
    record Field(String text, BitSet unquoted) {
    }

    static boolean hasGlob(Field f) {
        String t = f.text();
        // only the unquoted characters can be pattern characters: a long quoted word is not scanned
        for (int i = f.unquoted().nextSetBit(0); i >= 0 && i < t.length(); i = f.unquoted().nextSetBit(i + 1)) {
            char c = t.charAt(i);
            if (c == '*' || c == '?' || (c == '[' && closingBracket(t, i) > 0)) return true;
        }
        return false;
    }

    /** Index of the ']' closing a bracket expression opened at {@code i}, within the path component; -1 if none. */
    static int closingBracket(String t, int i) {
        int j = i + 1;
        if (j < t.length() && (t.charAt(j) == '!' || t.charAt(j) == '^')) j++;
        if (j < t.length() && t.charAt(j) == ']') j++;
        while (j < t.length() && t.charAt(j) != ']' && t.charAt(j) != '/') j++;
        return j < t.length() && t.charAt(j) == ']' ? j : -1;
    }

    /** The existing node paths matching the pattern, sorted; the pattern itself when nothing matches. */
    List<String> glob(Field f) {
        String t = f.text();
        boolean absolute = t.startsWith("/");
        List<String> candidates = java.util.Collections.singletonList(absolute ? "" : null);
        int start = absolute ? 1 : 0;
        while (start <= t.length()) {
            int end = t.indexOf('/', start);
            if (end < 0) end = t.length();
            String comp = t.substring(start, end);
            List<String> next = new ArrayList<>();
            if (!hasGlob(new Field(comp, f.unquoted().get(start, Math.max(start, end))))) {
                for (String c : candidates) next.add(join(c, comp));
            } else {
                Pattern p = componentPattern(t, f.unquoted(), start, end);
                boolean dotOk = comp.startsWith(".");
                for (String c : candidates) {
                    Path dir;
                    try {
                        dir = root.local(nodePath(c));
                    } catch (IllegalArgumentException e) {
                        continue;
                    }
                    if (!Files.isDirectory(dir)) continue;
                    TreeSet<String> names = new TreeSet<>();
                    try (Stream<Path> list = Files.list(dir)) {
                        list.forEach(x -> names.add(x.getFileName().toString()));
                    } catch (IOException e) {
                        continue;
                    }
                    for (String n : names) {
                        if ((dotOk || !n.startsWith(".")) && p.matcher(n).matches()) next.add(join(c, n));
                    }
                }
            }
            candidates = next;
            if (candidates.isEmpty()) break;
            start = end + 1;
        }
        TreeSet<String> found = new TreeSet<>();
        for (String c : candidates) {
            try {
                if (Files.exists(root.local(nodePath(c)), LinkOption.NOFOLLOW_LINKS)) found.add(c);
            } catch (IllegalArgumentException e) {
                // outside the root: not a match
            }
        }
        return found.isEmpty() ? List.of(t) : new ArrayList<>(found);
    }

    /** Joins a matched prefix (null: nothing yet of a relative pattern) and a component. */
    static String join(String prefix, String comp) {
        return prefix == null ? comp : prefix + "/" + comp;
    }

    static String nodePath(String prefix) {
        if (prefix == null || prefix.isEmpty()) return prefix == null ? HOME : "/";
        return prefix.startsWith("/") ? prefix : HOME + "/" + prefix;
    }

    static Pattern componentPattern(String t, BitSet unquoted, int start, int end) {
        StringBuilder re = new StringBuilder();
        for (int i = start; i < end; i++) {
            char c = t.charAt(i);
            boolean active = unquoted.get(i);
            if (active && c == '*') {
                re.append(".*");
            } else if (active && c == '?') {
                re.append('.');
            } else if (active && c == '[' && closingBracket(t, i) > 0) {
                int close = closingBracket(t, i);
                int j = i + 1;
                re.append('[');
                if (t.charAt(j) == '!' || t.charAt(j) == '^') {
                    re.append('^');
                    j++;
                }
                for (int k = j; k < close; k++) {
                    char b = t.charAt(k);
                    if (b == '[' && k + 1 < close && t.charAt(k + 1) == ':') {
                        throw new ShellError(2, "sandbox node: unsupported shell syntax: character class in "
                                + t.substring(i, close + 1));
                    }
                    if (b == '-' && k > j && k < close - 1) re.append('-');
                    else if (Character.isLetterOrDigit(b)) re.append(b);
                    else re.append('\\').append(b);
                }
                re.append(']');
                i = close;
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }
}
