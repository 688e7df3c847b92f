package io.kubejoin.join;

import io.kubejoin.remote.ExecResult;
import io.kubejoin.remote.LocalTransport;
import io.kubejoin.remote.Negotiated;
import io.kubejoin.remote.PushResult;
import io.kubejoin.remote.RemoteFile;
import io.kubejoin.remote.Transport;
import io.kubejoin.remote.TransportException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A test node: files land under a root folder (the real LocalTransport), and commands run for real through sh with
 * systemctl, journalctl and modprobe replaced by shims that record calls and keep service state in files — so no
 * test ever touches this machine's systemd or kernel.
 */
final class ShimNode implements Transport {
    final Path root;
    final Path state;
    private final Path bin;
    private final LocalTransport files;

    ShimNode(Path root) throws IOException {
        this.root = root;
        this.state = root.resolve("shim-state");
        this.bin = root.resolve("shim-bin");
        io.kubejoin.testing.ShimScripts.install(bin, state);
        this.files = new LocalTransport(root);
    }

    /** Lines the shims recorded, in order. */
    List<String> log() throws IOException {
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
        // kubejoin single-quotes every node path it puts in a command: re-root them under this node's folder, and
        // refuse any other absolute path, so no test command ever touches this machine's /etc, /data or /opt
        String rooted = QUOTED_PATH.matcher(command).replaceAll("$1'" + java.util.regex.Matcher.quoteReplacement(root.toString()) + "/");
        if (UNROOTED.matcher(rooted).find()) {
            throw new AssertionError("command with an unquoted node path would run on this machine: " + command);
        }
        return files.exec("export PATH='" + bin + "':\"$PATH\"; " + rooted, timeout);
    }

    /** An opening quote of an absolute path (not the closing quote of 'dir'/glob). */
    private static final java.util.regex.Pattern QUOTED_PATH = java.util.regex.Pattern.compile("(^|[\\s=])'/");
    private static final java.util.regex.Pattern UNROOTED =
            java.util.regex.Pattern.compile("(^|[\\s=])/(etc|data|opt|var|run|usr|sys|proc|srv|home|root)(/|\\s|$)");

    @Override
    public Map<String, String> sha256(Collection<String> paths) throws TransportException {
        return files.sha256(paths);
    }

    @Override
    public Optional<String> readText(String path) throws TransportException {
        return files.readText(path);
    }

    @Override
    public PushResult push(List<RemoteFile> list) throws TransportException {
        return files.push(list);
    }

    @Override
    public Optional<Negotiated> negotiated() {
        return Optional.empty();
    }

    @Override
    public void close() {
        files.close();
    }
}
