package io.kubejoin.join;

import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.Node;
import io.kubejoin.remote.Transport;
import io.kubejoin.remote.TransportException;
import io.kubejoin.render.RenderedFile;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Runs the node phases on many nodes at once: bounded parallelism, one connection per node reused by all its
 * phases, phases in order on each node; a failed phase stops that node only (others go on), transient failures
 * (a dropped connection) are retried with backoff, and --fail-fast stops starting new nodes after a failure.
 */
public final class JoinRunner {

    /** Opens the transport to one node (SSH, or local with --local). */
    @FunctionalInterface
    public interface TransportFactory {
        Transport open(Node node) throws TransportException;
    }

    /**
     * @param batchSize nodes per rolling batch: a batch starts when the previous one has finished (0: one batch)
     * @param maxInFlight nodes in flight at most, working or waiting (0: {@link #IN_FLIGHT_PER_PLACE} times
     *                    {@code parallel}, or {@code parallel} alone with {@code failFast}); below {@code parallel} it
     *                    bounds the work too
     */
    public record Options(int parallel, int retries, Duration retryBackoff, boolean failFast, int batchSize, int maxInFlight) {
        public Options(int parallel, int retries, Duration retryBackoff, boolean failFast) {
            this(parallel, retries, retryBackoff, failFast, 0, 0);
        }

        public Options(int parallel, int retries, Duration retryBackoff, boolean failFast, int batchSize) {
            this(parallel, retries, retryBackoff, failFast, batchSize, 0);
        }

        public static Options defaults() {
            return new Options(50, 2, Duration.ofSeconds(1), false);
        }

        public Options withBatchSize(int size) {
            return new Options(parallel, retries, retryBackoff, failFast, size, maxInFlight);
        }

        public Options withMaxInFlight(int n) {
            return new Options(parallel, retries, retryBackoff, failFast, batchSize, n);
        }

        /** The bound on nodes in flight this run keeps, before the inventory's size: see {@link #maxInFlight}. */
        int inFlightBound() {
            if (maxInFlight > 0) return maxInFlight;
            int places = Math.max(1, parallel);
            return failFast ? places : (int) Math.min(Integer.MAX_VALUE, (long) places * IN_FLIGHT_PER_PLACE);
        }
    }

    /**
     * One phase of a finished node, kept to the end of the run (the table, -o json, --report): its times are plain
     * nanoseconds, not two Duration objects, which were half of what 10,000 finished nodes held.
     * @param startNanos when the phase began, from the start of the run (for the report's timeline)
     */
    public record PhaseRecord(String phase, boolean skipped, boolean changed, String summary, long startNanos,
                              long tookNanos) {
        public PhaseRecord(String phase, boolean skipped, boolean changed, String summary, Duration start, Duration took) {
            this(phase, skipped, changed, summary, start.toNanos(), took.toNanos());
        }

        /** When the phase began, from the start of the run. */
        public Duration start() {
            return Duration.ofNanos(startNanos);
        }

        public Duration took() {
            return Duration.ofNanos(tookNanos);
        }
    }

    /**
     * A finished node's phase records as the run keeps them to its end: names (one array shared by every node that ran
     * the same phases), summaries, both times of each phase in one array and the two flags in another, where each
     * phase was a record object of its own in a list; {@link #get} makes the record when it is read (the table,
     * -o json, --report). Read-only.
     */
    static final class PhaseRecords extends AbstractList<PhaseRecord> implements RandomAccess {
        private final String[] names;
        private final String[] summaries;
        /** start, took, start, took, … in nanoseconds */
        private final long[] times;
        /** bit 0 skipped, bit 1 changed */
        private final byte[] flags;

        PhaseRecords(List<PhaseRecord> records, Map<List<String>, String[]> sharedNames) {
            int n = records.size();
            String[] ns = new String[n];
            summaries = new String[n];
            times = new long[2 * n];
            flags = new byte[n];
            for (int i = 0; i < n; i++) {
                PhaseRecord r = records.get(i);
                ns[i] = r.phase();
                summaries[i] = r.summary();
                times[2 * i] = r.startNanos();
                times[2 * i + 1] = r.tookNanos();
                flags[i] = (byte) ((r.skipped() ? 1 : 0) | (r.changed() ? 2 : 0));
            }
            names = sharedNames.computeIfAbsent(Arrays.asList(ns), k -> ns);
        }

