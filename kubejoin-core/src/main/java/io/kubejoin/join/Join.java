package io.kubejoin.join;

import io.kubejoin.cluster.Finding;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.cluster.NodeReadiness;
import io.kubejoin.cluster.Preflight;
import io.kubejoin.cluster.RbacService;
import io.kubejoin.cluster.TokenService;
import io.kubejoin.cluster.approval.CsrApprover;
import io.kubejoin.cluster.approval.IssuedServingCertificates;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.join.phases.BinariesPhase;
import io.kubejoin.join.phases.NodePreflightPhase;
import io.kubejoin.join.phases.NodePrepPhase;
import io.kubejoin.join.phases.PushFilesPhase;
import io.kubejoin.join.phases.StartServicePhase;
import io.kubejoin.join.phases.VerifyPhase;
import io.kubejoin.join.phases.WaitReadyPhase;
import io.kubejoin.render.RenderedFile;
import io.kubejoin.render.RenderWarnings;
import io.kubejoin.render.Renderer;
import io.kubejoin.pki.KeyPrefetch;
import io.kubejoin.state.RenderInputs;
import io.kubejoin.util.Parallel;
import io.kubejoin.state.StateStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The whole procedure for many nodes: cluster steps once (preflight T1/T2, RBAC K8/K9, tokens K1), the approver
 * watching CSRs (K11) while the node phases run on every node in parallel (files, start, wait Ready, kube-proxy,
 * verify). The CLI command only gathers options and prints; tests drive this class with their own transports.
 */
public final class Join {
    /** Cluster-wide steps, in order; each can be skipped by name like a node phase. */
    public static final List<String> CLUSTER_STEPS = List.of("preflight", "rbac", "tokens", "approver");
    private static final Map<String, String> CLUSTER_STEP_DESCRIPTIONS = Map.of(
            "preflight", "control plane: bootstrap tokens accepted (T1), controller-manager running (T2), version skew",
            "rbac", "ClusterRoleBindings kubelet-bootstrap, kube-apiserver:kubelet-apis, node renewals (K8, K9)",
            "tokens", "one bootstrap token Secret per node not yet registered (K1)",
            "approver", "approve the nodes' legitimate kubelet CSRs while the join runs, deny forged ones (K11)");

    /** @param verifyTimeout how long verify waits for kube-proxy's healthz and first sync of the service rules */
    /** @param prepare run node-prep first (join --prepare): kernel settings made persistent, swap off */
    public record Settings(Set<String> skip, JoinRunner.Options runner, Duration readyTimeout,
                           boolean autoApproveBootstrapClients, Duration maxServingExpiration, Duration verifyTimeout,
                           boolean prepare) {
        public Settings(Set<String> skip, JoinRunner.Options runner, Duration readyTimeout,
                        boolean autoApproveBootstrapClients, Duration maxServingExpiration, Duration verifyTimeout) {
            this(skip, runner, readyTimeout, autoApproveBootstrapClients, maxServingExpiration, verifyTimeout, false);
        }

        public Settings(Set<String> skip, JoinRunner.Options runner, Duration readyTimeout,
                        boolean autoApproveBootstrapClients, Duration maxServingExpiration) {
            this(skip, runner, readyTimeout, autoApproveBootstrapClients, maxServingExpiration, VerifyPhase.DEFAULT_TIMEOUT);
        }

        public Settings withPrepare(boolean prepare) {
            return new Settings(skip, runner, readyTimeout, autoApproveBootstrapClients, maxServingExpiration, verifyTimeout, prepare);
        }
    }

    /**
     * When a cluster step ran, from the start of the join (the report draws it on the nodes' time axis).
     * @param summary its lines in one, or "skipped"
     */
    public record StepRecord(String step, Duration start, Duration took, Supplier<String> summaryText) {
        public StepRecord(String step, Duration start, Duration took, String summary) {
            this(step, start, took, () -> summary);
        }

        /** Made when read: the tokens step's is one line per node created, kept as the lines' parts, not as text. */
        public String summary() {
            return summaryText.get();
        }
    }

    /**
     * What happened: the cluster steps' lines and a report per node; refused when preflight failed.
     * @param steps      the cluster steps that ran, timed
     * @param nodesStart when the node phases began, from the start of the join (their records count from there)
     */
    public record Outcome(List<Finding> preflight, boolean refused, List<String> clusterLines,
                          List<JoinRunner.NodeReport> nodes, List<StepRecord> steps, Duration nodesStart) {
        public Outcome(List<Finding> preflight, boolean refused, List<String> clusterLines, List<JoinRunner.NodeReport> nodes) {
            this(preflight, refused, clusterLines, nodes, List.of(), Duration.ZERO);
        }

        public boolean allJoined() {
            return !refused && nodes.stream().allMatch(JoinRunner.NodeReport::ok);
        }
    }

    private Join() {
    }

