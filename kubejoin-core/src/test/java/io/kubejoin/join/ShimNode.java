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
final class ShimNode extends FolderNode {
    final Path state;
    private final Path bin;

    ShimNode(Path root) throws IOException {
        super(root);
        this.state = root.resolve("shim-state");
        this.bin = root.resolve("shim-bin");
        io.kubejoin.testing.ShimScripts.install(bin, state);
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
        return files().exec("export PATH='" + bin + "':\"$PATH\"; " + rooted, timeout);
    }

    /** An opening quote of an absolute path (not the closing quote of 'dir'/glob). */
    private static final java.util.regex.Pattern QUOTED_PATH = java.util.regex.Pattern.compile("(^|[\\s=])'/");
    private static final java.util.regex.Pattern UNROOTED =
            java.util.regex.Pattern.compile("(^|[\\s=])/(etc|data|opt|var|run|usr|sys|proc|srv|home|root)(/|\\s|$)");
}