        @Override
        public PhaseRecord get(int i) {
            Objects.checkIndex(i, names.length);
            return new PhaseRecord(names[i], (flags[i] & 1) != 0, (flags[i] & 2) != 0, summaries[i], times[2 * i],
                    times[2 * i + 1]);
        }

        @Override
        public int size() {
            return names.length;
        }

        /** Whether both hold one array of phase names (tests). */
        boolean sharesNamesWith(PhaseRecords other) {
            return names == other.names;
        }
    }

    /** Structured progress, for a live display; every method has a no-op default. */
    public interface Listener {
        default void phaseStarted(String node, String phase) {
        }

        default void nodeFinished(NodeReport report) {
        }
    }

    /**
     * @param failedPhase null when the node joined; "connect" when it could not be reached
     * @param journal     the failed unit's last journal lines, if any
     */
    public record NodeReport(String node, boolean ok, List<PhaseRecord> phases, List<String> changedFiles, Duration took,
                             String failedPhase, String error, String hint, List<String> journal) {
        public boolean changed() {
            return phases.stream().anyMatch(PhaseRecord::changed);
        }
    }

    private final List<NodePhase> phases;
    private final Set<String> skip;
    private final Options options;
    private Listener listener = new Listener() { };
    private IntFunction<ExecutorService> pools = JoinRunner::workers;
    private long runStart = System.nanoTime();
    /** The phase-name arrays and changed-file lists finished nodes share (a few distinct ones in a run). */
    private final Map<List<String>, String[]> sharedNames = new ConcurrentHashMap<>();
    private final Map<List<String>, List<String>> sharedFiles = new ConcurrentHashMap<>();

    public JoinRunner(List<NodePhase> phases, Set<String> skip, Options options) {
        this.phases = List.copyOf(phases);
        this.skip = Set.copyOf(skip);
        this.options = options;
    }

    public JoinRunner listener(Listener l) {
        this.listener = l;
        return this;
    }

    /** The worker pool a run uses (tests look at its queue). */
    JoinRunner pools(IntFunction<ExecutorService> factory) {
        this.pools = factory;
        return this;
    }

