package io.kubejoin.sandbox.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * A simulated node's filesystem: a local folder standing for the node's {@code /}, as {@code kubejoin render}
 * lays out {@code DIR/<node>/...}. Maps the absolute paths the node's files name (unit, config, kubeconfigs)
 * into that folder, and reads the three file kinds the node agents read: systemd units, YAML documents and
 * kubeconfigs.
 */
public final class NodeRoot {
    private final Path root;

    public NodeRoot(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /** The local file standing for the node's absolute {@code nodePath}; never outside the root. */
    public Path local(String nodePath) {
        String rel = nodePath.startsWith("/") ? nodePath.substring(1) : nodePath;
        Path p = root.resolve(rel).normalize();
        if (!p.startsWith(root)) throw new IllegalArgumentException("path escapes the node's root: " + nodePath);
        return p;
    }

    /** The file's text, or null when it does not exist. */
    public String readOrNull(String nodePath) throws IOException {
        try {
            return Files.readString(local(nodePath), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** The ExecStart of a systemd unit: binary and flags ({@code --name=value}; a bare {@code --name} has value null). */
    public record ExecStart(String binary, Map<String, String> flags, List<String> order) {
    }

    /** Parses [Service] ExecStart as systemd does for kubejoin's units: line continuations, quotes, %% and $$. */
    public static ExecStart execStart(String unit) {
        String joined = unit.replace("\\\r\n", " ").replace("\\\n", " ");
        String exec = null;
        boolean inService = false;
        for (String line : joined.split("\n")) {
            String l = line.strip();
            if (l.startsWith("[")) inService = l.equals("[Service]");
            else if (inService && l.startsWith("ExecStart=")) exec = l.substring("ExecStart=".length());
        }
        if (exec == null) throw new IllegalArgumentException("no ExecStart= in [Service]");
        List<String> words = words(exec);
        if (words.isEmpty()) throw new IllegalArgumentException("empty ExecStart=");
        Map<String, String> flags = new LinkedHashMap<>();
        List<String> order = new ArrayList<>();
        for (String w : words.subList(1, words.size())) {
            if (!w.startsWith("-")) throw new IllegalArgumentException("unexpected argument " + w);
            String body = w.substring(w.startsWith("--") ? 2 : 1); // not replaceFirst: a regex compiled per flag
            int eq = body.indexOf('=');
            String name = eq < 0 ? body : body.substring(0, eq);
            flags.put(name, eq < 0 ? null : body.substring(eq + 1));
            order.add(name);
        }
        return new ExecStart(words.get(0), flags, order);
    }

    private static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted) {
                if (c == '\\' && i + 1 < s.length()) cur.append(s.charAt(++i));
                else if (c == '"') quoted = false;
                else cur.append(c);
            } else if (c == '"') {
                quoted = true;
                any = true;
            } else if (Character.isWhitespace(c)) {
                if (any || cur.length() > 0) out.add(unescape(cur.toString()));
                cur.setLength(0);
                any = false;
            } else {
                cur.append(c);
            }
        }
        if (any || cur.length() > 0) out.add(unescape(cur.toString()));
        return out;
    }

    private static String unescape(String w) {
        return w.replace("%%", "%").replace("$$", "$");
    }

    /** Immutable once built, so shared; a Load (its constructor keeps state while it works) is made per call. */
    private static final LoadSettings YAML_SETTINGS = LoadSettings.builder().setAllowDuplicateKeys(false).build();

    /** One YAML document as maps and lists (YAML 1.2 core schema). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> yamlMap(String text) {
        Object doc = new Load(YAML_SETTINGS).loadFromString(text);
        if (!(doc instanceof Map<?, ?> m)) throw new IllegalArgumentException("not a YAML mapping");
        return (Map<String, Object>) m;
    }

    /** What a kubeconfig's current context says: server, CA PEM, and the user's token or client certificate. */
    public record Kubeconfig(String server, String caPem, String token, String clientCertPem, String clientKeyPem) {
        @Override
        public String toString() {
            return "Kubeconfig[" + server + ", credentials redacted]";
        }
    }

    /** Reads a kubeconfig; file references (certificate-authority, client-certificate, client-key) resolve under the root. */
    @SuppressWarnings("unchecked")
    public Kubeconfig kubeconfig(String text) throws IOException {
        Map<String, Object> doc = yamlMap(text);
        String current = (String) doc.get("current-context");
        Map<String, Object> context = named(doc, "contexts", current, "context");
        Map<String, Object> cluster = named(doc, "clusters", context == null ? null : (String) context.get("cluster"), "cluster");
        Map<String, Object> user = named(doc, "users", context == null ? null : (String) context.get("user"), "user");
        if (cluster == null) throw new IllegalArgumentException("no cluster for the current context");
        String server = (String) cluster.get("server");
        String ca = dataOrFile(cluster, "certificate-authority-data", "certificate-authority");
        String token = user == null ? null : (String) user.get("token");
        String cert = user == null ? null : dataOrFile(user, "client-certificate-data", "client-certificate");
        String key = user == null ? null : dataOrFile(user, "client-key-data", "client-key");
        return new Kubeconfig(server, ca, token, cert, key);
    }

    private String dataOrFile(Map<String, Object> m, String dataKey, String fileKey) throws IOException {
        Object data = m.get(dataKey);
        if (data instanceof String s && !s.isEmpty()) {
            return new String(Base64.getDecoder().decode(s.strip()), StandardCharsets.UTF_8);
        }
        Object file = m.get(fileKey);
        if (file instanceof String f && !f.isEmpty()) {
            String text = readOrNull(f);
            if (text == null) throw new NoSuchFileException(f);
            return text;
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> named(Map<String, Object> doc, String listKey, String name, String bodyKey) {
        Object list = doc.get(listKey);
        if (!(list instanceof List<?> l)) return null;
        for (Object o : l) {
            if (o instanceof Map<?, ?> m && (name == null || name.equals(m.get("name")))) {
                return (Map<String, Object>) m.get(bodyKey);
            }
        }
        return null;
    }
}
