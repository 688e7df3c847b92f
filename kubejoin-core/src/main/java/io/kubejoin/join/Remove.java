package io.kubejoin.join;

import io.kubejoin.cluster.Access;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.cluster.NodeDrainer;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.remote.Transport;
import io.kubejoin.remote.TransportException;
import io.kubejoin.render.NodeFiles;
import io.kubejoin.render.RenderedFile;
import io.kubejoin.util.UserFacingException;
import io.kubejoin.version.KubeVersion;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Takes a worker out of the cluster for good (issue 15): cordon, drain through the Eviction API ({@link NodeDrainer}),
 * then {@link Reset#full} — stop and disable kubelet and kube-proxy, remove what kubejoin installed, delete the Node,
 * the node's bootstrap tokens and its pending CSRs. {@code reset --full} is this operation without cordon and drain.
 * The machine is reached over SSH before anything changes, so a node that cannot be reached changes nothing unless
 * {@code force}: then only the cluster forgets it, and what stays on the machine is listed.
 */
public final class Remove {
    private Remove() {
    }

    /**
     * @param skipDrain cordon only, evict nothing (the pods go with the node's kubelet)
     * @param force     NodeDrainer's force (bare pods evicted, budgets overridden at the timeout), and a node that
     *                  cannot be reached is still removed from the cluster
     */
    public record Options(boolean skipDrain, boolean force, NodeDrainer.Options drain) {
    }

    public enum Result { REMOVED, CLUSTER_ONLY, FAILED }

    /**
     * What happened to one node.
     *
     * @param done    what was done, in order
     * @param stays   what stays on the machine, with the reason
     * @param failure null unless the node failed: what went wrong, what state it is in and the fix
     */
    public record Outcome(String node, Result result, List<String> done, List<String> stays, String failure) {
        public boolean failed() {
            return result == Result.FAILED;
        }
    }

    /**
     * Removes one node. Never throws for the node's own failures (they are the outcome); a lost API server or a
     * refusal of the admin's rights ends the command as elsewhere.
     *
     * @param binarySha256 the binaries kubejoin installs, by node path ({@link #installedBinaries}); empty when the
     *                     inventory names none
     */
    public static Outcome run(Inventory inv, Node node, KubeConnection conn, KubeVersion apiServer,
                              JoinRunner.TransportFactory transports, List<RenderedFile> files,
                              Map<String, String> binarySha256, Options o, Consumer<String> progress, Clock clock) {
        String name = node.name();
        List<String> done = new ArrayList<>();
        Transport t;
        try {
            t = transports.open(node); // before anything changes: an unreachable node is decided here
        } catch (TransportException e) {
            if (!o.force()) {
                return new Outcome(name, Result.FAILED, done, List.of(), "cannot reach the node over SSH: " + e.getMessage()
                        + "; nothing was changed (fix: make it reachable and run remove again, or add --force to delete it "
                        + "from the cluster only and leave the machine as it is)");
            }
            progress.accept(name + ": cannot reach the node over SSH (" + e.getMessage() + "): --force: removing it from the "
                    + "cluster only; it is not drained (its kubelet could not confirm the evictions)");
            done.addAll(Reset.forget(conn, name, clock));
            done.forEach(l -> progress.accept(name + ": " + l));
            return new Outcome(name, Result.CLUSTER_ONLY, done, leftOnMachine(inv, files, binarySha256), null);
        }
        try (t) {
            boolean registered = conn.call(Access.cluster("get", "nodes"), () -> conn.client().nodes().withName(name).get() != null);
            if (!registered) {
                progress.accept(name + ": no Node registered in the cluster: nothing to cordon or drain");
            } else {
                NodeDrainer drainer = new NodeDrainer(conn, apiServer, o.drain().withForce(o.force()), l -> progress.accept(name + ": " + l));
                if (o.skipDrain()) {
                    drainer.cordon(name); // nothing new lands on it while its kubelet is stopped
                    done.add("cordoned, not drained (--skip-drain): its pods end with its kubelet");
                } else {
                    NodeDrainer.Result r;
                    try {
                        r = drainer.drain(name);
                    } catch (UserFacingException e) { // kubectl's filters refused: nothing changed
                        boolean refused = e.getMessage().startsWith("cannot drain node");
                        return new Outcome(name, Result.FAILED, done, List.of(), e.getMessage()
                                + (refused ? " (fix: --delete-emptydir-data, --force, or move those pods first)" : ""));
                    }
                    if (!r.completed()) {
                        return new Outcome(name, Result.FAILED, done, List.of(), r.failure()
                                + "; nothing was removed: fix it and run remove again, or 'kubectl uncordon " + name + "' to keep the node");
                    }
                    done.add("drained: " + r.evicted().size() + " pod(s) evicted"
                            + (r.forceDeleted().isEmpty() ? "" : ", " + r.forceDeleted().size() + " deleted despite their budget (--force)")
                            + (r.left().isEmpty() ? "" : "; left to their controllers: " + String.join(", ",
                            r.left().stream().map(l -> l.pod() + " (" + l.reason() + ")").toList())));
                }
            }
            Reset.Undone u;
            try {
                u = Reset.full(inv, node, conn, t, files, binarySha256, clock);
            } catch (PhaseFailure f) {
                return new Outcome(name, Result.FAILED, done, List.of(), f.getMessage()
                        + (registered ? "; the Node is kept, cordoned" : "") + " (fix: " + f.hint() + ")");
            }
            done.addAll(u.done());
            u.done().forEach(l -> progress.accept(name + ": " + l));
            if (!u.problems().isEmpty()) {
                return new Outcome(name, Result.FAILED, done, u.kept(), "not everything was removed: " + String.join("; ", u.problems()));
            }
            return new Outcome(name, Result.REMOVED, done, u.kept(), null);
        }
    }

    /** The binaries kubejoin installs on every node (sha256 by node path); empty when the inventory supplies none. */
    public static Map<String, String> installedBinaries(Inventory inv) {
        Map<String, String> out = new HashMap<>();
        if (!inv.binaries().managed()) return out;
        NodeBinaries b = NodeBinaries.load(inv.binaries());
        NodeFiles p = new NodeFiles(inv.paths());
        out.put(p.kubeletBinary(), b.sha256(NodeBinaries.KUBELET));
        out.put(p.kubeProxyBinary(), b.sha256(NodeBinaries.KUBE_PROXY));
        return out;
    }

    /** What a join leaves on a machine that remove could not reach: all of it, said so the operator can clean it. */
    static List<String> leftOnMachine(Inventory inv, List<RenderedFile> files, Map<String, String> binarySha256) {
        NodeFiles paths = new NodeFiles(inv.paths());
        List<String> out = new ArrayList<>();
        out.add("kubelet and kube-proxy, enabled (and running if the machine is up): kubelet still holds its client "
                + "certificate and registers the Node again when it runs; when the machine is reachable, run remove on it again");
        List<String> installed = new ArrayList<>(files.stream().map(RenderedFile::path).toList());
        installed.add(paths.kubeletKubeconfig());
        installed.add(paths.certDir() + "/kubelet-client-*.pem");
        out.add("the files kubejoin installed: " + String.join(", ", installed));
        if (!binarySha256.isEmpty()) out.add("the binaries kubejoin installed: " + String.join(", ", binarySha256.keySet().stream().sorted().toList()));
        out.add("kubelet's and kube-proxy's data folders " + paths.kubeletRootDir() + " and " + paths.kubeProxyWorkDir()
                + " (pod volumes may be mounted below the first)");
        out.add("kube-proxy's service rules in the kernel (kube-proxy --cleanup removes them)");
        out.add("its pods' containers: the Node is gone, so kube-controller-manager's pod garbage collector deletes "
                + "the pods bound to it and their controllers recreate them elsewhere");
        return out;
    }
}
