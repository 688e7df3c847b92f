package io.kubejoin.sandbox.node;

import io.kubejoin.remote.ExecResult;
import java.util.List;

/**
 * The programs of a simulated node that are not file operations: systemd's {@code systemctl}, journald's
 * {@code journalctl}, {@code curl} to the node agents' healthz, the kernel's {@code modprobe}/{@code modinfo},
 * {@code ss}, and the proxy-rule tools ({@code ipvsadm}, {@code nft}, {@code iptables-save}). {@code NodeShell}
 * runs file commands itself and hands these over.
 */
public interface NodePrograms {
    /**
     * Runs {@code program} with {@code args}; null when this node has no such program (the shell then fails the
     * command loudly with exit 127).
     *
     * @param stdin what a pipeline fed the program ("" when nothing)
     */
    ExecResult run(String program, List<String> args, String stdin);

    /**
     * Where {@code program} is on this node's PATH ({@code command -v}), or null when the node has no such program.
     * By default: nowhere, so a node that says nothing has none.
     */
    default String which(String program) {
        return null;
    }
}
