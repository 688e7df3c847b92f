package io.kubejoin.remote;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The way to one node: commands, file hashes and atomic file pushes. One per node, reused for all of its phases.
 * Commands run as root (through {@code sudo -n} when logging in as another user).
 */
public interface Transport extends AutoCloseable {
    /** "root@10.0.0.5:22", or "local". */
    String target();

    /**
     * Runs {@code command} with {@code sh}-compatible syntax on the node.
     *
     * @throws TransportException on timeout (the channel is closed) or a lost connection; never for a non-zero exit
     */
    ExecResult exec(String command, Duration timeout) throws TransportException;

    /**
     * sha256 (lower-case hex) of each existing regular file among {@code paths}, in one remote command; missing or
     * unreadable files are absent from the map.
     */
    Map<String, String> sha256(Collection<String> paths) throws TransportException;

    /** How {@link #sha256(Collection, Map)} gives a file whose size differs: this, then the size on the node. */
    String SIZE_DIFFERS = "size ";

    /**
     * {@link #sha256(Collection)} of {@code paths} and of {@code sizeFirst}'s paths, in one remote command, but a file
     * of {@code sizeFirst} (path to expected size) whose size is another is not hashed: it maps to
     * {@link #SIZE_DIFFERS} and its size, which never equals a sha256. For plan's look at tens of MB of binaries.
     * This default hashes them all.
     */
    default Map<String, String> sha256(Collection<String> paths, Map<String, Long> sizeFirst) throws TransportException {
        List<String> all = new java.util.ArrayList<>(paths);
        all.addAll(sizeFirst.keySet());
        return sha256(all);
    }

    /**
     * The content of a text file on the node (read as root), for {@code plan}'s diffs; empty when it is not a
     * regular file. Output beyond 4 MiB is cut.
     */
    Optional<String> readText(String path) throws TransportException;

    /**
     * Places each file unless the node already has the same bytes (one hashing command for all of them). A changed
     * file is written to {@code .<name>.kubejoin-tmp} in its folder, given its mode, the old file is kept as
     * {@code <name>.kubejoin-bak}, and the temp file is renamed over the destination, so a destination is always
     * either the old file or the complete new one. Missing folders are created with mode 0755.
     * A mode-only difference is not detected (the hash compares content).
     */
    PushResult push(List<RemoteFile> files) throws TransportException;

    /** Key exchange and cipher in use, for SSH; empty for the local transport. */
    Optional<Negotiated> negotiated();

    @Override
    void close();
}
