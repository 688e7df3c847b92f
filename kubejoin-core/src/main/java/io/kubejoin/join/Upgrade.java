package io.kubejoin.join;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.VersionInfo;
import io.kubejoin.cluster.Access;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.cluster.NodeDrainer;
import io.kubejoin.cluster.NodeReadiness;
import io.kubejoin.cluster.TokenService;
import io.kubejoin.cluster.UpgradePreflight;
import io.kubejoin.cluster.approval.CsrApprover;
import io.kubejoin.inventory.InvalidInputException;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.inventory.Problem;
import io.kubejoin.join.phases.BinariesPhase;
import io.kubejoin.join.phases.PushFilesPhase;
import io.kubejoin.join.phases.StartServicePhase;
import io.kubejoin.join.phases.VerifyPhase;
import io.kubejoin.join.phases.WaitReadyPhase;
import io.kubejoin.pki.KeyPrefetch;
import io.kubejoin.remote.TransportException;
import io.kubejoin.render.RenderWarnings;
import io.kubejoin.render.RenderedFile;
import io.kubejoin.render.Renderer;
import io.kubejoin.state.RenderInputs;
import io.kubejoin.state.StateStore;
import io.kubejoin.util.ExitCodes;
import io.kubejoin.util.UserFacingException;
import io.kubejoin.version.KubeVersion;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code kubejoin upgrade} (issue 15): the inventory's nodes moved to its kubernetesVersion (or its binaries) in
 * rolling batches of {@code maxUnavailable} nodes. Cluster steps once: {@code preflight} (the version-skew policy,
 * {@link UpgradePreflight}: any refusal is exit 2 before anything changes) and {@code approver}. Per node:
 * {@code cordon} first decides whether the node needs anything — a file or binary that differs ({@link Plan}'s
 * look), a kubelet reporting another release, or the mark an unfinished earlier upgrade left — and a node that
 * needs nothing is never cordoned (every phase "unchanged"); else it is marked and cordoned, drained through the
 * Eviction API ({@link NodeDrainer}), given the new binaries and the files rendered for the new release, restarted,
 * waited for until Ready with a heartbeat newer than the restart and reporting the target release, verified, and
 * uncordoned — only when kubejoin cordoned it. A failed node stays cordoned and marked; the run starts no further
 * batch, and the next run resumes it.
 */
public final class Upgrade {
    /** The release a node is being upgraded to: set when kubejoin starts on it, removed when it is done. */
    public static final String TARGET_ANNOTATION = "kubejoin.io/upgrade-to";
    /** Present when kubejoin cordoned the node for the upgrade (so only kubejoin's cordon is undone). */
    public static final String CORDONED_ANNOTATION = "kubejoin.io/upgrade-cordoned";

    public static final List<String> CLUSTER_STEPS = List.of("preflight", "approver");
    private static final Map<String, String> CLUSTER_STEP_DESCRIPTIONS = Map.of(
            "preflight", "kube-apiserver's /version and every selected Node's kubelet version against the version-skew "
                    + "policy; any refusal stops the upgrade before anything changes (exit 2)",
            "approver", "approve the nodes' legitimate kubelet CSRs while the upgrade runs, deny forged ones (K11)");

    /**
     * @param names          the nodes to upgrade (empty: every node of the inventory)
     * @param maxUnavailable nodes upgraded (so unschedulable) at once
     */
    public record Settings(Set<String> skip, List<String> names, MaxUnavailable maxUnavailable, int retries,
                           NodeDrainer.Options drain, Duration readyTimeout, Duration verifyTimeout,
                           Duration maxServingExpiration) {
    }

    /** {@code --max-unavailable N|N%}: a count, or a percentage of the selected nodes rounded down, at least 1. */
    public record MaxUnavailable(int value, boolean percent) {
        private static final Pattern FORM = Pattern.compile("([0-9]{1,9})(%?)");

        public static MaxUnavailable parse(String text) {
            Matcher m = FORM.matcher(text == null ? "" : text.strip());
            if (!m.matches()) {
                throw bad("'" + text + "' is neither a number of nodes nor a percentage");
            }
            int v = Integer.parseInt(m.group(1));
            boolean percent = !m.group(2).isEmpty();
            if (v < 1) throw bad("'" + text + "' would upgrade no node at a time");
            if (percent && v > 100) throw bad("'" + text + "' is more than 100%");
            return new MaxUnavailable(v, percent);
        }

