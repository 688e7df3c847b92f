package io.kubejoin.util;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Local file writes that never leave a half-written file and never expose a secret through loose modes. */
public final class SecureFiles {
    private SecureFiles() {
    }

    /**
     * Writes bytes to a temp file in the destination's folder with the final mode already set, then renames it
     * into place, so readers see the old file or the new one, never a partial one or a moment of mode 0644.
     */
    public static void writeAtomically(Path target, byte[] content, int mode) throws IOException {
        write(target, content, mode, false);
    }

    /** As {@link #writeAtomically}, and flushed to disk before the rename: for keys that must survive a crash. */
    public static void writeDurably(Path target, byte[] content, int mode) throws IOException {
        write(target, content, mode, true);
    }

    private static void write(Path target, byte[] content, int mode, boolean sync) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) Files.createDirectories(dir);
        // a fixed temp name per thread: cheaper than createTempFile (no random names), and a leftover from a
        // killed run is simply overwritten by the next one
        Path tmp = dir.resolve("." + target.getFileName() + ".kubejoin-tmp-" + Thread.currentThread().getId());
        try {
            try (FileChannel ch = FileChannel.open(tmp, EnumSet.of(StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(permissions(0600)))) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) ch.write(buf);
                if (sync) ch.force(true); // the rename must not outlive the data after a crash
            }
            // an old temp file keeps its old mode, and umask may have narrowed the new one: always set it
            Files.setPosixFilePermissions(tmp, permissions(mode));
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Creates a folder (and parents) and sets its mode, e.g. 0700 for the state folder. */
    public static void createPrivateDirectory(Path dir, int mode) throws IOException {
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException e) {
            throw new IOException(dir + " exists and is not a folder", e);
        }
        Files.setPosixFilePermissions(dir, permissions(mode));
    }

    public static Set<PosixFilePermission> permissions(int mode) {
        StringBuilder sb = new StringBuilder(9);
        String rwx = "rwx";
        for (int shift = 8; shift >= 0; shift--) {
            sb.append((mode & (1 << shift)) != 0 ? rwx.charAt(2 - shift % 3) : '-');
        }
        return PosixFilePermissions.fromString(sb.toString());
    }

    public static int mode(Path file) throws IOException {
        int mode = 0;
        for (PosixFilePermission p : Files.getPosixFilePermissions(file)) {
            mode |= switch (p) {
                case OWNER_READ -> 0400; case OWNER_WRITE -> 0200; case OWNER_EXECUTE -> 0100;
                case GROUP_READ -> 040; case GROUP_WRITE -> 020; case GROUP_EXECUTE -> 010;
                case OTHERS_READ -> 04; case OTHERS_WRITE -> 02; case OTHERS_EXECUTE -> 01;
            };
        }
        return mode;
    }
}
