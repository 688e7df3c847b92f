package io.kubejoin.remote;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A large file's bytes (a release binary) outside the Java heap: the file mapped read-only, shared by every node's
 * push. Held in the heap as byte[], 90 MiB of binaries were a fixed third of the join's heap (384 MiB instead of
 * 160), and each push copied from it anyway. An SSH push copies each packet's payload once, from the mapping into
 * its packet ({@link #bytes}, {@link MappedStdinWriter}); a local push writes the mapping to the file ({@link #writeTo}).
 */
public final class FileBytes {
    /** One SSH packet's worth (OpenSSH's maximum packet is 32 KiB): {@link #copyOf} reads 8 at a time. */
    static final int CHUNK = 32 * 1024;

    private final MappedByteBuffer map;
    private final String name;

    private FileBytes(MappedByteBuffer map, String name) {
        this.map = map;
        this.name = name;
    }

    /**
     * The file as it is now, mapped read-only. Replaced by rename while the run goes on, the mapping keeps the old
     * bytes; overwritten in place, what is sent no longer matches the sha256 and the node's check refuses it.
     */
    public static FileBytes map(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) throw new IOException(file + " is larger than 2 GiB");
            return new FileBytes(ch.map(FileChannel.MapMode.READ_ONLY, 0, size), file.toString());
        }
    }

    /**
     * {@code size} bytes of {@code in} (a tarball's entry) in a temp file that is deleted at once, so it goes away
     * with the process however it ends; only the mapping keeps it.
     */
    public static FileBytes copyOf(InputStream in, long size, String name) throws IOException {
        Path tmp = Files.createTempFile("kubejoin-", ".bin", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            Files.delete(tmp);
            byte[] chunk = new byte[CHUNK * 8];
            long done = 0;
            int n;
            while (done < size && (n = in.read(chunk, 0, (int) Math.min(chunk.length, size - done))) > 0) {
                ByteBuffer b = ByteBuffer.wrap(chunk, 0, n);
                while (b.hasRemaining()) ch.write(b);
                done += n;
            }
            if (done != size) throw new IOException(name + ": " + done + " bytes instead of " + size);
            return new FileBytes(ch.map(FileChannel.MapMode.READ_ONLY, 0, size), name);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public long size() {
        return map.capacity();
    }

    /**
     * The mapping, its own position and limit (an SSH push copies from it straight into its packets,
     * {@link MappedStdinWriter}).
     */
    ByteBuffer bytes() {
        return map.duplicate();
    }

    /** All of it into {@code ch} (a local file), straight from the mapping. */
    public void writeTo(FileChannel ch) throws IOException {
        ByteBuffer b = map.duplicate();
        while (b.hasRemaining()) ch.write(b);
    }

    /** A copy in the heap: for small test files and checks, never for a push. */
    public byte[] readAllBytes() {
        byte[] all = new byte[map.capacity()];
        map.get(0, all);
        return all;
    }

    /** Lower-case hex sha256, read from the mapping. */
    public String sha256() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(map.duplicate());
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "FileBytes[" + name + ", " + size() + " bytes]";
    }
}
