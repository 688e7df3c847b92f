package io.kubejoin.join;

import io.kubejoin.remote.ExecResult;
import io.kubejoin.remote.LocalTransport;
import io.kubejoin.remote.Negotiated;
import io.kubejoin.remote.PushResult;
import io.kubejoin.remote.RemoteFile;
import io.kubejoin.remote.Transport;
import io.kubejoin.remote.TransportException;
import io.kubejoin.sandbox.SandboxNode;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A sandbox machine reached without SSH: commands go straight to its {@link SandboxNode} (the sandbox's shell,
 * systemd and agents), files through {@link LocalTransport} into its root folder. For join tests that want the
 * simulated kubelet and kube-proxy without the SSH server in between (the e2e suite has it).
 */
final class InProcessNode implements Transport {
    final SandboxNode node;
    private final LocalTransport files;

    InProcessNode(SandboxNode node) {
        this.node = node;
        this.files = new LocalTransport(node.root());
    }

    @Override
    public String target() {
        return "in-process:" + node.name();
    }

    @Override
    public ExecResult exec(String command, Duration timeout) {
        return node.exec(command);
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
        // the machine outlives one run's connection, as a real one does
    }
}