    private static ExecutorService workers(int threads) {
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "kubejoin-node");
            t.setDaemon(true);
            return t;
        });
    }

    /** A node's rendered files, made when the node's turn comes and dropped when it is done. */
    @FunctionalInterface
    public interface NodeFiles {
        List<RenderedFile> render(Node node);
    }

    /** Joins every node of the inventory; reports come back in inventory order. */
    public List<NodeReport> run(Inventory inv, Map<String, List<RenderedFile>> filesByNode, TransportFactory transports,
                                Consumer<String> progress) throws InterruptedException {
        return run(inv, (NodeFiles) node -> filesByNode.getOrDefault(node.name(), List.of()), transports, progress);
    }

    /**
     * How many nodes may be in flight per {@code --parallel} place when phases wait (wait-ready, verify): a waiting
     * node holds its SSH connection, a thread and its files, not a place in the work, so the next node's work goes on
     * meanwhile. Four lets the waits take four times as long as a node's work before the work stalls for them.
     */
    static final int IN_FLIGHT_PER_PLACE = 4;

    /**
     * As above, each node's files rendered inside its own task: only the nodes in flight hold theirs, so memory does
     * not grow with the number of nodes. At most {@link Options#parallel} nodes work at once (connect, preflight,
     * pushes, starts); a node in a phase that {@link NodePhase#waits() waits} gives its place to the next node and
     * takes one again, in turn with the new nodes, when it has work left. Nodes in flight, working or waiting: at
     * most {@link Options#maxInFlight} (by default {@link #IN_FLIGHT_PER_PLACE} times the places, or the places alone
     * with {@link Options#failFast}); a rolling batch bounds them too.
     */
    public List<NodeReport> run(Inventory inv, NodeFiles filesFor, TransportFactory transports,
                                Consumer<String> progress) throws InterruptedException {
        // --fail-fast keeps to its places unless --max-in-flight says otherwise: a failure (often in a wait: a kubelet
        // that exits, a refused CSR) stops the run with no more nodes started than --parallel, as the operator who
        // asked for it expects
        int inFlight = Math.max(1, Math.min(inv.nodes().size(), options.inFlightBound()));
        int places = Math.max(1, Math.min(options.parallel(), inFlight));
        boolean overlap = phases.stream().anyMatch(p -> p.waits() && !skip.contains(p.name()));
        int threads = overlap ? inFlight : places;
        ExecutorService pool = pools.apply(threads);
        AtomicBoolean stop = new AtomicBoolean();
        runStart = System.nanoTime();
        try {
            List<Node> all = inv.nodes();
            int batch = options.batchSize() > 0 ? options.batchSize() : Math.max(1, all.size());
            List<NodeReport> reports = new ArrayList<>(all.size());
            // a node is handed to the pool only when a worker is free (the permits) and a place in the work is: nothing
            // per node waits in a queue, so the run holds the nodes in flight and the finished reports, not a task for
            // every node. Places are handed out first come, first served (a fair semaphore): a node back from its wait
            // is not overtaken by new nodes.
            Semaphore slots = new Semaphore(threads);
            Semaphore work = new Semaphore(places, true);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            // rolling batches: the next batch starts only when the previous one has finished, so a bad change
            // stops at one batch's worth of nodes with --fail-fast
            for (int from = 0; from < all.size(); from += batch) {
                int to = Math.min(all.size(), from + batch);
                NodeReport[] done = new NodeReport[to - from];
                for (int i = from; i < to && failure.get() == null; i++) {
                    Node node = all.get(i);
                    int slot = i - from;
                    slots.acquire();
                    Turn turn = new Turn(work);
                    try {
                        turn.take();
                        pool.execute(() -> {
                            try {
                                NodeReport r;
                                if (stop.get()) {
                                    r = notStarted(node);
                                } else {
                                    r = joinNode(inv, node, filesFor, transports, progress, turn);
                                    if (!r.ok() && options.failFast()) stop.set(true);
                                    listener.nodeFinished(r);
                                }
                                done[slot] = r;
                            } catch (Throwable t) {
                                failure.compareAndSet(null, t);
                            } finally {
                                turn.leave();
                                slots.release();
                            }
                        });
                    } catch (RuntimeException | InterruptedException e) {
                        turn.leave();
                        slots.release();
                        throw e;
                    }
                }
                // every worker back: this batch is done (and its reports visible to this thread)
                slots.acquire(threads);
                slots.release(threads);
                if (failure.get() != null) throw new IllegalStateException("node worker failed", failure.get());
                reports.addAll(Arrays.asList(done));
            }
            return reports;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A node's place among the nodes working at once: held while it works, left while a phase waits. Used by the
     * node's own thread only, after the hand-over from the thread that took it first.
     */
    static final class Turn {
        private final Semaphore work;
        private boolean held;

        Turn(Semaphore work) {
            this.work = work;
        }

        void take() throws InterruptedException {
            if (held) return;
            work.acquire();
            held = true;
        }

        void leave() {
            if (!held) return;
            held = false;
            work.release();
        }
    }

    private NodeReport notStarted(Node node) {
        return new NodeReport(node.name(), false, List.of(), List.of(), Duration.ZERO, "not started",
                "not started: --fail-fast stopped the run after another node failed", "", List.of());
    }

    /** Joins one node; {@code turn} is held on entry. */
    NodeReport joinNode(Inventory inv, Node node, NodeFiles filesFor, TransportFactory transports,
                        Consumer<String> progress, Turn turn) throws InterruptedException {
        long start = System.nanoTime();
        List<PhaseRecord> records = new ArrayList<>();
        Transport transport;
        try {
            transport = openWithRetries(node, transports, progress);
        } catch (TransportException e) {
            progress.accept(node.name() + ": cannot connect: " + e.getMessage());
            return new NodeReport(node.name(), false, List.of(), List.of(), since(start), "connect", e.getMessage(),
                    "check the node's address, SSH port, user, key and known_hosts entry", List.of());
        }
        try (transport) {
            // rendered once the node is reachable, beside the other nodes' network waits
            NodeContext ctx = new NodeContext(inv, node, filesFor.render(node), transport);
            ctx.skipped(skip);
            for (NodePhase phase : phases) {
                if (skip.contains(phase.name())) {
                    records.add(new PhaseRecord(phase.name(), true, false, "skipped", since(runStart), Duration.ZERO));
                    continue;
                }
                NodeContext.Settled done = ctx.settled(phase.name());
                // a phase an earlier one already did needs no place; a waiting one gives its place to the next node
                if (done == null && phase.waits()) {
                    turn.leave();
                } else if (done == null) {
                    turn.take();
                }
                long phaseStart = System.nanoTime();
                listener.phaseStarted(node.name(), phase.name());
                try {
                    PhaseResult result = done != null ? done.get() : runWithRetries(phase, ctx, progress);
                    records.add(new PhaseRecord(phase.name(), false, result.changed(), shared(result.summary()),
                            Duration.ofNanos(phaseStart - runStart), since(phaseStart)));
                    progress.accept(node.name() + ": " + phase.name() + ": " + result.summary());
                } catch (PhaseFailure f) {
                    records.add(new PhaseRecord(phase.name(), false, false, "failed: " + f.getMessage(),
                            Duration.ofNanos(phaseStart - runStart), since(phaseStart)));
                    progress.accept(node.name() + ": " + phase.name() + " FAILED: " + f.getMessage());
                    return new NodeReport(node.name(), false, compact(records), changedFiles(ctx),
                            since(start), phase.name(), f.getMessage(), f.hint(), f.journal());
                }
            }
            return new NodeReport(node.name(), true, compact(records), changedFiles(ctx),
                    since(start), null, null, null, List.of());
        }
    }

    private Transport openWithRetries(Node node, TransportFactory transports, Consumer<String> progress)
            throws TransportException, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                return transports.open(node);
            } catch (TransportException e) {
                if (!e.isTransient() || attempt >= options.retries()) throw e;
                Duration wait = options.retryBackoff().multipliedBy(1L << attempt);
                progress.accept(node.name() + ": connect failed (" + e.getMessage() + "); retry " + (attempt + 1) + " of "
                        + options.retries() + " in " + wait.toMillis() + " ms");
                Thread.sleep(wait.toMillis());
            }
        }
    }

    private PhaseResult runWithRetries(NodePhase phase, NodeContext ctx, Consumer<String> progress)
            throws PhaseFailure, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                try {
                    return phase.run(ctx);
                } catch (RuntimeException e) {
                    // an API error (a timeout, a refused request) fails this node's phase, never the whole run
                    throw new PhaseFailure(phase.name() + ": " + e.getMessage(),
                            "check the API server and run the join again", List.of(), false, e);
                }
            } catch (PhaseFailure f) {
                // only what may heal by itself is retried: a dropped connection, not a refused config
                if (!f.isTransient() || attempt >= options.retries()) throw f;
                Duration wait = options.retryBackoff().multipliedBy(1L << attempt);
                progress.accept(ctx.node().name() + ": " + phase.name() + ": " + f.getMessage() + "; retry "
                        + (attempt + 1) + " of " + options.retries() + " in " + wait.toMillis() + " ms");
                Thread.sleep(wait.toMillis());
            }
        }
    }

    /**
     * A finished node's report is kept to the end of the run (the table, -o json, --report): its summaries and file
     * paths, the same text on most nodes but built anew for each, are shared, so 10,000 reports hold one copy.
     */
    private static String shared(String s) {
        return s == null ? null : s.intern();
    }

    /** The node's changed files; equal lists (most nodes') are one shared list. */
    private List<String> changedFiles(NodeContext ctx) {
        List<String> files = new LinkedHashSet<>(ctx.changedFiles()).stream().map(JoinRunner::shared).toList();
        return files.isEmpty() ? List.of() : sharedFiles.computeIfAbsent(files, k -> files);
    }

    private List<PhaseRecord> compact(List<PhaseRecord> records) {
        return new PhaseRecords(records, sharedNames);
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
