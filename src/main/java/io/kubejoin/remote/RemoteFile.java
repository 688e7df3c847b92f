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
 */
public record RemoteFile(String path, int mode, byte[] content) {
    public RemoteFile {
        RemotePaths.requireAbsolute(path);
        if ((mode & ~07777) != 0) throw new IllegalArgumentException("mode " + Integer.toOctalString(mode));
    }

    public static RemoteFile of(RenderedFile f) {
        return new RemoteFile(f.path(), f.mode(), f.content());
    }

    public String sha256() {
        return sha256(content);
    }

    static String sha256(byte[] bytes) {
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
