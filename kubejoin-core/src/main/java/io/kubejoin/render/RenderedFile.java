package io.kubejoin.render;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One file kubejoin would place on a node (or, for node == {@link #CLUSTER}, a manifest for the API server).
 *
 * @param node    node name, or "cluster"
 * @param path    absolute destination path on the node ("/etc/kubernetes/kubelet-config.yaml"),
 *                or a file name for cluster manifests
 * @param mode    POSIX permission bits, e.g. 0600 for keys, kubeconfigs and token files
 * @param content exact bytes
 */
public record RenderedFile(String node, String path, int mode, byte[] content) {
    public static final String CLUSTER = "cluster";

    public static RenderedFile text(String node, String path, int mode, String content) {
        return new RenderedFile(node, path, mode, content.getBytes(StandardCharsets.UTF_8));
    }

    public String contentAsString() {
        return new String(content, StandardCharsets.UTF_8);
    }

    public String sha256() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** True for files that carry a secret (private key, token, embedded credentials). */
    public boolean isSecret() {
        return mode == 0600;
    }

    public String modeString() {
        return String.format("%04o", mode);
    }
}