        private static InvalidInputException bad(String why) {
            return new InvalidInputException(new Problem(null, 0, "--max-unavailable", why,
                    "give a number of nodes (--max-unavailable 1) or a percentage of the nodes upgraded (--max-unavailable 10%)"));
        }

        /** How many of {@code nodes} may be unschedulable at once. */
        public int of(int nodes) {
            if (!percent) return Math.max(1, value);
            return Math.max(1, (int) Math.floor(nodes * (value / 100.0)));
        }

        @Override
        public String toString() {
            return value + (percent ? "%" : "");
        }
    }

    private Upgrade() {
    }

    /** What kubejoin knows of one node during its upgrade (shared by its phases, which run one after another). */
    static final class NodeState {
        volatile boolean needed = true;
        volatile boolean cordonedByOperator;
        volatile List<RenderedFile> files = List.of();
        /** The ReplicaSets whose pods the drain evicted: namespace/name → uid. */
        final Map<String, String> evictedOwners = new LinkedHashMap<>();
    }

    /** The per-node phases in order; conn null only for listing. */
    static List<NodePhase> nodePhases(KubeConnection conn, KubeVersion apiServer, Settings s, Inventory inv,
                                      NodeBinaries binaries, io.kubejoin.cluster.approval.IssuedServingCertificates issued,
                                      Map<String, NodeState> states, Consumer<String> progress, Clock clock) {
        TokenService tokens = new TokenService(conn, clock, new SecureRandom());
        NodeReadiness readiness = new NodeReadiness(conn, tokens, clock, NodeReadiness.DEFAULT_SIGNING_GRACE);
        KubeVersion target = inv == null ? null : inv.kubernetesVersion();
        List<NodePhase> phases = new ArrayList<>();
        phases.add(new CordonPhase(conn, target, binaries, states, progress));
        phases.add(guarded(new DrainPhase(conn, apiServer, s == null ? NodeDrainer.Options.defaults() : s.drain(), states, progress), states));
        phases.add(guarded(new BinariesPhase(binaries), states));
        phases.add(guarded(PushFilesPhase.kubelet(), states));
        phases.add(guarded(StartServicePhase.kubelet(readiness), states));
        phases.add(guarded(new ReadyAtTarget(new WaitReadyPhase(readiness, tokens,
                s == null ? Duration.ZERO : s.readyTimeout(), clock), conn, target), states));
        phases.add(guarded(PushFilesPhase.kubeProxy(), states));
        phases.add(guarded(StartServicePhase.kubeProxy(), states));
        phases.add(guarded(new VerifyPhase(VerifyPhase.SERVING_WAIT, issued,
                s == null ? VerifyPhase.DEFAULT_TIMEOUT : s.verifyTimeout()), states));
        phases.add(new UncordonPhase(conn, s == null ? Duration.ZERO : s.drain().timeout(), states, progress));
        return phases;
    }

    /** "name  description" for every cluster step and node phase, for --list-phases. */
    public static List<String> describePhases() {
        List<String> lines = new ArrayList<>();
        lines.add("once per cluster:");
        CLUSTER_STEPS.forEach(s -> lines.add(String.format("  %-16s %s", s, CLUSTER_STEP_DESCRIPTIONS.get(s))));
        lines.add("per node, in order (a node that needs nothing is never cordoned):");
        for (NodePhase p : nodePhases(null, null, null, null, null, null, Map.of(), l -> { }, Clock.systemUTC())) {
            lines.add(String.format("  %-16s %s", p.name(), p.description()));
        }
        return lines;
    }

    /** All phase names, for validating --skip-phases. */
    public static List<String> phaseNames() {
        List<String> names = new ArrayList<>(CLUSTER_STEPS);
        nodePhases(null, null, null, null, null, null, Map.of(), l -> { }, Clock.systemUTC()).forEach(p -> names.add(p.name()));
        return names;
    }

