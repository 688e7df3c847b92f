package io.kubejoin.remote;

import io.kubejoin.render.RenderedFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A file to place on a node, owned by root.
 *
 * @param path    absolute, normalized destination path ("/etc/kubernetes/kubelet-config.yaml")
 * @param mode    POSIX permission bits (0600, 0644, 0755)
 * @param content exact bytes, in the heap (configs, keys, units); null when {@code file} holds them
 * @param sha256  lower-case hex sha256 of the bytes, computed once per instance (the 3-argument constructor): a
 *                100 MB kubelet binary shared by 1,000 nodes' pushes is hashed once, not per node. Pass it only
 *                when already computed from these very bytes: pushes trust it to decide what to skip.
 * @param file    the bytes outside the heap (a release binary, {@link FileBytes}); null when {@code content} holds
 *                them. Pushes read either through {@link #size} and {@link #writeTo}.
 */
public record RemoteFile(String path, int mode, byte[] content, String sha256, FileBytes file) {
    public RemoteFile {
        RemotePaths.requireAbsolute(path);
        if ((mode & ~07777) != 0) throw new IllegalArgumentException("mode " + Integer.toOctalString(mode));
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) throw new IllegalArgumentException("sha256 " + sha256);
        if ((content == null) == (file == null)) throw new IllegalArgumentException("content or file, one of them");
    }

    public RemoteFile(String path, int mode, byte[] content, String sha256) {
        this(path, mode, content, sha256, null);
    }

    public RemoteFile(String path, int mode, byte[] content) {
        this(path, mode, content, sha256(content), null);
    }

    /** A file whose bytes stay outside the heap; {@code sha256} as for the 4-argument constructor. */
    public RemoteFile(String path, int mode, FileBytes file, String sha256) {
        this(path, mode, null, sha256, file);
    }

    public static RemoteFile of(RenderedFile f) {
        return new RemoteFile(f.path(), f.mode(), f.content());
    }

    /** The bytes' count. */
    public long size() {
        return content != null ? content.length : file.size();
    }

    /** The bytes into {@code ch} (a local file). */
    public void writeTo(FileChannel ch) throws IOException {
        if (content == null) {
            file.writeTo(ch);
            return;
        }
        ByteBuffer buf = ByteBuffer.wrap(content);
        while (buf.hasRemaining()) ch.write(buf);
    }

    /** The bytes in the heap: {@code content}, or a copy of {@code file}'s (for checks; pushes read {@link #content} or {@link #file}). */
    public byte[] bytes() {
        return content != null ? content : file.readAllBytes();
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
        return "RemoteFile[" + path + ", " + String.format("%04o", mode) + ", " + size() + " bytes]";
    }
}
