package io.kubejoin.sandbox.node.shell;

import io.kubejoin.sandbox.node.NodeRoot;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.kubejoin.sandbox.node.shell.ShellError.unsupportedOption;

/**
 * {@link NodeShell}'s commands that change the node's files: {@code mkdir}, {@code chmod}, {@code chown}, {@code rm},
 * {@code mv}, {@code ln}, {@code cp}, {@code install}, {@code dd}.
 */
final class FileCommands extends CommandSupport {
    private static final ThreadLocal<byte[]> DD_BUFFER = ThreadLocal.withInitial(() -> new byte[64 * 1024]);

    FileCommands(NodeRoot root) {
        super(root);
    }

    int mkdir(List<String> args, Io io, int umask) throws IOException {
        Opts o = opts("mkdir", args, "p", "");
        if (o.operands().isEmpty()) throw new ShellError(1, "mkdir: missing operand");
        boolean parents = o.flags().contains('p');
        int mode = 0777 & ~umask;
        int st = 0;
        for (String path : o.operands()) {
            Path p = local("mkdir", path);
            if (parents) {
                if (p.toFile().isDirectory()) continue; // no exception for a missing one, unlike Files.isDirectory
                if (madeWithParents(p, mode)) continue;
                // anything unusual (a file or dangling link on the way, a race, no permission): the way that tells why
                List<Path> missing = new ArrayList<>();
                for (Path q = p; q != null && !Files.exists(q, LinkOption.NOFOLLOW_LINKS); q = q.getParent()) missing.add(0, q);
                try {
                    for (Path q : missing) {
                        try {
                            Files.createDirectory(q);
                            setMode(q, mode);
                        } catch (FileAlreadyExistsException e) {
                            if (!Files.isDirectory(q)) throw e; // created meanwhile by a concurrent mkdir -p
                        }
                    }
                    if (missing.isEmpty()) throw new FileAlreadyExistsException(path);
                } catch (FileAlreadyExistsException e) {
                    io.err().add("mkdir: cannot create directory '" + path + "': File exists\n");
                    st = 1;
                } catch (FileSystemException e) {
                    io.err().add("mkdir: cannot create directory '" + path + "': " + reason(e) + "\n");
                    st = 1;
                }
            } else {
                try {
                    Files.createDirectory(p);
                    setMode(p, mode);
                } catch (FileAlreadyExistsException e) {
                    io.err().add("mkdir: cannot create directory '" + path + "': File exists\n");
                    st = 1;
                } catch (FileSystemException e) {
                    io.err().add("mkdir: cannot create directory '" + path + "': " + reason(e) + "\n");
                    st = 1;
                }
            }
        }
        return st;
    }

    /**
     * mkdir -p's usual case without an exception per missing folder (Files.exists built two for each): the folders
     * missing below the deepest one java.io.File's stat finds, made top-down, each with its mode in the create call
     * when this process's umask leaves it whole (else a chmod after, as before). False, leaving it to the caller, at the
     * first that could not be made or when nothing was missing; what it made by then the caller's way would have made too:
     * only a dangling link, the first of the list, is counted missing here and there, and its create fails first.
     */
    private static boolean madeWithParents(Path p, int mode) throws IOException {
        List<Path> missing = new ArrayList<>();
        for (Path q = p; q != null && !q.toFile().exists(); q = q.getParent()) missing.add(q);
        if (missing.isEmpty()) return false;
        java.nio.file.attribute.FileAttribute<?> perms = PosixFilePermissions.asFileAttribute(permissions(mode));
        for (int i = missing.size() - 1; i >= 0; i--) {
            Path q = missing.get(i);
            try {
                Files.createDirectory(q, perms);
            } catch (FileSystemException e) {
                return false;
            }
            if (!createsExactly(mode)) setMode(q, mode);
        }
        return true;
    }