    /**
     * Runs the upgrade. A skew refusal (or a name not in the inventory) is an {@link InvalidInputException} thrown
     * before anything changed.
     */
    public static Join.Outcome run(Inventory inv, KubeConnection conn, StateStore state, JoinRunner.TransportFactory transports,
                                   Settings settings, Clock clock, Consumer<String> progress, JoinRunner.Listener listener)
            throws InterruptedException {
        Set<String> skip = settings.skip();
        RenderInputs.CheckedPki pki = RenderInputs.checkPki(inv, clock.instant());
        List<String> clusterLines = new ArrayList<>();
        KubeVersion apiServer;
        List<Node> selected;
        if (!skip.contains("preflight")) {
            UpgradePreflight.Result pre = UpgradePreflight.run(conn, inv, settings.names()).orThrow();
            apiServer = pre.apiServer();
            selected = pre.steps().stream().map(UpgradePreflight.Step::node).toList();
            String line = "preflight: kube-apiserver " + apiServer.gitVersion() + "; " + pre.steps().size() + " node(s) to "
                    + inv.kubernetesVersion().gitVersion() + ", within the version-skew policy";
            clusterLines.add(line);
            progress.accept(line);
        } else {
            VersionInfo info = conn.call(Access.cluster("get", "/version"), () -> conn.client().getKubernetesVersion());
            // the Eviction API's group/version follows kube-apiserver's release; the inventory's when it says none
            apiServer = info == null ? inv.kubernetesVersion()
                    : KubeVersion.ofGitVersion(info.getGitVersion()).orElse(inv.kubernetesVersion());
            selected = select(inv, settings.names());
        }
        KeyPrefetch proxyKey = RenderInputs.prefetchKubeProxyKey(inv, state);
        RenderInputs.Prepared inputs = RenderInputs.prepare(inv, state, clock.instant(), new SecureRandom(), proxyKey, pki);
        inputs.notes().forEach(progress);
        Renderer.Units units = Renderer.units(inv, inputs.material(), inputs.tokens());
        Set<String> warned = ConcurrentHashMap.newKeySet();
        Map<String, NodeState> states = new ConcurrentHashMap<>();
        selected.forEach(n -> states.put(n.name(), new NodeState()));
        JoinRunner.NodeFiles files = node -> {
            RenderWarnings w = new RenderWarnings();
            List<RenderedFile> rendered = units.node(node.name(), w);
            w.all().stream().filter(warned::add).forEach(line -> progress.accept("warning: " + line));
            states.get(node.name()).files = rendered; // cordon's look compares them with the node
            return rendered;
        };
        int batch = settings.maxUnavailable().of(selected.size());
        String batchLine = "upgrade: " + selected.size() + " node(s) to " + inv.kubernetesVersion().gitVersion()
                + ", at most " + batch + " unavailable at a time (--max-unavailable " + settings.maxUnavailable() + ")";
        clusterLines.add(batchLine);
        progress.accept(batchLine);

        CsrApprover approver = null;
        if (!skip.contains("approver")) {
            approver = new CsrApprover(conn.client(), inv, settings.maxServingExpiration());
            approver.watch(o -> progress.accept("approver: " + o.csrName() + " " + o.describe()));
        }
        try {
            NodeBinaries binaries = inv.binaries().managed() && !skip.contains("binaries") ? NodeBinaries.load(inv.binaries()) : null;
            List<NodePhase> phases = nodePhases(conn, apiServer, settings, inv, binaries,
                    approver == null ? null : approver.issuedServing(), states, progress, clock);
            // one rolling batch at a time, all of it at once; after a failure no further batch starts
            JoinRunner runner = new JoinRunner(phases, skip, new JoinRunner.Options(batch, settings.retries(),
                    Duration.ofSeconds(1), true, batch)).listener(listener);
            List<JoinRunner.NodeReport> reports = new ArrayList<>();
            for (JoinRunner.NodeReport r : runner.run(only(inv, selected), files, transports, progress)) {
                reports.add("not started".equals(r.failedPhase()) ? new JoinRunner.NodeReport(r.node(), false, r.phases(),
                        r.changedFiles(), r.took(), r.failedPhase(), "not started: a node of an earlier batch failed, so "
                        + "the upgrade stopped before this batch", "fix the failed node and run upgrade again: it resumes",
                        r.journal()) : r);
            }
            return new Join.Outcome(List.of(), false, clusterLines, reports);
        } finally {
            if (approver != null) approver.close();
        }
    }

