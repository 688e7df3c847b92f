package io.kubejoin.state;

import io.kubejoin.util.SecureFiles;

import io.kubejoin.token.BootstrapToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Secrets kubejoin generates once and reuses (bootstrap tokens, kube-proxy's key and certificate), kept in a
 * 0700 folder beside the inventory so that re-running converges instead of churning every node's files.
 * Layout: {@code <dir>/tokens.json}, {@code <dir>/kube-proxy.pem}, {@code <dir>/kube-proxy-key.pem}, all 0600.
 */
public final class StateStore {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final String TOKENS = "tokens.json";
    private static final String KUBE_PROXY_CERT = "kube-proxy.pem";
    private static final String KUBE_PROXY_KEY = "kube-proxy-key.pem";

    private final Path dir;

    public StateStore(Path dir) {
        this.dir = dir;
    }

    /** The default state folder for an inventory: {@code .kubejoin/<inventory file name without .yaml>/} beside it. */
    public static Path defaultDirFor(Path inventoryFile) {
        Path abs = inventoryFile.toAbsolutePath();
        String stem = abs.getFileName().toString().replaceFirst("\\.(ya?ml)$", "");
        return abs.getParent().resolve(".kubejoin").resolve(stem);
    }

    public Path dir() {
        return dir;
    }

    /** Tokens by node name; empty when none were stored yet. */
    public Map<String, BootstrapToken> tokens() {
        Path file = dir.resolve(TOKENS);
        Map<String, BootstrapToken> tokens = new TreeMap<>();
        if (!Files.exists(file)) return tokens;
        try {
            JsonNode root = JSON.readTree(Files.readString(file));
            // tokens issued together expire together: one Instant for each expiration text, not one per token
            Map<String, Instant> expirations = new java.util.HashMap<>();
            for (Map.Entry<String, JsonNode> e : root.path("tokens").properties()) {
                JsonNode t = e.getValue();
                tokens.put(e.getKey(), new BootstrapToken(t.path("id").asString(), t.path("secret").asString(),
                        e.getKey(), expirations.computeIfAbsent(t.path("expiration").asString(), Instant::parse)));
            }
        } catch (IOException | RuntimeException e) {
            throw new StateException("cannot read " + file + " (" + e.getMessage()
                    + "); delete it to have new bootstrap tokens issued", e);
        }
        return tokens;
    }

    public void saveTokens(Map<String, BootstrapToken> tokens) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode byNode = root.putObject("tokens");
        new TreeMap<>(tokens).forEach((node, t) -> {
            ObjectNode o = byNode.putObject(node);
            o.put("id", t.id());
            o.put("secret", t.secret());
            o.put("expiration", t.expiration().toString());
        });
        write(TOKENS, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }

    /** Where kube-proxy's certificate (P1) is kept; written by {@code pki.CertificateStore}. */
    public Path kubeProxyCertFile() {
        return dir.resolve(KUBE_PROXY_CERT);
    }

    public Path kubeProxyKeyFile() {
        return dir.resolve(KUBE_PROXY_KEY);
    }

    /**
     * Creates the folder 0700 whatever the umask, or checks that an existing one is this user's and tightens it;
     * likewise its {@code .kubejoin} parent when kubejoin made that one too (the default layout).
     */
    public void createDir() throws IOException {
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null && parent.getFileName() != null && parent.getFileName().toString().equals(".kubejoin")) {
            SecureFiles.createPrivateDirectory(parent, 0700);
        }
        SecureFiles.createPrivateDirectory(dir, 0700);
    }

    private void write(String name, String content) {
        try {
            createDir();
            SecureFiles.writeAtomically(dir.resolve(name), content.getBytes(StandardCharsets.UTF_8), 0600);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write state file " + dir.resolve(name), e);
        }
    }

    /** The state folder is unreadable or corrupt. */
    public static final class StateException extends RuntimeException {
        public StateException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
