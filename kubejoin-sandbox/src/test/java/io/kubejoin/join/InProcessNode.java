package io.kubejoin.join;

import io.kubejoin.remote.ExecResult;
import io.kubejoin.sandbox.SandboxNode;
import java.time.Duration;

/**
 * A sandbox machine reached without SSH: commands go straight to its {@link SandboxNode} (the sandbox's shell,
 * systemd and agents), files into its root folder. For join tests that want the simulated kubelet and kube-proxy
 * without the SSH server in between (the e2e suite has it).
 */
final class InProcessNode extends FolderNode {
    final SandboxNode node;

    InProcessNode(SandboxNode node) {
        super(node.root());
        this.node = node;
    }

    @Override
    public String target() {
        return "in-process:" + node.name();
    }

    @Override
    public ExecResult exec(String command, Duration timeout) {
        return node.exec(command);
    }
}
