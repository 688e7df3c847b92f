package io.kubejoin.remote;

import io.kubejoin.util.SecureFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link Transport} for kubejoin running on the node itself ({@code --local}): commands through {@code sh -c},
 * files written directly with the same temp + mode + backup + rename steps as over SSH.
 *
 * <p>{@code root} prefixes every destination: "/" on a real node; a temp folder in tests, so
 * "/etc/kubernetes/x" lands at {@code root/etc/kubernetes/x}. Commands are not re-rooted. Files are owned by the
 * user kubejoin runs as (root on a node; kubejoin does not chown).
 */
public final class LocalTransport implements Transport {
    private final Path root;

    public LocalTransport(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** On the node itself: destinations are real absolute paths. */
    public static LocalTransport onThisMachine() {
        return new LocalTransport(Path.of("/"));
    }

    @Override
    public String target() {
        return "local";
    }

    /** Where a destination path lands on this machine. */
    public Path resolve(String path) {
        RemotePaths.requireAbsolute(path);
        return root.resolve(path.substring(1));
    }

    @Override
    public ExecResult exec(String command, Duration timeout) throws TransportException {
        Process p;
        try {
            p = new ProcessBuilder("sh", "-c", command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File(
                    "/dev/null"))).start();
        } catch (IOException e) {
            throw new TransportException(TransportException.Kind.REMOTE_FAILURE, target(), "cannot start sh: "
                    + e.getMessage(), e);
        }
        // both pipes drained concurrently: a command filling stderr must not block on a full stdout pipe
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new TransportException(TransportException.Kind.COMMAND_TIMEOUT, target(),
                        "command did not finish within " + timeout.toSeconds() + " s and was killed");
            }
            return new ExecResult(p.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new TransportException(TransportException.Kind.COMMAND_TIMEOUT, target(), "interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            // a background child kept the pipes open after sh exited
            return new ExecResult(p.exitValue(), out.getNow(""), err.getNow("") + "[output incomplete]");
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (in) {
                BoundedOutput b = new BoundedOutput(BoundedOutput.DEFAULT_LIMIT);
                in.transferTo(b);
                f.complete(b.text());
            } catch (IOException e) {
                f.completeExceptionally(e);
            }
        }, "kubejoin-local-exec");
        t.setDaemon(true);
        t.start();
        return f;
    }

    @Override
    public Map<String, String> sha256(Collection<String> paths) throws TransportException {
        Map<String, String> out = new HashMap<>();
        for (String path : paths) {
            String h = hash(resolve(path));
            if (h != null) out.put(path, h);
        }
        return out;
    }

    @Override
    public Map<String, String> sha256(Collection<String> paths, Map<String, Long> sizeFirst) throws TransportException {
        Map<String, String> out = sha256(paths);
        for (Map.Entry<String, Long> e : sizeFirst.entrySet()) {
            Path file = resolve(e.getKey());
            long size;
            try {
                if (!Files.isRegularFile(file)) continue;
                size = Files.size(file);
            } catch (IOException ex) {
                continue; // as stat 2>/dev/null: unreadable counts as absent
            }
            String h = size == e.getValue() ? hash(file) : SIZE_DIFFERS + size;
            if (h != null) out.put(e.getKey(), h);
        }
        return out;
    }

    private String hash(Path file) throws TransportException {
        if (!Files.isRegularFile(file)) return null;
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchFileException e) {
            return null;
        } catch (java.nio.file.AccessDeniedException e) {
            return null; // as sha256sum 2>/dev/null: unreadable counts as absent
        } catch (IOException e) {
            throw new TransportException(TransportException.Kind.REMOTE_FAILURE, target(), "cannot read " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Optional<String> readText(String path) throws TransportException {
        Path p = resolve(path);
        if (!Files.isRegularFile(p)) return Optional.empty();
        try {
            return Optional.of(new String(Files.readAllBytes(p), StandardCharsets.UTF_8)); // lenient, as over SSH
        } catch (IOException e) {
            throw new TransportException(TransportException.Kind.REMOTE_FAILURE, target(), "cannot read " + p + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public PushResult push(List<RemoteFile> files) throws TransportException {
        RemotePaths.requireDistinct(files);
        Map<String, RemotePaths.RemoteState> state = new HashMap<>();
        for (RemoteFile f : files) {
            Path p = resolve(f.path());
            String h = hash(p);
            if (h != null) {
                try {
                    state.put(f.path(), new RemotePaths.RemoteState(h, SecureFiles.mode(p), -1));
                } catch (IOException e) {
                    throw new TransportException(TransportException.Kind.REMOTE_FAILURE, target(), "cannot stat " + p, e);
                }
            }
        }
        PushPlan plan = PushPlan.of(files, state, false);
        Set<String> backedUp = new HashSet<>();
        try {
            for (RemoteFile f : plan.write()) {
                if (place(f)) backedUp.add(f.path());
            }
            for (RemoteFile f : plan.fixModeOnly()) {
                Files.setPosixFilePermissions(resolve(f.path()), SecureFiles.permissions(f.mode()));
            }
        } catch (IOException e) {
            throw new TransportException(TransportException.Kind.REMOTE_FAILURE, target(),
                    "cannot place files: " + e, e);
        }
        return plan.result(files, backedUp);
    }

    /** Temp file (0600 from creation, final mode once complete), backup, rename; true when a backup was kept. */
    private boolean place(RemoteFile f) throws IOException {
        Path dest = resolve(f.path());
        Path dir = dest.getParent();
        createDirectories(dir);
        if (Files.isDirectory(dest, LinkOption.NOFOLLOW_LINKS)) throw new IOException(dest + " is a folder");
        Path tmp = resolve(RemotePaths.tmp(f.path()));
        Files.deleteIfExists(tmp); // a leftover keeps its old mode and owner: start from a fresh file
        try (FileChannel ch = FileChannel.open(tmp, EnumSet.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(SecureFiles.permissions(0600)))) {
            f.writeTo(ch);
            ch.force(true); // the rename must not reach the disk before the data on a crash
        }
        Files.setPosixFilePermissions(tmp, SecureFiles.permissions(f.mode()));
        boolean backup = false;
        if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
            Path bak = resolve(RemotePaths.bak(f.path()));
            Files.deleteIfExists(bak);
            try {
                Files.createLink(bak, dest); // the old inode, mode and owner, no copy
            } catch (IOException | UnsupportedOperationException e) {
                Files.copy(dest, bak, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
            }
            backup = true;
        }
        try {
            Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dest, StandardCopyOption.REPLACE_EXISTING);
        }
        return backup;
    }

    /** Missing folders get 0755 whatever the umask, as over SSH. */
    private static void createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) return;
        createDirectories(dir.getParent());
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(SecureFiles.permissions(0755)));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) throw new IOException(dir + " exists and is not a folder", e);
            return;
        }
        Files.setPosixFilePermissions(dir, SecureFiles.permissions(0755));
    }

    @Override
    public Optional<Negotiated> negotiated() {
        return Optional.empty();
    }

    @Override
    public void close() {
        // nothing held
    }
}
