package io.kubejoin.remote;

import io.kubejoin.render.RenderedFile;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A file to place on a node, owned by root.
 *
 * @param path    absolute, normalized destination path ("/etc/kubernetes/kubelet-config.yaml")
 * @param mode    POSIX permission bits (0600, 0644, 0755)
 * @param content exact bytes
 * @param sha256  lower-case hex sha256 of content, computed once per instance (the 3-argument constructor): a
 *                100 MB kubelet binary shared by 1,000 nodes' pushes is hashed once, not per node. Pass it only
 *                when already computed from these very bytes: pushes trust it to decide what to skip.
 */
public record RemoteFile(String path, int mode, byte[] content, String sha256) {
    public RemoteFile {
        RemotePaths.requireAbsolute(path);
        if ((mode & ~07777) != 0) throw new IllegalArgumentException("mode " + Integer.toOctalString(mode));
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) throw new IllegalArgumentException("sha256 " + sha256);
    }

    public RemoteFile(String path, int mode, byte[] content) {
        this(path, mode, content, sha256(content));
    }

    public static RemoteFile of(RenderedFile f) {
        return new RemoteFile(f.path(), f.mode(), f.content());
    }

    /** Lower-case hex sha256, as the 4-argument constructor expects. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        // never the content: it may be a private key
        return "RemoteFile[" + path + ", " + String.format("%04o", mode) + ", " + content.length + " bytes]";
    }
}