    private static List<Node> select(Inventory inv, List<String> names) {
        if (names == null || names.isEmpty()) return inv.nodes();
        return inv.nodes().stream().filter(n -> names.contains(n.name())).toList();
    }

    /** The inventory with only {@code nodes} (in its own order): what the runner works through. */
    static Inventory only(Inventory inv, List<Node> nodes) {
        return new Inventory(inv.source(), inv.locations(), inv.kubernetesVersion(), inv.apiServer(), inv.kubeconfig(),
                inv.pki(), inv.network(), inv.paths(), inv.runtime(), inv.kubelet(), inv.kubeProxy(), inv.apiServerKubeletUser(),
                inv.bootstrap(), inv.ssh(), inv.binaries(), inv.sandbox(), List.copyOf(nodes));
    }

    /** Whether a Node's reported kubelet version is the target release (a vendor's build suffix aside). */
    static boolean runs(String reported, KubeVersion target) {
        return reported != null && KubeVersion.ofGitVersion(reported).map(v -> v.compareTo(target) == 0).orElse(false);
    }

    private static io.fabric8.kubernetes.api.model.Node readNode(KubeConnection conn, String name) {
        return conn.call(Access.cluster("get", "nodes"), () -> conn.client().nodes().withName(name).get());
    }

    private static String annotation(io.fabric8.kubernetes.api.model.Node n, String key) {
        return n.getMetadata().getAnnotations() == null ? null : n.getMetadata().getAnnotations().get(key);
    }

    private static String kubeletVersion(io.fabric8.kubernetes.api.model.Node n) {
        return n.getStatus() == null || n.getStatus().getNodeInfo() == null ? null : n.getStatus().getNodeInfo().getKubeletVersion();
    }

    /** A phase that does nothing on a node cordon found up to date. */
    static NodePhase guarded(NodePhase inner, Map<String, NodeState> states) {
        return new NodePhase() {
            @Override
            public String name() {
                return inner.name();
            }

            @Override
            public String description() {
                return inner.description();
            }

            @Override
            public PhaseResult run(NodeContext ctx) throws PhaseFailure, InterruptedException {
                NodeState s = states.get(ctx.node().name());
                if (s != null && !s.needed) return PhaseResult.unchanged("nothing to upgrade");
                return inner.run(ctx);
            }
        };
    }

    /** Decides whether the node needs anything; if so marks it and cordons it (unless someone else already has). */
    static final class CordonPhase implements NodePhase {
        private final KubeConnection conn;
        private final KubeVersion target;
        private final NodeBinaries binaries;
        private final Map<String, NodeState> states;
        private final Consumer<String> progress;

        CordonPhase(KubeConnection conn, KubeVersion target, NodeBinaries binaries, Map<String, NodeState> states,
                    Consumer<String> progress) {
            this.conn = conn;
            this.target = target;
            this.binaries = binaries;
            this.states = states;
            this.progress = progress;
        }

        @Override
        public String name() {
            return "cordon";
        }

        @Override
        public String description() {
            return "compare the node with the inventory (files, binaries, the kubelet's reported release, an unfinished "
                    + "earlier upgrade); if it needs anything, mark it (" + TARGET_ANNOTATION + ") and cordon it";
        }