    /** Node phases in order; wait-ready needs the cluster connection. */
    public static List<NodePhase> nodePhases(KubeConnection conn, Clock clock, Duration readyTimeout, NodeBinaries binaries) {
        return nodePhases(conn, clock, readyTimeout, binaries, null);
    }

    /** @param issuedServing the approver's view of issued serving certificates (null: no approver runs) */
    static List<NodePhase> nodePhases(KubeConnection conn, Clock clock, Duration readyTimeout, NodeBinaries binaries,
                                      IssuedServingCertificates issuedServing) {
        return nodePhases(conn, clock, readyTimeout, binaries, issuedServing, VerifyPhase.DEFAULT_TIMEOUT, null, null);
    }

    /**
     * @param known    the run's token ids by node (null: wait-ready lists a node's tokens before deleting them)
     * @param lifetime the run's tokens kept valid at kubelet-start (null: not, the tokens step was skipped)
     */
    static List<NodePhase> nodePhases(KubeConnection conn, Clock clock, Duration readyTimeout, NodeBinaries binaries,
                                      IssuedServingCertificates issuedServing, Duration verifyTimeout, KnownTokens known,
                                      java.util.function.Function<TokenService, TokenLifetime> lifetime) {
        TokenService tokens = new TokenService(conn, clock, new SecureRandom());
        NodeReadiness readiness = new NodeReadiness(conn, tokens, clock, NodeReadiness.DEFAULT_SIGNING_GRACE);
        // where the release's kube-proxy may start before its Node exists (VersionRules), its files go with kubelet's
        // push and its unit starts by kubelet-start's script; its own phases then report what was done for them
        String early = " where kube-proxy may start before its Node exists (1.17-1.28, 1.34+)";
        PushFilesPhase proxyFiles = PushFilesPhase.kubeProxy().noting("; in kubelet-files' push" + early);
        StartServicePhase proxyStart = StartServicePhase.kubeProxy().noting("; by kubelet-start's script" + early);
        return List.of(new NodePreflightPhase(), new BinariesPhase(binaries), PushFilesPhase.kubelet().with(proxyFiles)
                        .noting("; kube-proxy's too" + early),
                StartServicePhase.kubelet(readiness, lifetime == null ? null : lifetime.apply(tokens)).with(proxyStart, proxyFiles.name()).noting("; kube-proxy too" + early),
                new WaitReadyPhase(readiness, tokens, readyTimeout, clock, known), proxyFiles,
                proxyStart, new VerifyPhase(VerifyPhase.SERVING_WAIT, issuedServing, verifyTimeout));
    }

    /** "name  description" for every cluster step and node phase, for --list-phases. */
    public static List<String> describePhases() {
        List<String> lines = new ArrayList<>();
        lines.add("once per cluster:");
        CLUSTER_STEPS.forEach(s -> lines.add(String.format("  %-16s %s", s, CLUSTER_STEP_DESCRIPTIONS.get(s))));
        lines.add("per node, in order:");
        NodePhase prep = new NodePrepPhase();
        lines.add(String.format("  %-16s %s", prep.name(), prep.description()));
        for (NodePhase p : nodePhases(null, Clock.systemUTC(), Duration.ZERO, null)) {
            lines.add(String.format("  %-16s %s", p.name(), p.description()));
        }
        return lines;
    }

    /** All phase names, for validating --skip-phases. */
    public static List<String> phaseNames() {
        List<String> names = new ArrayList<>(CLUSTER_STEPS);
        names.add(new NodePrepPhase().name());
        nodePhases(null, Clock.systemUTC(), Duration.ZERO, null).forEach(p -> names.add(p.name()));
        return names;
    }

    private static StepRecord step(String name, long t0, long start, String summary) {
        return step(name, t0, start, () -> summary);
    }

    private static StepRecord step(String name, long t0, long start, Supplier<String> summary) {
        long now = System.nanoTime();
        return new StepRecord(name, Duration.ofNanos(start - t0), Duration.ofNanos(now - start), summary);
    }

    public static Outcome run(Inventory inv, KubeConnection conn, StateStore state, JoinRunner.TransportFactory transports,
                              Settings settings, Clock clock, Consumer<String> progress) throws InterruptedException {
        return run(inv, conn, state, transports, settings, clock, progress, new JoinRunner.Listener() { });
    }

