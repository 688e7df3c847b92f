package io.kubejoin.util;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.SecureRandom;
import java.util.HexFormat;
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
        try (AtomicFile f = create(target, mode, sync)) {
            f.write(content);
            f.commit();
        }
    }

    /**
     * A file being written under a temp name beside {@code target}, put in place by {@link AtomicFile#commit}
     * (for content written piece by piece); closed without a commit, the temp file is removed.
     */
    public static AtomicFile create(Path target, int mode, boolean sync) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        // a missing folder is made private: what kubejoin writes through here is often a key or a token
        if (!Files.isDirectory(dir)) Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(permissions(0700)));
        // an unpredictable name opened with O_CREAT|O_EXCL|O_NOFOLLOW: nothing planted beforehand (a symbolic link
        // to a file another user reads, a file of theirs) is ever opened or written, the open fails on it instead
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve("." + target.getFileName() + ".kubejoin-" + randomHex() + ".tmp");
            try {
                FileChannel ch = FileChannel.open(tmp, Set.<java.nio.file.OpenOption>of(StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(permissions(0600)));
                return new AtomicFile(target, tmp, ch, mode, sync);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 8) throw e;
            }
        }
    }

    /** See {@link #create}. */
    public static final class AtomicFile implements java.io.Closeable {
        private final Path target;
        private final Path tmp;
        private final FileChannel channel;
        /** made for {@link #out} only: a render writes 100,000 files straight from their bytes */
        private java.io.BufferedOutputStream buffer;
        private final int mode;
        private final boolean sync;
        private boolean closed;

        private AtomicFile(Path target, Path tmp, FileChannel channel, int mode, boolean sync) {
            this.target = target;
            this.tmp = tmp;
            this.channel = channel;
            this.mode = mode;
            this.sync = sync;
        }

        /** Where the content goes; closing it only flushes (a JSON generator closes what it wrote to). */
        public java.io.OutputStream out() {
            if (buffer == null) buffer = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel), 1 << 16);
            return new java.io.FilterOutputStream(buffer) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    buffer.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    buffer.flush();
                }
            };
        }

        /** Content in one piece. */
        public void write(byte[] content) throws IOException {
            if (buffer != null) buffer.flush();
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(content);
            while (buf.hasRemaining()) channel.write(buf);
        }

        /** Puts the file in place with its final mode: readers see the old file or the whole new one. */
        public void commit() throws IOException {
            if (buffer != null) buffer.flush();
            if (sync) channel.force(true); // the rename must not outlive the data after a crash
            channel.close();
            // umask may have narrowed 0600, and the final mode may be wider: set it without following a link
            Files.getFileAttributeView(tmp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setPermissions(permissions(mode));
            // rename(2) replaces whatever is at the destination, a symbolic link included, and never follows it
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            closed = true;
        }

        @Override
        public void close() throws IOException {
            if (closed) return;
            closed = true;
            try {
                channel.close();
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private static String randomHex() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * Makes {@code dir} a private folder: missing folders (parents too) are created with {@code mode} whatever the
     * umask; an existing one must be a folder owned by this user, not shared through the sticky bit, and is tightened
     * to {@code mode}. A folder of another user is refused: its owner could plant links in it or read what lands there.
     */
    public static void createPrivateDirectory(Path dir, int mode) throws IOException {
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(permissions(mode)));
        } catch (FileAlreadyExistsException e) {
            throw new UnsafePathException(dir, "exists and is not a folder", "remove it or choose another folder");
        }
        requireOwnFolder(dir);
        if (mode(dir) != mode) Files.setPosixFilePermissions(dir, permissions(mode));
    }

    /**
     * Refuses a folder (links followed: the user may name one) that is not this user's, or that is shared through
     * the sticky bit like /tmp: tightening that one would break it for everyone, and not tightening it leaves the
     * secrets' folder open to planted links.
     */
    public static void requireOwnFolder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new UnsafePathException(dir, "is not a folder", "remove it or choose another folder");
        }
        int owner = (Integer) Files.getAttribute(dir, "unix:uid");
        long me = currentUid();
        if (owner != me) {
            throw new UnsafePathException(dir, "belongs to user id " + owner + ", not to this user (" + me + "), and would hold"
                    + " secrets", "choose a folder of your own (or chown it to yourself)");
        }
        if (((Integer) Files.getAttribute(dir, "unix:mode") & 01000) != 0) {
            throw new UnsafePathException(dir, "is a shared folder (sticky bit, like /tmp) and would hold secrets",
                    "name a folder of its own inside it, e.g. " + dir.resolve("kubejoin-out"));
        }
    }

    /**
     * One folder level under a folder kubejoin owns: created with {@code mode} when missing; an existing one must be
     * a real folder, never a symbolic link, which would send secrets wherever it points.
     */
    public static void createSubdirectory(Path dir, int mode) throws IOException {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(permissions(mode)));
            return;
        } catch (FileAlreadyExistsException e) {
            // made by an earlier render or by another writer thread a moment ago: checked below
        }
        if (Files.isSymbolicLink(dir)) {
            throw new UnsafePathException(dir, "is a symbolic link (to " + Files.readSymbolicLink(dir) + ")",
                    "kubejoin writes only into real folders under its output folder: remove the link");
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new UnsafePathException(dir, "exists and is not a folder", "remove it");
        }
    }

    private static long currentUid() {
        return new com.sun.security.auth.module.UnixSystem().getUid();
    }

    /** The mode of a file itself, a symbolic link not followed. */
    public static int modeNoFollow(Path file) throws IOException {
        return mode(Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).permissions());
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
        return mode(Files.getPosixFilePermissions(file));
    }

    private static int mode(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission p : permissions) {
            mode |= switch (p) {
                case OWNER_READ -> 0400; case OWNER_WRITE -> 0200; case OWNER_EXECUTE -> 0100;
                case GROUP_READ -> 040; case GROUP_WRITE -> 020; case GROUP_EXECUTE -> 010;
                case OTHERS_READ -> 04; case OTHERS_WRITE -> 02; case OTHERS_EXECUTE -> 01;
            };
        }
        return mode;
    }
}
