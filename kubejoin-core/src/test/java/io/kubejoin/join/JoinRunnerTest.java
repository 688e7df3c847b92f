package io.kubejoin.join;

import io.kubejoin.join.phases.PushFilesPhase;
import io.kubejoin.join.phases.StartServicePhase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubejoin.inventory.InvalidInputException;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.InventoryLoader;
import io.kubejoin.remote.Transport;
import io.kubejoin.remote.TransportException;
import io.kubejoin.render.RenderedFile;
import io.kubejoin.render.Renderer;
import io.kubejoin.state.RenderInputs;
import io.kubejoin.state.StateStore;
import io.kubejoin.util.SecureFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/** The phases and runner on three shim nodes: files really land, services restart only when their files change. */
@Timeout(120)
class JoinRunnerTest {
    @TempDir
    Path dir;
    Inventory inv;
    Map<String, List<RenderedFile>> files;
    final Map<String, ShimNode> nodes = new ConcurrentHashMap<>();
    final JoinRunner.Options fast = new JoinRunner.Options(8, 2, Duration.ofMillis(10), false);

    @BeforeEach
    void render() throws Exception {
        Path pki = Path.of("examples/pki").toAbsolutePath();
        Files.writeString(dir.resolve("inventory.yaml"), Files.readString(Path.of("examples/current/inventory.yaml"))
                .replace("../pki/", pki + "/"));
        inv = InventoryLoader.load(dir.resolve("inventory.yaml"));
        files = renderFiles(inv);
    }

    private Map<String, List<RenderedFile>> renderFiles(Inventory inventory) {
        StateStore state = new StateStore(dir.resolve("state"));
        RenderInputs.Prepared in = RenderInputs.prepare(inventory, state, Instant.now(), new SecureRandom());
        return Renderer.render(inventory, in.material(), in.tokens()).byNode();
    }

