package io.kubejoin.join.phases;

import io.kubejoin.join.NodeBinaries;
import io.kubejoin.join.NodeCommands;
import io.kubejoin.join.NodeContext;
import io.kubejoin.join.NodePhase;
import io.kubejoin.join.PhaseFailure;
import io.kubejoin.join.PhaseResult;
import io.kubejoin.remote.PushResult;
import io.kubejoin.remote.RemoteFile;
import io.kubejoin.remote.TransportException;
import io.kubejoin.remote.script.StartScripts;
import java.util.List;

/**
 * B3: places kubelet and kube-proxy in the bin folder (0755), skipped when the node's sha256 already matches — the
 * push hashes on the node, so a corrupted copy is replaced. Without binaries in the inventory, it only checks that
 * both are installed and executable.
 */
public final class BinariesPhase implements NodePhase {
    private final NodeBinaries binaries;

    /** @param binaries null when the inventory names no binaries (installed by other means) */
    public BinariesPhase(NodeBinaries binaries) {
        this.binaries = binaries;
    }

    @Override
    public String name() {
        return "binaries";
    }

    @Override
    public String description() {
        return "push kubelet and kube-proxy (from binaries.dir or the node tarball), skipped when the sha256 on the "
                + "node matches; without binaries: check they are installed";
    }

    @Override
    public PhaseResult run(NodeContext ctx) throws PhaseFailure {
        String kubelet = ctx.paths().kubeletBinary();
        String proxy = ctx.paths().kubeProxyBinary();
        if (binaries == null) {
            if (!NodeCommands.exec(ctx.transport(), StartScripts.binariesInstalled(kubelet, proxy)).ok()) {
                throw new PhaseFailure(kubelet + " or " + proxy + " is missing or not executable",
                        "install the release binaries there, or name them in the inventory: binaries: { tarball: "
                                + "kubernetes-node-linux-amd64.tar.gz }");
            }
            return PhaseResult.unchanged("kubelet and kube-proxy installed (not managed by kubejoin)");
        }
        List<RemoteFile> files = List.of(binaries.file(NodeBinaries.KUBELET, kubelet, 0755),
                binaries.file(NodeBinaries.KUBE_PROXY, proxy, 0755));
        try {
            PushResult r = ctx.transport().push(files);
            ctx.recordChanged(r.changed());
            return new PhaseResult(r.anyChanged(), r.anyChanged() ? "installed " + String.join(", ", r.changed())
                    : "kubelet and kube-proxy up to date (sha256 matches)", r.changed());
        } catch (TransportException e) {
            throw new PhaseFailure("pushing the binaries failed: " + e.getMessage(),
                    "no binary is left half-written; run the join again", List.of(), e.isTransient(), e);
        }
    }
}
