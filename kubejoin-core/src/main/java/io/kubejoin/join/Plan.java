package io.kubejoin.join;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.join.phases.StartServicePhase;
import io.kubejoin.remote.ExecResult;
import io.kubejoin.remote.Transport;
import io.kubejoin.remote.script.StartScripts;
import io.kubejoin.remote.TransportException;
import io.kubejoin.render.KubeletConfigRenderer;
import io.kubejoin.render.NodeFiles;
import io.kubejoin.render.RenderedFile;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code kubejoin plan}: what a join would change on each node — files new, changed (with a diff for text files
 * that hold no secret) or unchanged, and the services it would restart — reading the nodes, changing nothing.
 * What upgrade would do (a kubelet of another release) comes from {@link PlanUpgrades}, joined in with
 * {@link NodePlan#withUpgrade}.
 */
public final class Plan {
    private static final java.time.Duration UNIT_STATES_TIMEOUT = java.time.Duration.ofSeconds(30);

    public enum FileState { NEW, CHANGED, UNCHANGED }

    /** @param diff unified diff lines; empty for unchanged files and for files carrying a secret */
    public record FilePlan(String path, FileState state, boolean secret, List<String> diff) {
    }

    /**
     * @param restarts units join would restart because their files change
     * @param starts   the others join would still touch, with why: "kubelet (not running: join starts it)",
     *                 "kube-proxy (not enabled: join enables it)"
     * @param error    why the node could not be read, else null
     * @param upgrade  its kubelet runs another release than the inventory's: what {@code kubejoin upgrade} would do
     *                 (or why it refuses); null when it runs the inventory's release, is not joined, or the cluster was
     *                 not read
     */
    public record NodePlan(String node, List<FilePlan> files, List<String> restarts, List<String> starts, String error,
                           PlanUpgrades.NodeUpgrade upgrade, List<String> prepare) {
        public NodePlan(String node, List<FilePlan> files, List<String> restarts, List<String> starts, String error) {
            this(node, files, restarts, starts, error, null, List.of());
        }

        public long changes() {
            return files.stream().filter(f -> f.state() != FileState.UNCHANGED).count();
        }

        /**
         * Whether anything is pending on the node: a file join would change, a unit it restarts, starts or enables,
         * a node-prep command, or a kubelet of another release (upgrade's work, or a downgrade it refuses: either way
         * not the inventory's).
         */
        public boolean pending() {
            return changes() > 0 || !restarts.isEmpty() || !starts.isEmpty() || !prepare.isEmpty() || upgrade != null;
        }

        public NodePlan withUpgrade(PlanUpgrades.NodeUpgrade u) {
            return new NodePlan(node, files, restarts, starts, error, u, prepare);
        }
    }

    private Plan() {
    }

    /** A binary the binaries phase would place: destination, sha256 and size of the inventory's source. */
    record Binary(String path, String sha256, long size) {
    }

    public static List<NodePlan> plan(Inventory inv, Map<String, List<RenderedFile>> filesByNode,
                                      JoinRunner.TransportFactory transports, int parallel) throws InterruptedException {
        return plan(inv, filesByNode, null, transports, parallel);
    }

    /**
     * @param binaries the inventory's kubelet and kube-proxy (as join's binaries phase pushes them), or null when it
     *                 names none (then join only checks they are installed, and plan does not look at them)
     */
    public static List<NodePlan> plan(Inventory inv, Map<String, List<RenderedFile>> filesByNode, NodeBinaries binaries,
                                      JoinRunner.TransportFactory transports, int parallel) throws InterruptedException {
        return plan(inv, filesByNode, binaries, transports, parallel, false);
    }

    /** @param prepare also what {@code join --prepare}'s node-prep would change: its files (with diffs) and commands */
    public static List<NodePlan> plan(Inventory inv, Map<String, List<RenderedFile>> filesByNode, NodeBinaries binaries,
                                      JoinRunner.TransportFactory transports, int parallel, boolean prepare) throws InterruptedException {
        List<Binary> bins = binaries(inv, binaries);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(parallel, inv.nodes().size())));
        try {
            List<Future<NodePlan>> futures = new ArrayList<>();
            for (Node node : inv.nodes()) {
                futures.add(pool.submit(() -> {
                    try (Transport t = transports.open(node)) {
                        NodePlan p = planNode(inv, node, filesByNode.getOrDefault(node.name(), List.of()), bins, t);
                        return prepare ? withPrep(inv, node, p, t) : p;
                    } catch (TransportException e) {
                        return new NodePlan(node.name(), List.of(), List.of(), List.of(), e.getMessage());
                    }
                }));
            }
            List<NodePlan> plans = new ArrayList<>();
            for (Future<NodePlan> f : futures) {
                try {
                    plans.add(f.get());
                } catch (ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
            return plans;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The binaries phase's files, hashed once for every node. */
    static List<Binary> binaries(Inventory inv, NodeBinaries binaries) {
        if (binaries == null) return List.of();
        NodeFiles paths = new NodeFiles(inv.paths());
        List<Binary> out = new ArrayList<>();
        for (String[] b : List.of(new String[] {paths.kubeletBinary(), NodeBinaries.KUBELET},
                new String[] {paths.kubeProxyBinary(), NodeBinaries.KUBE_PROXY})) {
            // the run's shared digest: upgrade plans every node, and hashing 90 MiB again per node was its CPU
            out.add(new Binary(b[0], binaries.sha256(b[1]), binaries.get(b[1]).size()));
        }
        return out;
    }

    public static NodePlan planNode(Inventory inv, Node node, List<RenderedFile> files, Transport t)
            throws TransportException {
        return planNode(inv, node, files, List.of(), t);
    }

    static NodePlan planNode(Inventory inv, Node node, List<RenderedFile> files, List<Binary> binaries, Transport t)
            throws TransportException {
        // as node-preflight does for the join: without systemd-resolved, kubelet's resolvConf is /etc/resolv.conf
        // (asked in the same command: a missing file has no checksum)
        boolean askResolved = !node.kubelet().config().containsKey("resolvConf");
        List<String> asked = new ArrayList<>(files.stream().map(RenderedFile::path).toList());
        if (askResolved) asked.add(KubeletConfigRenderer.RESOLVED_RESOLV_CONF);
        NodeFiles nodeFiles = new NodeFiles(inv.paths());
        // as the join does: a node whose kubelet holds its own client credential gets no bootstrap kubeconfig
        // (asked in the same command: present files have a checksum)
        List<String> credential = BootstrapFiles.credentialPaths(nodeFiles);
        asked.addAll(credential);
        // the binaries in the same command: the node hashes one only when its size is the source's (as the binaries
        // phase, plan compares content: a binary of the same size and other bytes is a change)
        Map<String, Long> sizes = new java.util.LinkedHashMap<>();
        for (Binary b : binaries) sizes.put(b.path(), b.size());
        Map<String, String> remote = t.sha256(asked, sizes);
        if (credential.stream().allMatch(remote::containsKey)) {
            files = files.stream().filter(f -> !f.path().equals(nodeFiles.kubeletBootstrapKubeconfig())).toList();
        }
        if (askResolved && remote.get(KubeletConfigRenderer.RESOLVED_RESOLV_CONF) == null) {
            String config = new NodeFiles(inv.paths()).kubeletConfig();
            files = files.stream().map(f -> !f.path().equals(config) ? f : RenderedFile.text(f.node(), f.path(), f.mode(),
                    KubeletConfigRenderer.render(inv, node, new io.kubejoin.render.RenderWarnings(), false))).toList();
        }
        List<FilePlan> plans = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        for (RenderedFile f : files) {
            String have = remote.get(f.path());
            if (have != null && have.equals(f.sha256())) {
                plans.add(new FilePlan(f.path(), FileState.UNCHANGED, f.isSecret(), List.of()));
                continue;
            }
            changed.add(f.path());
            List<String> diff = List.of();
            if (!f.isSecret()) {
                // secrets are never printed, not even their old or new lines
                Optional<String> old = have == null ? Optional.empty() : t.readText(f.path());
                diff = diff(f.path(), old.orElse(""), f.contentAsString());
            }
            plans.add(new FilePlan(f.path(), have == null ? FileState.NEW : FileState.CHANGED, f.isSecret(), diff));
        }
        for (Binary b : binaries) {
            String have = remote.get(b.path());
            if (b.sha256().equals(have)) {
                plans.add(new FilePlan(b.path(), FileState.UNCHANGED, false, List.of()));
                continue;
            }
            changed.add(b.path());
            // a binary has no diff: the evidence is what tells the two apart
            List<String> why = have == null ? List.of()
                    : have.startsWith(Transport.SIZE_DIFFERS)
                    ? List.of(have.substring(Transport.SIZE_DIFFERS.length()) + " bytes on the node, " + b.size()
                            + " in the inventory's binaries")
                    : List.of("sha256 " + have + " on the node, " + b.sha256() + " in the inventory's binaries");
            plans.add(new FilePlan(b.path(), have == null ? FileState.NEW : FileState.CHANGED, false, why));
        }
        NodeFiles paths = new NodeFiles(inv.paths());
        List<String> restarts = new ArrayList<>();
        // the same triggers the start phases use, so plan says exactly what join would restart
        for (StartServicePhase start : List.of(StartServicePhase.kubelet(), StartServicePhase.kubeProxy())) {
            if (changed.stream().anyMatch(start.restartTriggers(paths)::contains)) restarts.add(start.unit());
        }
        // as the start scripts decide for a unit whose files did not change: enable it when not enabled, start it when
        // not active (a crash-looping kubelet included: join restarts it)
        List<String> units = List.of(StartServicePhase.kubelet().unit(), StartServicePhase.kubeProxy().unit());
        ExecResult r = t.exec(StartScripts.unitStates(units), UNIT_STATES_TIMEOUT);
        if (!r.ok()) {
            throw new TransportException(TransportException.Kind.REMOTE_FAILURE, t.target(),
                    "asking systemd for kubelet's and kube-proxy's states failed: " + r.summary());
        }
        List<String> starts = new ArrayList<>();
        for (String u : units) {
            if (restarts.contains(u)) continue;
            List<String> why = new ArrayList<>();
            if (r.stdout().lines().anyMatch((StartScripts.NOT_ENABLED + u)::equals)) why.add("not enabled: join enables it");
            if (r.stdout().lines().anyMatch((StartScripts.NOT_ACTIVE + u)::equals)) why.add("not running: join starts it");
            if (!why.isEmpty()) starts.add(u + " (" + String.join("; ", why) + ")");
        }
        return new NodePlan(node.name(), plans, restarts, starts, null);
    }

    /** The plan with node-prep's files (first, with their diffs) and commands, from node-prep's own look. */
    static NodePlan withPrep(Inventory inv, Node node, NodePlan p, Transport t) throws TransportException {
        io.kubejoin.join.phases.NodePrepPhase.Prep prep;
        try {
            prep = io.kubejoin.join.phases.NodePrepPhase.look(new NodeContext(inv, node, List.of(), t));
        } catch (PhaseFailure e) {
            throw new TransportException(TransportException.Kind.REMOTE_FAILURE, t.target(), e.getMessage());
        }
        List<FilePlan> files = new ArrayList<>();
        for (var f : prep.files()) {
            files.add(new FilePlan(f.path(), f.before() == null ? FileState.NEW : FileState.CHANGED, false,
                    diff(f.path(), f.before() == null ? "" : f.before(), f.after())));
        }
        files.addAll(p.files());
        return new NodePlan(p.node(), files, p.restarts(), p.starts(), p.error(), p.upgrade(), prep.commands());
    }

    static List<String> diff(String path, String before, String after) {
        List<String> a = before.isEmpty() ? List.of() : Arrays.asList(before.split("\n", -1));
        List<String> b = Arrays.asList(after.split("\n", -1));
        return UnifiedDiffUtils.generateUnifiedDiff(path, path, a, DiffUtils.diff(a, b), 2);
    }
}
