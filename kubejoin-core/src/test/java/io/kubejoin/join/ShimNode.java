package io.kubejoin.join;

import io.kubejoin.remote.ExecResult;
import io.kubejoin.remote.TransportException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * A test node: files land under a root folder (the real LocalTransport), and commands run for real through sh with
 * systemctl, journalctl and modprobe replaced by shims that record calls and keep service state in files — so no
 * test ever touches this machine's systemd or kernel.
 */
public final class ShimNode extends FolderNode {
    public final Path state;
    public final Path bin;

    public ShimNode(Path root) throws IOException {
        super(root);
        this.state = root.resolve("shim-state");
        this.bin = root.resolve("shim-bin");
        io.kubejoin.testing.ShimScripts.install(bin, state);
    }

    /** Lines the shims recorded, in order. */
    public List<String> log() throws IOException {
        return io.kubejoin.testing.ShimScripts.log(state);
    }

    void failService(String unit, String... journal) throws IOException {
        Files.writeString(state.resolve("fail-" + unit), "");
        Files.writeString(state.resolve("journal-" + unit), String.join("\n", Arrays.asList(journal)) + "\n");
    }

    @Override
    public String target() {
        return "shim:" + root.getFileName();
    }

    @Override
    public ExecResult exec(String command, Duration timeout) throws TransportException {
        return files().exec(shimmed(command), timeout);
    }

    /**
     * As {@link #exec(String, Duration)}, with {@code stdin} as the command's standard input (the bytes of an inline
     * push): what SSH's exec channel gives a command.
     */
    public ExecResult exec(String command, byte[] stdin, Duration timeout) throws IOException, InterruptedException {
        return exec(command, stdin, timeout, List.of());
    }

    /**
     * As {@link #exec(String, byte[], Duration)}, sh started by {@code launcher} (say {@code unshare -m}: a mount
     * namespace of the command's own, for mounts that must not outlive it).
     */
    public ExecResult exec(String command, byte[] stdin, Duration timeout, List<String> launcher)
            throws IOException, InterruptedException {
        List<String> argv = new java.util.ArrayList<>(launcher);
        argv.addAll(List.of("sh", "-c", shimmed(command)));
        Process p = new ProcessBuilder(argv).start();
        java.util.concurrent.CompletableFuture<byte[]> out = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        java.util.concurrent.CompletableFuture<byte[]> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        try (var in = p.getOutputStream()) {
            in.write(stdin);
        } catch (IOException e) {
            // the command ended without reading all of it: its exit code says so
        }
        if (!p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("command did not finish within " + timeout + ": " + command);
        }
        return new ExecResult(p.exitValue(), new String(out.join(), java.nio.charset.StandardCharsets.UTF_8),
                new String(err.join(), java.nio.charset.StandardCharsets.UTF_8));
    }

    private static byte[] readAll(java.io.InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The command as it runs here: quoted node paths re-rooted, the shims first on PATH. */
    private String shimmed(String command) {
        // kubejoin single-quotes every node path it puts in a command: re-root them under this node's folder, and
        // refuse any other absolute path, so no test command ever touches this machine's /etc, /data or /opt
        String rooted = QUOTED_PATH.matcher(command).replaceAll("$1'" + java.util.regex.Matcher.quoteReplacement(root.toString()) + "/");
        // (a quoted text that only mentions a path, an echoed "C /etc/x", is no path argument)
        if (UNROOTED.matcher(rooted.replaceAll("'[^']*'", "''")).find()) {
            throw new AssertionError("command with an unquoted node path would run on this machine: " + command);
        }
        return "export PATH='" + bin + "':\"$PATH\"; " + rooted;
    }

    /**
     * An opening quote of an absolute path, the root itself included ({@code '/'}: a {@code tar -C '/'} once wrote into
     * this machine's /etc), not the closing quote of 'dir'/glob, nor a sed address '/re/'.
     */
    private static final java.util.regex.Pattern QUOTED_PATH = java.util.regex.Pattern.compile("(^|[\\s=])'/(?=[A-Za-z0-9_.'])");
    private static final java.util.regex.Pattern UNROOTED =
            java.util.regex.Pattern.compile("(^|[\\s=])/(etc|data|opt|var|run|usr|sys|proc|srv|home|root)(/|\\s|$)");
}