    int chmod(List<String> args, Io io) throws IOException {
        Opts o = opts("chmod", args, "", "");
        if (o.operands().size() < 2) throw new ShellError(1, "chmod: missing operand");
        int mode = octalMode("chmod", o.operands().get(0));
        int st = 0;
        for (String path : o.operands().subList(1, o.operands().size())) {
            Path p = local("chmod", path);
            if (!Files.exists(p)) {
                io.err().add("chmod: cannot access '" + path + "': No such file or directory\n");
                st = 1;
                continue;
            }
            setMode(p, mode);
        }
        return st;
    }

    /** Every file on a sandbox node belongs to root: only root as the owner is accepted, and nothing changes. */
    int chown(List<String> args, Io io) {
        Opts o = opts("chown", args, "", "");
        if (o.operands().size() < 2) throw new ShellError(1, "chown: missing operand");
        String owner = o.operands().get(0);
        if (!Set.of("0:0", "root:root", "0", "root").contains(owner)) {
            throw new ShellError(2, "sandbox node: chown: every file on a sandbox node belongs to root, not " + owner);
        }
        int st = 0;
        for (String path : o.operands().subList(1, o.operands().size())) {
            if (!Files.exists(local("chown", path), LinkOption.NOFOLLOW_LINKS)) {
                io.err().add("chown: cannot access '" + path + "': No such file or directory\n");
                st = 1;
            }
        }
        return st;
    }