        @Override
        public PhaseResult run(NodeContext ctx) throws PhaseFailure {
            String name = ctx.node().name();
            NodeState state = states.get(name);
            io.fabric8.kubernetes.api.model.Node node = readNode(conn, name);
            if (node == null) {
                throw new PhaseFailure("node " + name + " is not registered in the cluster", "join it first: kubejoin join -f "
                        + ctx.inventory().source().getFileName() + " " + name);
            }
            Plan.NodePlan plan;
            try {
                plan = Plan.planNode(ctx.inventory(), ctx.node(), state.files, Plan.binaries(ctx.inventory(), binaries),
                        ctx.transport());
            } catch (TransportException e) {
                throw new PhaseFailure("reading the node's files failed: " + e.getMessage(), "nothing was changed; run upgrade again",
                        List.of(), e.isTransient(), e);
            }
            String reported = kubeletVersion(node);
            String mark = annotation(node, TARGET_ANNOTATION);
            List<String> why = new ArrayList<>();
            if (!runs(reported, target)) {
                why.add("kubelet reports " + (reported == null || reported.isBlank() ? "no version" : reported));
                ctx.requestRestart("kubelet", "it reported " + reported + ", not " + target.gitVersion());
            }
            if (plan.changes() > 0) why.add(plan.changes() + " file(s) or binaries differ");
            if (!plan.starts().isEmpty()) why.add(String.join(", ", plan.starts()));
            if (mark != null) {
                why.add("an earlier upgrade to " + mark + " did not finish");
                // its kube-proxy may still be the process started before the new binary was pushed
                ctx.requestRestart("kube-proxy", "an earlier upgrade did not finish");
            }
            if (why.isEmpty()) {
                state.needed = false;
                return PhaseResult.unchanged("kubelet " + reported + ", files and binaries up to date: nothing to upgrade");
            }
            boolean unschedulable = node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
            boolean ours = annotation(node, CORDONED_ANNOTATION) != null;
            state.cordonedByOperator = unschedulable && !ours;
            String value = target.gitVersion();
            boolean edit = !unschedulable || !value.equals(mark);
            if (edit) {
                conn.run(Access.cluster("patch", "nodes"), () -> conn.client().nodes().withName(name).edit(x -> {
                    NodeBuilder b = new NodeBuilder(x).editMetadata().addToAnnotations(TARGET_ANNOTATION, value).endMetadata();
                    if (!state.cordonedByOperator) {
                        b = b.editMetadata().addToAnnotations(CORDONED_ANNOTATION, "true").endMetadata()
                                .editOrNewSpec().withUnschedulable(Boolean.TRUE).endSpec();
                    }
                    return b.build();
                }));
            }
            String reasons = String.join("; ", why);
            if (state.cordonedByOperator) {
                progress.accept(name + ": was cordoned before the upgrade, not by kubejoin: it stays cordoned afterwards");
                return new PhaseResult(edit, "already cordoned (not by kubejoin, so it stays cordoned): " + reasons, List.of());
            }
            return new PhaseResult(edit, (unschedulable ? "already cordoned by an earlier upgrade" : "cordoned") + ": "
                    + reasons, List.of());
        }
    }

    /** kubectl drain --ignore-daemonsets through the Eviction API; the ReplicaSets of the evicted pods are noted. */
    static final class DrainPhase implements NodePhase {
        private final KubeConnection conn;
        private final KubeVersion apiServer;
        private final NodeDrainer.Options options;
        private final Map<String, NodeState> states;
        private final Consumer<String> progress;

        DrainPhase(KubeConnection conn, KubeVersion apiServer, NodeDrainer.Options options, Map<String, NodeState> states,
                   Consumer<String> progress) {
            this.conn = conn;
            this.apiServer = apiServer;
            this.options = options;
            this.states = states;
            this.progress = progress;
        }

        @Override
        public String name() {
            return "drain";
        }

        @Override
        public String description() {
            return "evict the node's pods through the Eviction API as kubectl drain --ignore-daemonsets (budgets respected, "
                    + "429 retried until --drain-timeout; DaemonSet and mirror pods left)";
        }

