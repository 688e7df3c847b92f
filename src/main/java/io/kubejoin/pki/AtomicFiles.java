package io.kubejoin.pki;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes a file so that readers see either the old or the whole new content, never a partial
 * one, and so that a key file is never readable by others, not even for a moment.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** @param mode POSIX bits, e.g. 0600 */
    public static void write(Path target, byte[] content, int mode) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // created 0600 from the start, so a secret never sits in a world-readable temp file
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(content));
                ch.force(true); // the rename must not outlive the data after a crash
            }
            // set explicitly: the umask does not apply to setPosixFilePermissions
            Files.setPosixFilePermissions(tmp, permissions(mode));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        StringBuilder sb = new StringBuilder();
        String rwx = "rwx";
        for (int shift = 6; shift >= 0; shift -= 3) {
            int bits = (mode >> shift) & 7;
            for (int i = 0; i < 3; i++) {
                sb.append((bits & (4 >> i)) != 0 ? rwx.charAt(i) : '-');
            }
        }
        return PosixFilePermissions.fromString(sb.toString());
    }
}