    int rm(List<String> args, Io io) throws IOException {
        List<String> a = new ArrayList<>(args);
        boolean oneFileSystem = a.remove("--one-file-system");
        Opts o = opts("rm", a, "fr", "");
        boolean force = o.flags().contains('f');
        boolean recursive = o.flags().contains('r');
        if (o.operands().isEmpty() && !force) throw new ShellError(1, "rm: missing operand");
        int st = 0;
        for (String path : o.operands()) {
            Path p = local("rm", path);
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                if (recursive && p.equals(root.local("/"))) {
                    io.err().add("rm: it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe\n");
                    st = 1;
                    continue;
                }
                if (recursive) {
                    // GNU rm crosses into mounted filesystems (deleting their files) unless --one-file-system
                    Set<String> mounted = mountPoints();
                    st |= removeTree(path, p, oneFileSystem ? otherDevices(path) : Set.of(), mounted, io);
                    continue;
                }
                io.err().add("rm: cannot remove '" + path + "': Is a directory\n");
                st = 1;
                continue;
            }
            try {
                if (!Files.deleteIfExists(p) && !force) {
                    io.err().add("rm: cannot remove '" + path + "': No such file or directory\n");
                    st = 1;
                }
            } catch (DirectoryNotEmptyException e) {
                io.err().add("rm: cannot remove '" + path + "': Is a directory\n");
                st = 1;
            }
        }
        return st;
    }

    /**
     * The node's mount points (field 2 of its /proc/mounts) on another device than the filesystem {@code start} is
     * on, which {@code rm --one-file-system} skips: GNU rm compares device numbers, so it goes on through a bind
     * mount of the same block device (the same field 1, a /dev/ path) and stops only at another filesystem; a
     * pseudo filesystem (tmpfs, overlay, ...) is a device of its own.
     */
    private Set<String> otherDevices(String start) throws IOException {
        Path table = root.local("/proc/mounts");
        if (!Files.exists(table)) return Set.of();
        List<String[]> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(table, StandardCharsets.UTF_8)) {
            String[] f = line.split(" ");
            if (f.length > 1) mounts.add(new String[] {f[0], f[1].replace("\\040", " ")});
        }
        String startDevice = null;
        int longest = -1;
        for (String[] m : mounts) {
            boolean holds = m[1].equals("/") || start.equals(m[1]) || start.startsWith(m[1] + "/");
            if (holds && m[1].length() > longest) {
                longest = m[1].length();
                startDevice = m[0];
            }
        }
        Set<String> out = new java.util.HashSet<>();
        for (String[] m : mounts) {
            boolean sameDevice = m[0].startsWith("/dev/") && m[0].equals(startDevice);
            if (!m[1].equals("/") && !sameDevice) out.add(m[1]);
        }
        return out;
    }

    /** Every mount point of the node (field 2 of its /proc/mounts) but /. */
    private Set<String> mountPoints() throws IOException {
        Path table = root.local("/proc/mounts");
        if (!Files.exists(table)) return Set.of();
        Set<String> out = new java.util.HashSet<>();
        for (String line : Files.readAllLines(table, StandardCharsets.UTF_8)) {
            String[] f = line.split(" ");
            if (f.length > 1 && !f[1].equals("/")) out.add(f[1].replace("\\040", " "));
        }
        return out;
    }

    /**
     * rm -r of one directory, depth first, never following symlinks; skips mount points in {@code skip}; a mount
     * point in {@code mounted} it went through is emptied but stays (rmdir of a mount point: EBUSY).
     */
    private int removeTree(String nodePath, Path dir, Set<String> skip, Set<String> mounted, Io io) throws IOException {
        if (skip.contains(nodePath)) {
            io.err().add("rm: skipping '" + nodePath + "', since it's on a different device\n");
            return 1;
        }
        int st = 0;
        List<Path> children;
        try (java.util.stream.Stream<Path> list = Files.list(dir)) {
            children = list.sorted().toList();
        }
        for (Path c : children) {
            String childPath = (nodePath.endsWith("/") ? nodePath : nodePath + "/") + c.getFileName();
            if (Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)) st |= removeTree(childPath, c, skip, mounted, io);
            else Files.deleteIfExists(c);
        }
        if (st == 0 && mounted.contains(nodePath)) {
            io.err().add("rm: cannot remove '" + nodePath + "': Device or resource busy\n");
            return 1;
        }
        if (st == 0) Files.deleteIfExists(dir);
        return st;
    }

    private List<String> twoOperands(String cmd, Opts o) {
        if (o.operands().size() == 1) {
            throw new ShellError(1, cmd + ": missing destination file operand after '" + o.operands().get(0) + "'");
        }
        if (o.operands().size() != 2) {
            throw new ShellError(2, "sandbox node: " + cmd + ": exactly two operands are supported, got "
                    + o.operands().size());
        }
        return o.operands();
    }

    int mv(List<String> args, Io io) throws IOException {
        List<String> ops = twoOperands("mv", opts("mv", args, "f", ""));
        String src = ops.get(0);
        Path from = local("mv", src);
        if (!Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
            io.err().add("mv: cannot stat '" + src + "': No such file or directory\n");
            return 1;
        }
        String dst = destination("mv", src, ops.get(1));
        Path to = local("mv", dst);
        try {
            try {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (NoSuchFileException e) {
            io.err().add("mv: cannot move '" + src + "' to '" + dst + "': No such file or directory\n");
            return 1;
        } catch (DirectoryNotEmptyException e) {
            io.err().add("mv: cannot move '" + src + "' to '" + dst + "': Directory not empty\n");
            return 1;
        }
        return 0;
    }

    int ln(List<String> args, Io io) throws IOException {
        Opts o = opts("ln", args, "f", "");
        List<String> ops = twoOperands("ln", o);
        String src = ops.get(0);
        Path from = local("ln", src);
        if (!Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
            io.err().add("ln: failed to access '" + src + "': No such file or directory\n");
            return 1;
        }
        if (Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
            io.err().add("ln: " + src + ": hard link not allowed for directory\n");
            return 1;
        }
        String dst = destination("ln", src, ops.get(1));
        Path to = local("ln", dst);
        if (Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
            if (!o.flags().contains('f')) {
                io.err().add("ln: failed to create hard link '" + dst + "': File exists\n");
                return 1;
            }
            if (Files.isSameFile(from, to)) return 0;
            Files.delete(to);
        }
        try {
            Files.createLink(to, from);
        } catch (NoSuchFileException e) {
            io.err().add("ln: failed to create hard link '" + dst + "' => '" + src + "': No such file or directory\n");
            return 1;
        } catch (UnsupportedOperationException e) {
            io.err().add("ln: failed to create hard link '" + dst + "' => '" + src + "': Operation not permitted\n");
            return 1;
        }
        return 0;
    }

    /** The source of cp/install: a file that exists and is not a folder, else null with coreutils' message. */
    private Path copySource(String cmd, String src, String onFolder, Io io) {
        Path from = local(cmd, src);
        if (!Files.exists(from)) {
            io.err().add(cmd + ": cannot stat '" + src + "': No such file or directory\n");
            return null;
        }
        if (Files.isDirectory(from)) {
            io.err().add(cmd + ": " + onFolder + " '" + src + "'\n");
            return null;
        }
        return from;
    }

    /** The local path of a file destination; null (coreutils' message on stderr) when a folder stands there. */
    private Path fileDestination(String cmd, String dst, Io io) {
        Path to = local(cmd, dst);
        if (!Files.isDirectory(to)) return to;
        io.err().add(cmd + ": cannot overwrite directory '" + dst + "' with non-directory\n");
        return null;
    }

    /** cp: an existing destination keeps its inode (written in place); a new one gets the source's mode minus the umask. */
    int cp(List<String> args, Io io, int umask) throws IOException {
        Opts o = opts("cp", args, "p", "");
        List<String> ops = twoOperands("cp", o);
        String src = ops.get(0);
        Path from = copySource("cp", src, "-r not specified; omitting directory", io);
        if (from == null) return 1;
        String dst = destination("cp", src, ops.get(1));
        Path to = fileDestination("cp", dst, io);
        if (to == null) return 1;
        boolean existed = Files.exists(to);
        try {
            if (existed) {
                if (Files.isSameFile(from, to)) {
                    io.err().add("cp: '" + src + "' and '" + dst + "' are the same file\n");
                    return 1;
                }
                try (OutputStream out = Files.newOutputStream(to, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    Files.copy(from, out);
                }
            } else {
                Files.copy(from, to);
            }
        } catch (NoSuchFileException e) {
            io.err().add("cp: cannot create regular file '" + dst + "': No such file or directory\n");
            return 1;
        }
        if (o.flags().contains('p')) {
            setMode(to, mode(from));
            Files.setLastModifiedTime(to, Files.getLastModifiedTime(from));
        } else if (!existed) {
            setMode(to, mode(from) & 0777 & ~umask);
        }
        return 0;
    }

    /** install: a new file (the old destination is unlinked first) owned by root with exactly the given mode. */
    int install(List<String> args, Io io) throws IOException {
        Opts o = opts("install", args, "", "mog");
        for (char c : new char[] {'o', 'g'}) {
            String who = o.values().get(c);
            if (who != null && !who.equals("0") && !who.equals("root")) {
                throw new ShellError(2, "sandbox node: install: every file on a sandbox node belongs to root, not " + who);
            }
        }
        int mode = o.values().containsKey('m') ? octalMode("install", o.values().get('m')) : 0755;
        List<String> ops = twoOperands("install", o);
        String src = ops.get(0);
        Path from = copySource("install", src, "omitting directory", io);
        if (from == null) return 1;
        String dst = destination("install", src, ops.get(1));
        Path to = fileDestination("install", dst, io);
        if (to == null) return 1;
        try {
            Files.deleteIfExists(to);
            Files.copy(from, to);
        } catch (NoSuchFileException e) {
            io.err().add("install: cannot create regular file '" + dst + "': No such file or directory\n");
            return 1;
        }
        setMode(to, mode);
        return 0;
    }

    /**
     * dd in the two forms kubejoin sends: {@code dd of=FILE bs=N count=1|0 iflag=fullblock status=none}, exactly
     * N bytes, and {@code dd of=FILE bs=B count=N iflag=fullblock,count_bytes status=none}, exactly N bytes read in
     * blocks of B (GNU dd's count_bytes: the last block is cut to the count, the rest of stdin stays for the next
     * reader); fewer at end of input (exit 0, as GNU dd) from the command's stdin into FILE, created with 0666 minus
     * the umask or truncated in place (keeping its mode), as open(2) with O_CREAT|O_TRUNC does.
     */
    int dd(List<String> args, Io io, int umask) throws IOException {
        Map<String, String> ops = new LinkedHashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            String key = eq < 0 ? a : a.substring(0, eq);
            if (eq < 0 || !Set.of("of", "bs", "count", "iflag", "status").contains(key) || ops.containsKey(key)) {
                throw unsupportedOption("dd", a);
            }
            ops.put(key, a.substring(eq + 1));
        }
        boolean countBytes = "fullblock,count_bytes".equals(ops.get("iflag"));
        if (!(countBytes || "fullblock".equals(ops.get("iflag"))) || !"none".equals(ops.get("status"))
                || !ops.containsKey("of") || !ops.containsKey("bs") || !ops.containsKey("count")
                || (!countBytes && !Set.of("0", "1").contains(ops.get("count")))) {
            throw unsupportedOption("dd", String.join(" ", args) + " (only of=FILE bs=N count=1|0 iflag=fullblock status=none"
                    + " or of=FILE bs=B count=N iflag=fullblock,count_bytes status=none)");
        }
        if (io.raw() == null) throw new ShellError(2, "sandbox node: dd: only the command's own stdin can be read");
        long bs = number(ops.get("bs"));
        long count = number(ops.get("count"));
        for (String k : List.of("bs", "count")) {
            if (number(ops.get(k)) < (k.equals("bs") ? 1 : 0)) {
                io.err().add("dd: invalid number: '" + ops.get(k) + "'\n");
                return 1;
            }
        }
        // bytes to copy: N (bs=N count=1), none (count=0), or count itself (count_bytes)
        long total = countBytes ? count : count * bs;
        String dst = ops.get("of");
        Path to = local("dd", dst);
        if (Files.isDirectory(to)) {
            io.err().add("dd: failed to open '" + dst + "': Is a directory\n");
            return 1;
        }
        // java.io.File's stat: Files.exists built two exceptions for the missing temp file every dd of a push writes
        boolean created = !to.toFile().exists();
        int mode = 0666 & ~umask;
        try (FileChannel out = created
                // created with its final mode: no moment in which a secret's temp file is readable by others; the
                // mode in the open itself when this process's umask leaves it whole (dd's one open), else a chmod after
                ? FileChannel.open(to, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                        PosixFilePermissions.asFileAttribute(permissions(createsExactly(mode) ? mode : 0600)))
                // dd's O_TRUNC only on a file that was there: the one just created is empty, and truncating it anyway
                // made ext4 (auto_da_alloc) start writing its blocks out at close, in the sandbox's CPU time
                : FileChannel.open(to, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            if (created && !createsExactly(mode)) setMode(to, mode);
            // block by block, as dd: a 100 MiB binary is never one array; one buffer per thread, not one per block
            byte[] buf = DD_BUFFER.get();
            for (long left = total; left > 0; ) {
                int n = io.raw().read(buf, (int) Math.min(left, Math.min(bs, buf.length)));
                for (ByteBuffer b = ByteBuffer.wrap(buf, 0, n); b.hasRemaining(); ) out.write(b);
                if (n == 0) break; // end of input
                left -= n;
            }
        } catch (NoSuchFileException e) {
            io.err().add("dd: failed to open '" + dst + "': No such file or directory\n");
            return 1;
        }
        return 0;
    }

    /** A dd operand's number (digits only, as kubejoin writes them), or -1. */
    private static long number(String v) {
        if (v == null || v.isEmpty() || v.length() > 18 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) return -1;
        return Long.parseLong(v);
    }
}