    private Transport open(io.kubejoin.inventory.Node node) throws TransportException {
        return nodes.computeIfAbsent(node.name(), n -> {
            try {
                return new ShimNode(Files.createDirectories(dir.resolve("nodes").resolve(n)));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private List<JoinRunner.NodeReport> join(Set<String> skip, JoinRunner.Options options) throws Exception {
        List<String> progress = new ArrayList<>();
        return new JoinRunner(JoinPhases.nodeFilePhases(), skip, options)
                .run(inv, files, this::open, line -> { synchronized (progress) { progress.add(line); } });
    }

    private long count(ShimNode n, String line) throws Exception {
        return n.log().stream().filter(l -> l.equals(line)).count();
    }

    /**
     * Issue 17: where kube-proxy may start before its Node exists (examples/current: 1.34), its files go in kubelet's
     * push and one script starts both, one systemctl per question; a kube-proxy that does not start still fails its
     * own phase with its journal, the kubelet's phase passes; a second run changes and restarts nothing; with
     * kube-proxy's phases skipped, kubelet's do kubelet's work alone.
     */
    @Test
    void kubeProxyGoesWithTheKubeletWhereTheReleaseAllowsAndFailsInItsOwnPhase() throws Exception {
        PushFilesPhase proxyFiles = PushFilesPhase.kubeProxy();
        StartServicePhase proxyStart = StartServicePhase.kubeProxy();
        List<NodePhase> phases = List.of(PushFilesPhase.kubelet().with(proxyFiles),
                StartServicePhase.kubelet().with(proxyStart, proxyFiles.name()), proxyFiles, proxyStart);
        open(inv.node("worker-3").orElseThrow());
        nodes.get("worker-3").failService("kube-proxy", "E1126 server.go:495] \"Error running ProxyServer\"");
        List<JoinRunner.NodeReport> first = new JoinRunner(phases, Set.of(), fast).run(inv, files, this::open, line -> { });
        JoinRunner.NodeReport w1 = first.stream().filter(r -> r.node().equals("worker-1")).findFirst().orElseThrow();
        assertThat(w1.ok()).isTrue();
        // (the shim node has no systemd-resolved: kubelet-files says so after its count)
        assertThat(w1.phases()).extracting(p -> p.summary().replaceAll(";.*", "")).containsExactly(
                "4 of 4 files changed", "kubelet restarted (files changed)",
                "6 of 6 files changed (pushed with kubelet-files)", "kube-proxy restarted (files changed, started with kubelet)");
        ShimNode n1 = nodes.get("worker-1");
        assertThat(n1.log()).filteredOn(l -> l.startsWith("systemctl")).containsExactly(
                "systemctl is-enabled kubelet kube-proxy", "systemctl enable kubelet kube-proxy",
                "systemctl restart kubelet kube-proxy", "systemctl is-active kubelet kube-proxy");
        assertThat(n1.log()).filteredOn(l -> l.startsWith("modprobe")).hasSize(1);
        JoinRunner.NodeReport w3 = first.stream().filter(r -> r.node().equals("worker-3")).findFirst().orElseThrow();
        assertThat(w3.failedPhase()).isEqualTo("kube-proxy-start");
        assertThat(w3.error()).isEqualTo("kube-proxy did not start (started with kubelet)");
        assertThat(w3.journal()).anyMatch(l -> l.contains("Error running ProxyServer"));
        assertThat(w3.phases()).filteredOn(p -> p.phase().equals("kubelet-start")).singleElement()
                .satisfies(p -> assertThat(p.summary()).isEqualTo("kubelet restarted (files changed)"));

        int before = n1.log().size();
        List<JoinRunner.NodeReport> second = new JoinRunner(phases, Set.of(), fast).run(inv, files, this::open, line -> { });
        JoinRunner.NodeReport again = second.stream().filter(r -> r.node().equals("worker-1")).findFirst().orElseThrow();
        assertThat(again.changed()).as(again.phases().toString()).isFalse();
        assertThat(n1.log().subList(before, n1.log().size())).filteredOn(l -> l.startsWith("systemctl")).containsExactly(
                "systemctl is-enabled kubelet kube-proxy", "systemctl daemon-reload", "systemctl is-active kubelet kube-proxy");

        Files.delete(n1.root.resolve("etc/kubernetes/kubelet-config.yaml"));
        before = n1.log().size();
        JoinRunner.NodeReport alone = new JoinRunner(phases, Set.of("kube-proxy-files", "kube-proxy-start"), fast)
                .run(inv, files, this::open, line -> { }).stream().filter(r -> r.node().equals("worker-1")).findFirst().orElseThrow();
        assertThat(alone.phases()).extracting(p -> p.summary().replaceAll(";.*", "")).containsExactly(
                "1 of 4 files changed", "kubelet restarted (files changed)", "skipped", "skipped");
        assertThat(n1.log().subList(before, n1.log().size())).filteredOn(l -> l.startsWith("systemctl"))
                .noneMatch(l -> l.contains("kube-proxy"));
        // kube-proxy-files skipped: kube-proxy-start runs on its own script, where it always ran
        before = n1.log().size();
        JoinRunner.NodeReport ownStart = new JoinRunner(phases, Set.of("kube-proxy-files"), fast)
                .run(inv, files, this::open, line -> { }).stream().filter(r -> r.node().equals("worker-1")).findFirst().orElseThrow();
        assertThat(ownStart.phases()).extracting(p -> p.summary().replaceAll(";.*", "")).containsExactly(
                "4 files unchanged", "kubelet running, unchanged", "skipped", "kube-proxy running, unchanged");
        assertThat(n1.log().subList(before, n1.log().size())).contains("systemctl is-enabled --quiet kubelet",
                "systemctl is-enabled --quiet kube-proxy");
    }

    @Test
    void joinsThreeNodesThenASecondRunChangesNothing() throws Exception {
        List<JoinRunner.NodeReport> first = join(Set.of(), fast);
        assertThat(first).extracting(JoinRunner.NodeReport::ok).containsOnly(true);
        assertThat(first).extracting(JoinRunner.NodeReport::node).containsExactly("worker-1", "worker-2", "worker-3");
        ShimNode w1 = nodes.get("worker-1");
        Path kubeconfig = w1.root.resolve("etc/kubernetes/kubelet-bootstrap.kubeconfig");
        assertThat(kubeconfig).exists();
        assertThat(SecureFiles.mode(kubeconfig)).isEqualTo(0600);
        assertThat(w1.root.resolve("etc/systemd/system/kube-proxy.service")).exists();
        assertThat(first.get(0).changedFiles()).hasSize(10);
        assertThat(w1.log()).contains("systemctl enable kubelet", "systemctl restart kubelet",
                "systemctl restart kube-proxy", "modprobe -a nf_tables nf_conntrack");

        List<JoinRunner.NodeReport> second = join(Set.of(), fast);
        assertThat(second).allSatisfy(r -> {
            assertThat(r.ok()).isTrue();
            assertThat(r.changed()).as(r.toString()).isFalse();
            assertThat(r.changedFiles()).isEmpty();
        });
        assertThat(count(w1, "systemctl restart kubelet")).isEqualTo(1);
        assertThat(count(w1, "systemctl restart kube-proxy")).isEqualTo(1);
    }

    /**
     * Every node's report is kept until the run ends (10,000 at once): the file paths and phase summaries that are the
     * same text on every node are one shared copy, not one per node.
     */
    @Test
    void reportsOfDifferentNodesShareTheirCommonText() throws Exception {
        List<JoinRunner.NodeReport> reports = join(Set.of(), fast);
        JoinRunner.NodeReport a = reports.get(0);
        JoinRunner.NodeReport b = reports.get(1);
        assertThat(a.changedFiles()).isNotEmpty().isEqualTo(b.changedFiles());
        for (int i = 0; i < a.changedFiles().size(); i++) {
            assertThat(b.changedFiles().get(i)).as(a.changedFiles().get(i)).isSameAs(a.changedFiles().get(i));
        }
        for (int i = 0; i < a.phases().size(); i++) {
            String summary = a.phases().get(i).summary();
            if (summary.equals(b.phases().get(i).summary())) {
                assertThat(b.phases().get(i).summary()).as(summary).isSameAs(summary);
            }
        }
    }

    /**
     * What a finished node's record keeps to the end of the run: its phases as a few arrays (the names one array for
     * every node that ran the same phases), its changed files one list shared with every node that changed the same;
     * read back, each phase record is what the phase reported.
     */
    @Test
    void aFinishedNodesRecordIsAFewArraysSharedWhereEqual() throws Exception {
        List<JoinRunner.NodeReport> reports = join(Set.of("kube-proxy-start"), fast);
        JoinRunner.NodeReport a = reports.get(0);
        JoinRunner.NodeReport b = reports.get(1);
        assertThat(b.changedFiles()).isNotEmpty().isSameAs(a.changedFiles());
        assertThat(a.phases()).isInstanceOf(JoinRunner.PhaseRecords.class);
        assertThat(((JoinRunner.PhaseRecords) a.phases()).sharesNamesWith((JoinRunner.PhaseRecords) b.phases())).isTrue();
        assertThat(a.phases()).extracting(JoinRunner.PhaseRecord::phase)
                .containsExactlyElementsOf(JoinPhases.nodeFilePhases().stream().map(NodePhase::name).toList());
        for (JoinRunner.PhaseRecord p : a.phases()) {
            assertThat(p.skipped()).as(p.phase()).isEqualTo(p.phase().equals("kube-proxy-start"));
            assertThat(p.summary()).as(p.phase()).isEqualTo(p.skipped() ? "skipped" : p.summary()).isNotBlank();
            assertThat(p.tookNanos()).as(p.phase()).isNotNegative();
            assertThat(p.startNanos()).as(p.phase()).isNotNegative();
        }
        assertThat(a.phases()).filteredOn(JoinRunner.PhaseRecord::changed).isNotEmpty();
        assertThat(a.changed()).isTrue();
        // one phase after another: each begins no earlier than the one before it
        for (int i = 1; i < a.phases().size(); i++) {
            if (a.phases().get(i).skipped()) continue;
            assertThat(a.phases().get(i).startNanos()).isGreaterThanOrEqualTo(a.phases().get(i - 1).startNanos());
        }
        assertThatThrownBy(() -> a.phases().add(a.phases().get(0))).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aChangedKubeletConfigRestartsKubeletOnly() throws Exception {
        join(Set.of(), fast);
        Files.writeString(dir.resolve("inventory.yaml"),
                Files.readString(dir.resolve("inventory.yaml")).replace("maxPods: 110", "maxPods: 100"));
        inv = InventoryLoader.load(dir.resolve("inventory.yaml"));
        files = renderFiles(inv);
        List<JoinRunner.NodeReport> again = join(Set.of(), fast);
        JoinRunner.NodeReport w1 = again.get(0);
        assertThat(w1.changedFiles()).containsExactly("/etc/kubernetes/kubelet-config.yaml");
        assertThat(count(nodes.get("worker-1"), "systemctl restart kubelet")).isEqualTo(2);
        assertThat(count(nodes.get("worker-1"), "systemctl restart kube-proxy")).isEqualTo(1);
        // worker-3 overrides maxPods itself: unchanged
        assertThat(again.get(2).changedFiles()).isEmpty();
        assertThat(Files.readString(nodes.get("worker-1").root.resolve("etc/kubernetes/kubelet-config.yaml.kubejoin-bak")))
                .contains("maxPods: 110");
    }

    @Test
    void aFailingKubeletStopsThatNodeWithItsJournalAndOthersGoOn() throws Exception {
        open(inv.node("worker-2").orElseThrow());
        nodes.get("worker-2").failService("kubelet",
                "E1126 02:49:04.846285 15529 server.go:302] \"command failed\" err=\"failed to load kubelet config file\"");
        List<JoinRunner.NodeReport> reports = join(Set.of(), fast);
        JoinRunner.NodeReport w2 = reports.get(1);
        assertThat(w2.ok()).isFalse();
        assertThat(w2.failedPhase()).isEqualTo("kubelet-start");
        assertThat(w2.error()).contains("kubelet did not start");
        assertThat(w2.journal()).singleElement().asString().contains("failed to load kubelet config file");
        assertThat(w2.phases()).extracting(JoinRunner.PhaseRecord::phase).containsExactly("kubelet-files", "kubelet-start");
        assertThat(reports.get(0).ok()).isTrue();
        assertThat(reports.get(2).ok()).isTrue();
    }

    @Test
    void skippedPhasesDoNothing() throws Exception {
        List<JoinRunner.NodeReport> reports = join(Set.of("kube-proxy-files", "kube-proxy-start"), fast);
        assertThat(reports).allMatch(JoinRunner.NodeReport::ok);
        assertThat(nodes.get("worker-1").root.resolve("etc/systemd/system/kube-proxy.service")).doesNotExist();
        assertThat(reports.get(0).phases()).filteredOn(JoinRunner.PhaseRecord::skipped)
                .extracting(JoinRunner.PhaseRecord::phase).containsExactly("kube-proxy-files", "kube-proxy-start");
    }

    @Tag("hostile")
    @Test
    void unknownPhaseNamesAreBadInputWithASuggestion() {
        assertThatThrownBy(() -> JoinPhases.validateSkips(List.of("kubelet-file"), JoinPhases.nodeFilePhases()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("did you mean 'kubelet-files'");
        // --list-phases: the cluster steps, then every node phase in order, each with its description
        assertThat(Join.describePhases()).contains("once per cluster:", "per node, in order:")
                .anyMatch(l -> l.startsWith("  kubelet-files    push ca.pem"))
                .anyMatch(l -> l.startsWith("  node-prep        only with --prepare"))
                .filteredOn(l -> l.startsWith("  ")).hasSize(13);
    }

    @Test
    void transientConnectFailuresAreRetriedOthersAreReported() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        Map<String, Integer> perNode = new HashMap<>();
        JoinRunner runner = new JoinRunner(JoinPhases.nodeFilePhases(), Set.of(), fast);
        List<JoinRunner.NodeReport> reports = runner.run(inv, files, node -> {
            synchronized (perNode) {
                perNode.merge(node.name(), 1, Integer::sum);
            }
            if (node.name().equals("worker-1") && attempts.incrementAndGet() == 1) {
                throw new TransportException(TransportException.Kind.CONNECTION_LOST, node.name(), "connection reset");
            }
            if (node.name().equals("worker-3")) {
                throw new TransportException(TransportException.Kind.HOST_KEY_CHANGED, node.name(), "host key changed");
            }
            return open(node);
        }, line -> { });
        assertThat(reports.get(0).ok()).isTrue();
        assertThat(perNode.get("worker-1")).isEqualTo(2);
        assertThat(reports.get(2).ok()).isFalse();
        assertThat(reports.get(2).failedPhase()).isEqualTo("connect");
        assertThat(perNode.get("worker-3")).isEqualTo(1); // a changed host key is never retried
    }

    @Test
    void failFastStartsNoMoreNodes() throws Exception {
        open(inv.node("worker-1").orElseThrow());
        nodes.get("worker-1").failService("kubelet", "boom");
        List<JoinRunner.NodeReport> reports = join(Set.of(), new JoinRunner.Options(1, 0, Duration.ZERO, true));
        assertThat(reports.get(0).ok()).isFalse();
        assertThat(reports.get(1).failedPhase()).isEqualTo("not started");
        assertThat(reports.get(2).failedPhase()).isEqualTo("not started");
    }

    @Test
    void planShowsWhatAJoinWouldChangeAndChangesNothing() throws Exception {
        List<Plan.NodePlan> before = Plan.plan(inv, files, this::open, 4);
        assertThat(before).allSatisfy(p -> {
            assertThat(p.changes()).isEqualTo(10);
            assertThat(p.restarts()).containsExactly("kubelet", "kube-proxy");
        });
        assertThat(nodes.get("worker-1").root.resolve("etc/kubernetes")).doesNotExist();

        join(Set.of(), fast);
        assertThat(Plan.plan(inv, files, this::open, 4)).allSatisfy(p -> assertThat(p.changes()).isZero());

        Files.writeString(dir.resolve("inventory.yaml"),
                Files.readString(dir.resolve("inventory.yaml")).replace("maxPods: 110", "maxPods: 100"));
        inv = InventoryLoader.load(dir.resolve("inventory.yaml"));
        files = renderFiles(inv);
        Plan.NodePlan w1 = Plan.plan(inv, files, this::open, 4).get(0);
        assertThat(w1.changes()).isEqualTo(1);
        assertThat(w1.restarts()).containsExactly("kubelet");
        Plan.FilePlan cfg = w1.files().stream().filter(f -> f.state() == Plan.FileState.CHANGED).findFirst().orElseThrow();
        assertThat(cfg.path()).isEqualTo("/etc/kubernetes/kubelet-config.yaml");
        assertThat(cfg.diff()).contains("-maxPods: 110", "+maxPods: 100");
        // nothing was written by planning
        assertThat(Files.readString(nodes.get("worker-1").root.resolve("etc/kubernetes/kubelet-config.yaml")))
                .contains("maxPods: 110");
    }

    @Tag("hostile")
    @Test
    void planNeverShowsSecretContent() throws Exception {
        join(Set.of(), fast);
        Files.writeString(nodes.get("worker-1").root.resolve("etc/kubernetes/kubelet-bootstrap.kubeconfig"), "old secret\n");
        Plan.FilePlan f = Plan.plan(inv, files, this::open, 4).get(0).files().stream()
                .filter(x -> x.path().endsWith("kubelet-bootstrap.kubeconfig")).findFirst().orElseThrow();
        assertThat(f.state()).isEqualTo(Plan.FileState.CHANGED);
        assertThat(f.secret()).isTrue();
        assertThat(f.diff()).isEmpty();
    }

    @Test
    void htmlReportShowsEachNodesPhasesAndFailures() throws Exception {
        open(inv.node("worker-3").orElseThrow());
        nodes.get("worker-3").failService("kube-proxy", "E1126 server.go:495] \"Error running ProxyServer\" err=<nil>");
        List<JoinRunner.NodeReport> reports = join(Set.of(), fast);
        String html = JoinReport.html(new Join.Outcome(List.of(), false, List.of("rbac: created"), reports), "join <test>");
        assertThat(html).startsWith("<!DOCTYPE html>").contains("<title>join &lt;test&gt;</title>")
                .contains("2 of 3 nodes joined").contains("failed: kube-proxy-start")
                .contains("err=&lt;nil&gt;").doesNotContain("err=<nil>").doesNotContain("<script");
        // one bar per phase that ran: 4 on each joined node, 4 on the failed one (its last one failed)
        assertThat(html.split("class=\"bar ", -1)).hasSize(13);
        assertThat(html.split("class=\"bar failed", -1)).hasSize(2);
    }

    @Test
    void liveProgressFrameShowsNodesInFlightAndTheBar() {
        Map<String, String> inFlight = new java.util.LinkedHashMap<>();
        for (int i = 1; i <= 12; i++) inFlight.put("worker-" + i, "kubelet-files");
        List<String> frame = LiveProgress.frame(inFlight, 30, 2, 50);
        assertThat(frame).hasSize(12);
        assertThat(frame.get(0)).isEqualTo("  worker-1: kubelet-files");
        assertThat(frame.get(10)).isEqualTo("  … and 2 more in flight");
        assertThat(frame.get(11)).startsWith("[###################...........] 32/50 done: 30 joined, 2 failed, 12 in flight");
    }

    @Test
    void rollingBatchesWithFailFastStopAfterTheFailingBatch() throws Exception {
        open(inv.node("worker-1").orElseThrow());
        nodes.get("worker-1").failService("kubelet", "boom");
        // batches of 2: worker-1 and worker-2 run together, worker-3 never starts
        List<JoinRunner.NodeReport> reports = join(Set.of(), new JoinRunner.Options(8, 0, Duration.ZERO, true, 2));
        assertThat(reports.get(0).ok()).isFalse();
        assertThat(reports.get(1).ok()).isTrue();
        assertThat(reports.get(2).failedPhase()).isEqualTo("not started");
    }

    @Test
    void eachNodesFilesAreRenderedInItsOwnTaskSoOnlyTheNodesBeingJoinedHoldThem() throws Exception {
        AtomicInteger holding = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        List<String> rendered = java.util.Collections.synchronizedList(new ArrayList<>());
        JoinRunner runner = new JoinRunner(JoinPhases.nodeFilePhases(), Set.of(), new JoinRunner.Options(1, 0, Duration.ZERO, false))
                .listener(new JoinRunner.Listener() {
                    @Override
                    public void nodeFinished(JoinRunner.NodeReport report) {
                        holding.decrementAndGet();
                    }
                });
        List<JoinRunner.NodeReport> reports = runner.run(inv, (JoinRunner.NodeFiles) node -> {
            rendered.add(node.name());
            most.accumulateAndGet(holding.incrementAndGet(), Math::max);
            return files.get(node.name());
        }, this::open, line -> { });
        assertThat(reports).allMatch(JoinRunner.NodeReport::ok);
        assertThat(rendered).containsExactly("worker-1", "worker-2", "worker-3");
        assertThat(most.get()).as("nodes holding their files at once, one node joined at a time").isEqualTo(1);
    }

    @Test
    void aNodeIsHandedToTheWorkersOnlyWhenOneIsFreeSoNoTaskPerNodeWaitsInAQueue() throws Exception {
        // the pool's queue records its longest length: with every node queued up front it would reach 2 of 3
        // nodes at --parallel 1; handed over as workers free up, at most the one handed over while the worker
        // that freed its slot is still on its way back to the queue
        AtomicInteger longest = new AtomicInteger();
        java.util.concurrent.LinkedBlockingQueue<Runnable> queue = new java.util.concurrent.LinkedBlockingQueue<>() {
            @Override
            public boolean offer(Runnable r) {
                boolean added = super.offer(r);
                longest.accumulateAndGet(size(), Math::max);
                return added;
            }
        };
        JoinRunner runner = new JoinRunner(JoinPhases.nodeFilePhases(), Set.of(), new JoinRunner.Options(1, 0, Duration.ZERO, false))
                .pools(threads -> new java.util.concurrent.ThreadPoolExecutor(threads, threads, 0, java.util.concurrent.TimeUnit.SECONDS, queue));
        List<JoinRunner.NodeReport> reports = runner.run(inv, files, this::open, line -> { });
        assertThat(reports).extracting(JoinRunner.NodeReport::node).containsExactly("worker-1", "worker-2", "worker-3");
        assertThat(reports).allMatch(JoinRunner.NodeReport::ok);
        assertThat(longest.get()).as("tasks waiting in the pool's queue at once, --parallel 1, 3 nodes").isLessThanOrEqualTo(1);
    }

    /** A phase that counts the nodes in it at once, and, when waiting, stays until {@code gate} opens. */
    /** A phase whose run takes {@code millis} (its gate never opens), counting how many run at once. */
    private static CountingPhase taking(String name, boolean waits, long millis) {
        return new CountingPhase(name, waits, new java.util.concurrent.CountDownLatch(1000) {
            @Override
            public boolean await(long timeout, java.util.concurrent.TimeUnit unit) throws InterruptedException {
                return super.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        });
    }

    /** Worker pools as the runner's, recording how many workers it asked for. */
    private static java.util.function.IntFunction<java.util.concurrent.ExecutorService> recording(AtomicInteger threads) {
        return n -> {
            threads.set(n);
            return java.util.concurrent.Executors.newFixedThreadPool(n);
        };
    }

    private static final class CountingPhase implements NodePhase {
        final String name;
        final boolean waits;
        final AtomicInteger in = new AtomicInteger();
        final AtomicInteger most = new AtomicInteger();
        final java.util.concurrent.CountDownLatch gate;
        final java.util.concurrent.atomic.AtomicBoolean gateOpened = new java.util.concurrent.atomic.AtomicBoolean();

        CountingPhase(String name, boolean waits, java.util.concurrent.CountDownLatch gate) {
            this.name = name;
            this.waits = waits;
            this.gate = gate;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String description() {
            return name;
        }

        @Override
        public boolean waits() {
            return waits;
        }

        @Override
        public PhaseResult run(NodeContext ctx) throws InterruptedException {
            most.accumulateAndGet(in.incrementAndGet(), Math::max);
            try {
                if (gate != null) {
                    gate.countDown();
                    if (gate.await(20, java.util.concurrent.TimeUnit.SECONDS)) gateOpened.set(true);
                } else {
                    Thread.sleep(5);
                }
                return new PhaseResult(false, name, List.of());
            } finally {
                in.decrementAndGet();
            }
        }
    }

    private Inventory nodes(int n) throws Exception {
        StringBuilder extra = new StringBuilder();
        for (int i = 4; i <= n; i++) {
            extra.append("  - name: worker-").append(i).append("\n    address: 10.0.0.").append(20 + i).append('\n');
        }
        Path pki = Path.of("examples/pki").toAbsolutePath();
        Path f = dir.resolve("inventory-" + n + ".yaml");
        Files.writeString(f, Files.readString(Path.of("examples/current/inventory.yaml")).replace("../pki/", pki + "/")
                + extra);
        return InventoryLoader.load(f);
    }

    @Test
    void aWaitingNodeGivesItsPlaceToTheNextSoTheWaitsOverlap() throws Exception {
        // --parallel 1, 4 nodes: each works, then waits until all four wait at once (a wave of one would never get
        // there: the gate opens only when every node is waiting), then works again one at a time
        Inventory four = nodes(4);
        java.util.concurrent.CountDownLatch allWaiting = new java.util.concurrent.CountDownLatch(4);
        CountingPhase before = new CountingPhase("push", false, null);
        CountingPhase wait = new CountingPhase("wait-ready", true, allWaiting);
        CountingPhase after = new CountingPhase("kube-proxy-files", false, null);
        List<JoinRunner.NodeReport> reports = new JoinRunner(List.of(before, wait, after), Set.of(),
                new JoinRunner.Options(1, 0, Duration.ZERO, false)).run(four, (JoinRunner.NodeFiles) n -> List.of(),
                this::open, line -> { });
        assertThat(reports).allMatch(JoinRunner.NodeReport::ok);
        assertThat(wait.gateOpened).as("all four nodes waiting at once at --parallel 1").isTrue();
        assertThat(wait.most.get()).isEqualTo(4);
        assertThat(before.most.get()).as("nodes working at once").isEqualTo(1);
        assertThat(after.most.get()).as("nodes working at once after their wait").isEqualTo(1);
    }

    @Test
    void nodesInFlightStayWithinFourPerPlace() throws Exception {
        // --parallel 1, 6 nodes, each waiting 300 ms after 5 ms of work: the waits would pile up to 6 unbounded
        Inventory six = nodes(6);
        CountingPhase wait = taking("verify", true, 300);
        List<JoinRunner.NodeReport> reports = new JoinRunner(List.of(new CountingPhase("push", false, null), wait),
                Set.of(), new JoinRunner.Options(1, 0, Duration.ZERO, false)).run(six,
                (JoinRunner.NodeFiles) n -> List.of(), this::open, line -> { });
        assertThat(reports).hasSize(6).allMatch(JoinRunner.NodeReport::ok);
        assertThat(JoinRunner.IN_FLIGHT_PER_PLACE).isEqualTo(4);
        assertThat(wait.most.get()).as("nodes waiting at once at --parallel 1").isEqualTo(4);
    }

    @Test
    void maxInFlightBoundsTheNodesInFlight() throws Exception {
        // --parallel 1 --max-in-flight 2, 6 nodes each waiting 300 ms: two wait at once, not four
        CountingPhase wait = taking("verify", true, 300);
        CountingPhase push = new CountingPhase("push", false, null);
        AtomicInteger threads = new AtomicInteger();
        List<JoinRunner.NodeReport> reports = new JoinRunner(List.of(push, wait), Set.of(),
                new JoinRunner.Options(1, 0, Duration.ZERO, false).withMaxInFlight(2)).pools(recording(threads))
                .run(nodes(6), (JoinRunner.NodeFiles) n -> List.of(), this::open, line -> { });
        assertThat(reports).hasSize(6).allMatch(JoinRunner.NodeReport::ok);
        assertThat(threads.get()).isEqualTo(2);
        assertThat(wait.most.get()).as("nodes waiting at once, --parallel 1 --max-in-flight 2").isEqualTo(2);
        assertThat(push.most.get()).as("nodes working at once").isEqualTo(1);
    }

    @Test
    void maxInFlightBelowParallelBoundsTheWorkToo() throws Exception {
        // --parallel 4 --max-in-flight 2 (no waiting phase): two nodes at once, never four
        CountingPhase push = taking("push", false, 100);
        List<JoinRunner.NodeReport> reports = new JoinRunner(List.of(push), Set.of(),
                new JoinRunner.Options(4, 0, Duration.ZERO, false).withMaxInFlight(2))
                .run(nodes(6), (JoinRunner.NodeFiles) n -> List.of(), this::open, line -> { });
        assertThat(reports).hasSize(6).allMatch(JoinRunner.NodeReport::ok);
        assertThat(push.most.get()).as("nodes working at once, --parallel 4 --max-in-flight 2").isLessThanOrEqualTo(2);
    }

    @Test
    void anExplicitMaxInFlightOverlapsTheWaitsWithFailFastToo() throws Exception {
        CountingPhase wait = taking("wait-ready", true, 300);
        List<JoinRunner.NodeReport> reports = new JoinRunner(List.of(new CountingPhase("push", false, null), wait),
                Set.of(), new JoinRunner.Options(1, 0, Duration.ZERO, true).withMaxInFlight(3))
                .run(nodes(6), (JoinRunner.NodeFiles) n -> List.of(), this::open, line -> { });
        assertThat(reports).hasSize(6).allMatch(JoinRunner.NodeReport::ok);
        assertThat(wait.most.get()).as("nodes waiting at once, --parallel 1 --fail-fast --max-in-flight 3").isEqualTo(3);
    }

    @Test
    void failFastKeepsTheNodesInFlightToItsPlaces() throws Exception {
        // --parallel 1 --fail-fast: the first node's wait holds the run, so a failure there stops it with one node started
        CountingPhase wait = taking("wait-ready", true, 50);
        AtomicInteger threads = new AtomicInteger();
        List<JoinRunner.NodeReport> reports = new JoinRunner(List.of(new CountingPhase("push", false, null), wait),
                Set.of(), new JoinRunner.Options(1, 0, Duration.ZERO, true)).pools(recording(threads))
                .run(nodes(4), (JoinRunner.NodeFiles) n -> List.of(), this::open, line -> { });
        assertThat(reports).hasSize(4).allMatch(JoinRunner.NodeReport::ok);
        assertThat(threads.get()).isEqualTo(1);
        assertThat(wait.most.get()).as("nodes waiting at once, --parallel 1 --fail-fast").isEqualTo(1);
    }

    @Test
    void skippedWaitsKeepTheRunToItsPlaces() throws Exception {
        CountingPhase push = new CountingPhase("push", false, null);
        CountingPhase wait = new CountingPhase("verify", true, null);
        AtomicInteger threads = new AtomicInteger();
        List<JoinRunner.NodeReport> reports = new JoinRunner(List.of(push, wait), Set.of("verify"),
                new JoinRunner.Options(2, 0, Duration.ZERO, false)).pools(recording(threads))
                .run(nodes(6), (JoinRunner.NodeFiles) n -> List.of(), this::open, line -> { });
        assertThat(reports).allMatch(JoinRunner.NodeReport::ok);
        assertThat(threads.get()).as("workers when no phase waits: --parallel").isEqualTo(2);
        assertThat(push.most.get()).isLessThanOrEqualTo(2);
        assertThat(wait.most.get()).isZero();
    }

    @Test
    void aWorkerThatThrowsFailsTheRunAsBefore() {
        JoinRunner runner = new JoinRunner(JoinPhases.nodeFilePhases(), Set.of(), fast);
        assertThatThrownBy(() -> runner.run(inv, (JoinRunner.NodeFiles) node -> {
            if (node.name().equals("worker-2")) throw new IllegalArgumentException("render broke for " + node.name());
            return files.get(node.name());
        }, this::open, line -> { })).isInstanceOf(IllegalStateException.class).hasMessage("node worker failed")
                .hasRootCauseMessage("render broke for worker-2");
    }

    @Test
    void aFinishedNodesPhaseRecordsHoldTheirTimesAsNumbersNotObjects() throws Exception {
        // kept for every node to the end of the run: two Duration objects per phase were half of a report's size
        assertThat(java.util.Arrays.stream(JoinRunner.PhaseRecord.class.getRecordComponents())
                .map(c -> c.getType()).filter(t -> !t.isPrimitive() && t != String.class).toList()).isEmpty();
        JoinRunner.PhaseRecord r = new JoinRunner.PhaseRecord("kubelet-files", false, true, "3 files changed",
                Duration.ofMillis(1500).plusNanos(7), Duration.ofSeconds(3));
        assertThat(r.start()).isEqualTo(Duration.ofMillis(1500).plusNanos(7));
        assertThat(r.took()).isEqualTo(Duration.ofSeconds(3));
        List<JoinRunner.NodeReport> reports = join(Set.of(), fast);
        assertThat(reports.get(0).phases()).allSatisfy(p -> assertThat(p.took()).isPositive());
    }
}
