package io.kubejoin.join;

import io.kubejoin.remote.LocalTransport;
import io.kubejoin.remote.Negotiated;
import io.kubejoin.remote.PushResult;
import io.kubejoin.remote.RemoteFile;
import io.kubejoin.remote.Transport;
import io.kubejoin.remote.TransportException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A test node whose "/" is a folder: files go there through the real {@link LocalTransport}; subclasses say how
 * commands run. No SSH, so nothing is negotiated, and the node outlives a run's connection.
 */
abstract class FolderNode implements Transport {
    final Path root;
    private final LocalTransport files;

    FolderNode(Path root) {
        this.root = root;
        this.files = new LocalTransport(root);
    }

    /** The local transport into the folder (its exec runs sh on this machine, not re-rooted). */
    LocalTransport files() {
        return files;
    }

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
        // nothing held: the machine outlives one run's connection, as a real one does
    }
}