    public static Outcome run(Inventory inv, KubeConnection conn, StateStore state, JoinRunner.TransportFactory transports,
                              Settings settings, Clock clock, Consumer<String> progress, JoinRunner.Listener listener)
            throws InterruptedException {
        Set<String> skip = settings.skip();
        // the CA and the rest of the pki section are checked before preflight's probe token, RBAC or any token:
        // a key that is not the CA's must leave the cluster as it was
        RenderInputs.CheckedPki pki = RenderInputs.checkPki(inv, clock.instant());
        // kube-proxy's key (RSA for the article's CSR) is generated while the cluster steps talk to the API server
        KeyPrefetch proxyKey = RenderInputs.prefetchKubeProxyKey(inv, state);
        List<String> clusterLines = new ArrayList<>();
        List<Finding> findings = List.of();
        // the steps' times count from here, as the node phases' from the runner's start (monotonic, not the clock)
        long t0 = System.nanoTime();
        List<StepRecord> steps = new ArrayList<>();
        if (!skip.contains("preflight")) {
            long start = System.nanoTime();
            findings = new Preflight(conn, new TokenService(conn, clock, new SecureRandom()), clock,
                    Preflight.Settings.defaults()).run(inv);
            findings.forEach(f -> progress.accept("preflight: " + f.format()));
            steps.add(step("preflight", t0, start, Preflight.anyFailed(findings) ? "failed" : findings.size() + " check(s)"));
            if (Preflight.anyFailed(findings)) {
                return new Outcome(findings, true, clusterLines, List.of(), steps, Duration.ZERO);
            }
        }
        if (!skip.contains("rbac")) {
            long start = System.nanoTime();
            List<RbacService.Result> results = new RbacService(conn).ensure(inv, settings.autoApproveBootstrapClients());
            for (RbacService.Result r : results) {
                clusterLines.add("rbac: " + r);
                progress.accept("rbac: " + r);
            }
            steps.add(step("rbac", t0, start, results.size() + " binding(s)"));
        }
        long tokensStart = System.nanoTime();
        RenderInputs.Prepared inputs = RenderInputs.prepare(inv, state, clock.instant(), new SecureRandom(), proxyKey, pki);
        inputs.notes().forEach(progress);
        // the token Secrets are created while the cluster steps go on (an API error as ClusterTokens threw it, for
        // the CLI's message)
        CompletableFuture<ClusterTokens.Result> tokenLines = skip.contains("tokens")
                ? CompletableFuture.completedFuture(new ClusterTokens.Result(List.of(), null))
                : Parallel.background("kubejoin-tokens-main", () -> ClusterTokens.ensure(conn, inv, inputs.tokens()));
        // each node's files are rendered in its own task and dropped with it (memory flat in the number of nodes);
        // a warning is told once, when the first node that has it is rendered
        Renderer.Units units = Renderer.units(inv, inputs.material(), inputs.tokens());
        Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();
        JoinRunner.NodeFiles files = node -> {
            RenderWarnings w = new RenderWarnings();
            List<RenderedFile> rendered = units.node(node.name(), w);
            w.all().stream().filter(warned::add).forEach(line -> progress.accept("warning: " + line));
            return rendered;
        };
        ClusterTokens.Result tokensDone = Parallel.await(tokenLines, "creating bootstrap tokens");
        List<String> tokenResults = tokensDone.lines();
        for (String line : tokenResults) progress.accept("tokens: " + line);
        // the token lines are made when read (one per node created): the cluster lines and the step's summary
        // refer to them instead of holding copies
        List<String> rbacLines = List.copyOf(clusterLines);
        List<String> allLines = new java.util.AbstractList<>() {
            @Override
            public String get(int i) {
                return i < rbacLines.size() ? rbacLines.get(i) : "tokens: " + tokenResults.get(i - rbacLines.size());
            }

            @Override
            public int size() {
                return rbacLines.size() + tokenResults.size();
            }
        };
        if (!skip.contains("tokens")) steps.add(step("tokens", t0, tokensStart, () -> String.join("; ", tokenResults)));

        CsrApprover approver = null;
        long approverStart = System.nanoTime();
        if (!skip.contains("approver")) {
            approver = new CsrApprover(conn.client(), inv, settings.maxServingExpiration());
            approver.watch(o -> progress.accept("approver: " + o.csrName() + " " + o.describe()));
        }
        try {
            NodeBinaries binaries = inv.binaries().managed() && !skip.contains("binaries")
                    ? NodeBinaries.load(inv.binaries()) : null;
            List<NodePhase> phases = nodePhases(conn, clock, settings.readyTimeout(), binaries,
                    approver == null ? null : approver.issuedServing(), settings.verifyTimeout(), tokensDone.ids(),
                    skip.contains("tokens") ? null
                            : service -> new TokenLifetime(inputs.tokens(), service, clock, inv.bootstrap().tokenTTL()));
            if (settings.prepare()) {
                // opt-in, before node-preflight, which then finds the node prepared
                List<NodePhase> prepared = new ArrayList<>();
                prepared.add(new NodePrepPhase());
                prepared.addAll(phases);
                phases = prepared;
            }
            JoinRunner runner = new JoinRunner(phases, skip, settings.runner()).listener(listener);
            Duration nodesStart = Duration.ofNanos(System.nanoTime() - t0);
            List<JoinRunner.NodeReport> reports = runner.run(inv, files, transports, progress);
            // the approver watches for the whole node run: its bar spans it
            if (approver != null) steps.add(step("approver", t0, approverStart, "watched CSRs while the nodes joined"));
            return new Outcome(findings, false, allLines, reports, steps, nodesStart);
        } finally {
            if (approver != null) approver.close();
        }
    }
}