        @Override
        public PhaseResult run(NodeContext ctx) throws PhaseFailure {
            String name = ctx.node().name();
            NodeState state = states.get(name);
            // the ReplicaSets of the pods there now: their replacements must run before the node counts as done
            Map<String, String> owners = new HashMap<>();
            for (Pod p : conn.call(Access.cluster("list", "pods"), () -> conn.client().pods().inAnyNamespace()
                    .withField("spec.nodeName", name).list().getItems())) {
                if (p.getMetadata().getOwnerReferences() == null) continue;
                for (OwnerReference o : p.getMetadata().getOwnerReferences()) {
                    if (Boolean.TRUE.equals(o.getController()) && "ReplicaSet".equals(o.getKind())) {
                        owners.put(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(),
                                p.getMetadata().getNamespace() + "/" + o.getName() + "\u0000" + o.getUid());
                    }
                }
            }
            NodeDrainer drainer = new NodeDrainer(conn, apiServer, options, l -> progress.accept(name + ": " + l));
            NodeDrainer.Result r;
            try {
                r = drainer.drain(name);
            } catch (UserFacingException e) {
                throw new PhaseFailure(e.getMessage() + "; the node stays cordoned and was not upgraded",
                        "add --delete-emptydir-data or --force, or move those pods first; then run upgrade again: it resumes");
            }
            if (!r.completed()) {
                throw new PhaseFailure(r.failure() + "; the node was not upgraded",
                        "free the disruption budget (or add --force), then run upgrade again: it resumes with this node");
            }
            for (String pod : r.evicted()) {
                String owner = owners.get(pod);
                if (owner != null) {
                    String[] parts = owner.split("\u0000", 2);
                    state.evictedOwners.put(parts[0], parts[1]);
                }
            }
            String summary = "drained: " + r.evicted().size() + " pod(s) evicted"
                    + (r.forceDeleted().isEmpty() ? "" : ", " + r.forceDeleted().size() + " deleted despite their budget (--force)")
                    + (r.left().isEmpty() ? "" : "; left: " + String.join(", ", r.left().stream()
                    .map(l -> l.pod() + " (" + l.reason() + ")").toList()));
            return new PhaseResult(!r.evicted().isEmpty() || !r.forceDeleted().isEmpty(), summary, List.of());
        }
    }

    /** wait-ready, and then the Node must report the target release: the kubelet that turned Ready is the new binary. */
    static final class ReadyAtTarget implements NodePhase {
        private final WaitReadyPhase inner;
        private final KubeConnection conn;
        private final KubeVersion target;

        ReadyAtTarget(WaitReadyPhase inner, KubeConnection conn, KubeVersion target) {
            this.inner = inner;
            this.conn = conn;
            this.target = target;
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public boolean waits() {
            return inner.waits();
        }

        @Override
        public String description() {
            return "wait until the Node is Ready with a heartbeat newer than kubelet's restart and reports the "
                    + "inventory's release as its kubelet version";
        }

        @Override
        public PhaseResult run(NodeContext ctx) throws PhaseFailure {
            PhaseResult ready = inner.run(ctx);
            String name = ctx.node().name();
            String reported = kubeletVersion(readNode(conn, name));
            if (!runs(reported, target)) {
                throw new PhaseFailure(name + " is Ready but its kubelet reports " + reported + ", not " + target.gitVersion(),
                        "the binary at " + ctx.paths().kubeletBinary() + " is not the inventory's release: check binaries "
                                + "in " + ctx.inventory().source().getFileName() + " and run upgrade again (the node stays cordoned)",
                        NodeCommands.journal(ctx.transport(), "kubelet"), false, null);
            }
            return new PhaseResult(ready.changed(), ready.summary() + "; kubelet " + reported, ready.changedFiles());
        }
    }

    /** Undoes kubejoin's cordon (never the operator's), removes the mark, waits for the evicted pods' replacements. */
    static final class UncordonPhase implements NodePhase {
        private final KubeConnection conn;
        private final Duration replacementTimeout;
        private final Map<String, NodeState> states;
        private final Consumer<String> progress;

        UncordonPhase(KubeConnection conn, Duration replacementTimeout, Map<String, NodeState> states, Consumer<String> progress) {
            this.conn = conn;
            this.replacementTimeout = replacementTimeout;
            this.states = states;
            this.progress = progress;
        }

        @Override
        public String name() {
            return "uncordon";
        }

        @Override
        public String description() {
            return "make the node schedulable again when kubejoin cordoned it (an operator's cordon stays), remove the "
                    + "mark, and wait until the evicted pods' ReplicaSets run all their replicas again";
        }

        @Override
        public PhaseResult run(NodeContext ctx) throws PhaseFailure, InterruptedException {
            String name = ctx.node().name();
            NodeState state = states.get(name);
            if (state != null && !state.needed) return PhaseResult.unchanged("nothing to upgrade");
            // the Node says whose cordon it is (also after a resumed run, or with cordon skipped): only kubejoin's goes
            io.fabric8.kubernetes.api.model.Node current = readNode(conn, name);
            boolean ours = current != null && annotation(current, CORDONED_ANNOTATION) != null;
            boolean operator = !ours && current != null && current.getSpec() != null
                    && Boolean.TRUE.equals(current.getSpec().getUnschedulable());
            conn.run(Access.cluster("patch", "nodes"), () -> conn.client().nodes().withName(name).edit(x -> {
                NodeBuilder b = new NodeBuilder(x).editMetadata().removeFromAnnotations(TARGET_ANNOTATION)
                        .removeFromAnnotations(CORDONED_ANNOTATION).endMetadata();
                if (ours) b = b.editOrNewSpec().withUnschedulable(null).endSpec();
                return b.build();
            }));
            progress.accept(name + ": node/" + name + (operator ? " stays cordoned (it was cordoned before the upgrade)"
                    : ours ? " uncordoned" : " schedulable"));
            String waited = state == null ? "" : awaitReplacements(name, state.evictedOwners);
            return PhaseResult.changed((operator ? "stays cordoned: it was cordoned before the upgrade, not by kubejoin "
                    + "('kubectl uncordon " + name + "' when it should take pods again)" : ours ? "uncordoned" : "mark removed")
                    + waited);
        }

        /** Until every ReplicaSet the drain took pods from runs as many pods as it wants: the next batch drains then. */
        private String awaitReplacements(String node, Map<String, String> owners) throws PhaseFailure, InterruptedException {
            if (owners.isEmpty()) return "";
            long deadline = System.nanoTime() + replacementTimeout.toNanos();
            Map<String, String> short_ = new LinkedHashMap<>();
            while (true) {
                short_.clear();
                // one pod list per namespace and round, however many of its ReplicaSets the drain touched
                Map<String, List<io.fabric8.kubernetes.api.model.Pod>> podsIn = new HashMap<>();
                for (Map.Entry<String, String> e : owners.entrySet()) {
                    String[] nsName = e.getKey().split("/", 2);
                    ReplicaSet rs = conn.call(Access.in(nsName[0], "get", "replicasets"),
                            () -> conn.client().apps().replicaSets().inNamespace(nsName[0]).withName(nsName[1]).get());
                    if (rs == null || rs.getSpec() == null || rs.getSpec().getReplicas() == null) continue; // deleted meanwhile
                    int want = rs.getSpec().getReplicas();
                    List<io.fabric8.kubernetes.api.model.Pod> pods = podsIn.computeIfAbsent(nsName[0], ns -> conn.call(
                            Access.in(ns, "list", "pods"), () -> conn.client().pods().inNamespace(ns).list().getItems()));
                    long running = pods.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null
                            && p.getStatus() != null && "Running".equals(p.getStatus().getPhase())
                            && p.getMetadata().getOwnerReferences() != null && p.getMetadata().getOwnerReferences().stream()
                            .anyMatch(o -> e.getValue().equals(o.getUid()))).count();
                    if (running < want) short_.put(e.getKey(), running + " of " + want + " Running");
                }
                if (short_.isEmpty()) {
                    return "; evicted pods replaced (" + String.join(", ", owners.keySet().stream().map(k -> "replicaset/" + k).toList()) + ")";
                }
                if (System.nanoTime() > deadline) {
                    throw new PhaseFailure("the pods evicted from " + node + " are not all replaced within "
                            + replacementTimeout.toSeconds() + " s: " + short_.entrySet().stream()
                            .map(x -> "replicaset/" + x.getKey() + " " + x.getValue()).toList(),
                            "check why the scheduler cannot place them (kubectl describe pod); the upgrade stopped before "
                                    + "the next batch: run it again once they run");
                }
                Thread.sleep(200);
            }
        }
    }

    /** Exit code of an outcome: 0 all upgraded or nothing to do, 1 a node failed. */
    public static int exitCode(Join.Outcome o) {
        return o.allJoined() ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
