package io.kubejoin.cluster;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.kubejoin.version.KubeVersion;
import io.kubejoin.version.VersionRules;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * K12: waits (by watching, not polling) until nodes report Ready, and when the deadline passes says for each node
 * that is not Ready how far it got, from what the API shows: its bootstrap token's CSR, the CSR's approval and
 * signature, the Node object and its Ready condition.
 */
public final class NodeReadiness {
    private static final Logger log = LoggerFactory.getLogger(NodeReadiness.class);
    /** How long an approved CSR may stay unsigned before kube-controller-manager is blamed (T2). */
    public static final Duration DEFAULT_SIGNING_GRACE = Duration.ofSeconds(30);
    /**
     * A watch that broke is opened again for up to this many request timeouts (30 s with the default 10 s) before the
     * API server is called lost: a restarting kube-apiserver is back well within that, a stopped one never is.
     */
    public static final int API_LOSS_ATTEMPTS = 3;

    public enum State {
        READY,
        /** no CSR from the node's token: kubelet did not start or could not authenticate (T1) */
        NO_CSR,
        CSR_PENDING,
        CSR_REFUSED,
        /** approved but no certificate after the grace period (T2) */
        CSR_NOT_SIGNED,
        /** approved a moment ago, certificate not there yet */
        CSR_SIGNING,
        /** certificate issued but no Node object */
        NOT_REGISTERED,
        NOT_READY,
        /** the API could not be read to say why (e.g. no right to list CSRs) */
        UNKNOWN,
        /** the {@link NodeWatch} saw the node's kubelet fail (it exits and systemd restarts it) */
        KUBELET_FAILED
    }

    /**
     * A look at a node from outside the API while the wait goes on — its kubelet's unit on the node — so that a
     * kubelet that exits at start ends the wait within seconds instead of at the deadline. Called on the waiting
     * thread, first {@link #WATCH_FIRST} after the wait began, then with pauses growing by half up to
     * {@link #WATCH_MAX}; never for a node already Ready (a node Ready within the first look costs nothing).
     */
    @FunctionalInterface
    public interface NodeWatch {
        /** @return why the node cannot become Ready (it ends that node's wait), or null to keep waiting */
        String check(String node) throws InterruptedException;
    }

    /** The first look of a NodeWatch: kubejoin's unit restarts kubelet after RestartSec=5, so one that exits at once is still down then. */
    public static final Duration WATCH_FIRST = Duration.ofSeconds(2);
    public static final Duration WATCH_MAX = Duration.ofSeconds(10);

    /**
     * One node's outcome.
     *
     * @param took      for READY, how long after the wait began it was seen Ready (zero if already Ready)
     * @param diagnosis for the other states, why it is not Ready, in words; empty for READY
     */
    public record Result(String node, State state, Duration took, String diagnosis) {
        public boolean ready() {
            return state == State.READY;
        }

        @Override
        public String toString() {
            return ready() ? node + ": Ready after " + took.toSeconds() + " s" : node + ": " + diagnosis;
        }
    }

    private final KubeConnection conn;
    private final TokenService tokens;
    private final Clock clock;
    private final Duration signingGrace;

    public NodeReadiness(KubeConnection conn, TokenService tokens, Clock clock, Duration signingGrace) {
        this.conn = conn;
        this.tokens = tokens;
        this.clock = clock;
        this.signingGrace = signingGrace;
    }

    /**
     * Waits until every named node is Ready or the deadline passes; the token ids of each node's CSRs are looked
     * up from its bootstrap-token Secrets (label kubejoin.io/node) when a diagnosis is needed.
     *
     * @return one result per node, in the order given
     */
    public Map<String, Result> waitForReady(Collection<String> nodes, Instant deadline) {
        Map<String, Set<String>> none = new LinkedHashMap<>();
        for (String n : nodes) none.put(n, null);
        return waitForReady(none, deadline);
    }

    /**
     * As {@link #waitForReady(Collection, Instant)}, with each node's bootstrap token ids given by the caller
     * (a null set: look them up).
     *
     * <p>Calls in progress at the same time share one watch on the nodes (and the one list that starts it): a join
     * waiting for fifty nodes at once holds one watch, not fifty, and reads each Node event once. The first waiter
     * opens it, the last one to leave closes it.
     *
     * @throws ApiServerLost when the watch broke and could not be opened again within {@link #API_LOSS_ATTEMPTS}
     *                       request timeouts: every waiter ends with it at once, not at its deadline
     */
    public Map<String, Result> waitForReady(Map<String, Set<String>> tokenIdsByNode, Instant deadline) {
        return waitForReady(tokenIdsByNode, deadline, null);
    }

    /**
     * As {@link #waitForReady(Map, Instant)}, looking at each node that is not Ready yet through {@code watch}
     * meanwhile (null: only the API); a node the watch reports failed ends its wait as {@link State#KUBELET_FAILED}.
     */
    public Map<String, Result> waitForReady(Map<String, Set<String>> tokenIdsByNode, Instant deadline, NodeWatch watch) {
        return waitForReady(tokenIdsByNode, deadline, watch, Map.of());
    }

    /**
     * What the Node showed just before kubejoin (re)started its kubelet, when it showed Ready: a kubelet that dies
     * after the restart leaves that condition in place (nothing clears it; the node-lifecycle controller, where it
     * runs, marks it Unknown only after its 40 s grace), so only a Ready heartbeat posted since proves the new
     * process. A real kubelet posts its status at once after start: its last report time starts at zero, so its
     * first tryUpdateNodeStatus (kubelet_node_status.go) patches the status, the Ready condition's lastHeartbeatTime
     * set to its clock's now.
     *
     * @param started        kubejoin's clock just before the restart
     * @param nodeVersion    the Node's resourceVersion then
     * @param readyHeartbeat the Ready condition's lastHeartbeatTime then; null when it could not be read (then only
     *                       a heartbeat at or after {@code started}, to the second, counts: the clocks must agree)
     */
    public record Since(Instant started, String nodeVersion, Instant readyHeartbeat) {
        /**
         * A Ready heartbeat posted after the restart. Newer than the one before: the node's own clock against itself.
         * The API keeps whole seconds, so one equal to it counts when the Node was written since and the heartbeat
         * is not older than the restart's second (a kubelet restarted within a second of its last report).
         */
        public boolean fresh(String version, Instant heartbeat) {
            if (heartbeat == null) return false;
            if (readyHeartbeat != null && heartbeat.isAfter(readyHeartbeat)) return true;
            boolean written = readyHeartbeat == null || nodeVersion == null || !nodeVersion.equals(version);
            return written && !heartbeat.isBefore(started.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        }
    }

    /**
     * Waits, when {@code heartbeat} (a Ready heartbeat the API keeps in whole seconds) is that recent, until the second
     * after it: a kubelet (re)started within that second may post the same status again, which kube-apiserver keeps as
     * it was (a no-op update changes no resourceVersion), so its post could not be told from the stale one. Waits
     * nothing when the heartbeat is older, or further ahead than {@code atMost} (a node clock ahead of this one).
     */
    public static void startAfterTheSecondOf(Instant heartbeat, Clock clock, Duration atMost) {
        if (heartbeat == null) return;
        long ms = Duration.between(clock.instant(), heartbeat.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1)).toMillis();
        if (ms <= 0 || ms > atMost.toMillis()) return;
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Reads the Node before its kubelet is (re)started: a {@link Since} when it shows Ready (only a newer heartbeat
     * will count), null when it does not (no Node, NotReady, Unknown: any Ready that comes was posted since). While
     * the shared watch is open for other waiters and heard from the server lately (an event, or its prober's answer),
     * from what it
     * shows (its list, then every change: as current as a GET but for the events in flight, as a GET is stale the
     * moment it returns); else one GET — 404 on every fresh node, a request and four exceptions each. When the GET
     * fails, only a heartbeat from the restart's second on counts.
     */
    public Since since(String node) {
        Instant started = clock.instant();
        lock.lock();
        try {
            // heard within two quiet spells: a silent watch's prober asks the server after one, so a live server
            // keeps it so; a partitioned one does not, and then the GET decides as before
            if (watching && lost == null && Duration.between(heard, started).compareTo(quiet().multipliedBy(2)) < 0) {
                Seen s = seen.get(node);
                if (s == null || !s.readyTrue()) return null;
                return new Since(started, s.version(), time(s.heartbeat()));
            }
        } finally {
            lock.unlock();
        }
        try {
            Node n = conn.call(Access.cluster("get", "nodes"), () -> conn.client().nodes().withName(node).get());
            NodeCondition ready = n == null ? null : readyCondition(n);
            if (ready == null || !"True".equals(ready.getStatus())) return null;
            return new Since(started, n.getMetadata().getResourceVersion(), time(ready.getLastHeartbeatTime()));
        } catch (RuntimeException e) {
            log.debug("reading node {} before its kubelet restarts: {}", node, e.getMessage());
            return new Since(started, null, null);
        }
    }

    /**
     * As {@link #waitForReady(Map, Instant, NodeWatch)}; a node in {@code since} counts as Ready only with a Ready
     * heartbeat posted after its kubelet was restarted ({@link Since#fresh}), so a restarted kubelet that dies is
     * left to the watch, and a stale condition is named as such at the deadline.
     */
    public Map<String, Result> waitForReady(Map<String, Set<String>> tokenIdsByNode, Instant deadline, NodeWatch watch,
                                            Map<String, Since> since) {
        Waiter w = new Waiter(new LinkedHashSet<>(tokenIdsByNode.keySet()), clock.instant(), lock.newCondition(), since);
        Map<String, String> failed = new LinkedHashMap<>();
        Instant nextLook = watch == null ? null : clock.instant().plus(WATCH_FIRST);
        Duration pause = WATCH_FIRST;
        Map<String, Duration> readyAfter;
        Map<String, NodeCondition> readyCondition = new HashMap<>();
        Map<String, String> nodeVersion = new HashMap<>();
        Set<String> registered = new HashSet<>();
        enter(w);
        try {
            while (clock.instant().isBefore(deadline)) {
                if (!ensureWatching(deadline)) break;
                List<String> toLook = new ArrayList<>();
                boolean look;
                lock.lock();
                try {
                    if (w.done()) break;
                    if (watching) {
                        boolean lookFirst = nextLook != null && nextLook.isBefore(deadline);
                        long waitMs = Duration.between(clock.instant(), lookFirst ? nextLook : deadline).toMillis();
                        if (waitMs <= 0 && !lookFirst) break;
                        // woken by the watch, its close, or the prober calling the server lost (probeWhileSilent)
                        if (waitMs > 0) w.changed.await(waitMs, TimeUnit.MILLISECONDS);
                        if (w.done()) break;
                    }
                    // decided once: a second reading of the clock could move the look on without making it
                    look = nextLook != null && !clock.instant().isBefore(nextLook);
                    if (look) {
                        for (String n : w.wanted) if (!w.readyAfter.containsKey(n) && !failed.containsKey(n)) toLook.add(n);
                    }
                } finally {
                    lock.unlock();
                }
                if (look) {
                    // outside the lock: the look is a command on the node
                    for (String n : toLook) {
                        String why = watch.check(n);
                        if (why != null) failed.put(n, why);
                    }
                    lock.lock();
                    try {
                        if (w.readyAfter.size() + failed.keySet().stream().filter(n -> !w.readyAfter.containsKey(n)).count()
                                >= w.wanted.size()) break;
                    } finally {
                        lock.unlock();
                    }
                    pause = Duration.ofMillis(Math.min(WATCH_MAX.toMillis(), pause.toMillis() * 3 / 2));
                    nextLook = clock.instant().plus(pause);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.lock();
            try {
                readyAfter = new HashMap<>(w.readyAfter);
                for (String n : w.wanted) {
                    Seen s = seen.get(n);
                    if (s == null) continue;
                    registered.add(n);
                    NodeCondition c = s.ready();
                    if (c != null) readyCondition.put(n, c);
                    if (s.version() != null) nodeVersion.put(n, s.version());
                }
            } finally {
                lock.unlock();
            }
            leave(w);
        }

        Map<String, Result> out = new LinkedHashMap<>();
        List<CsrView> csrs = null;
        for (String node : w.wanted) {
            Duration took = readyAfter.get(node);
            if (took != null) {
                out.put(node, new Result(node, State.READY, took, ""));
                continue;
            }
            if (failed.containsKey(node)) {
                out.put(node, new Result(node, State.KUBELET_FAILED, null, failed.get(node)));
                continue;
            }
            NodeCondition ready = readyCondition.get(node);
            Since restarted = since.get(node);
            if (restarted != null && ready != null && "True".equals(ready.getStatus())) {
                out.put(node, new Result(node, State.NOT_READY, null, "its Ready condition is stale: last heartbeat "
                        + ready.getLastHeartbeatTime() + ", from before kubelet was restarted at "
                        + restarted.started().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "; kubelet has not "
                        + "posted its status since (see 'journalctl -u kubelet' on the node; or the node's clock is behind: check NTP)"));
                continue;
            }
            try {
                if (csrs == null && !registered.contains(node)) csrs = CsrView.list(conn);
                out.put(node, diagnose(node, registered.contains(node), readyCondition.get(node), tokenIdsByNode.get(node), csrs));
            } catch (io.kubejoin.util.UserFacingException e) {
                // the wait's answer (not Ready) stands even when the reason cannot be read
                out.put(node, new Result(node, State.UNKNOWN, null, "not Ready, and kubejoin could not tell why: " + e.getMessage()));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ the shared watch

    /**
     * What the watch last showed of a node: of its Ready condition (none yet: hasReady false) the status, heartbeat,
     * reason and message, and its resourceVersion (for {@link Since#fresh}); nothing else is kept. Not the fabric8
     * condition itself: with its six strings and its map of extra properties it was ~0.6 KiB a node, held for every
     * joined node to the end of a join (the watch shows them all); the status, reason and message, the same on most
     * nodes, are shared.
     */
    private record Seen(String status, String heartbeat, String reason, String message, String version,
                        boolean hasReady) {
        /** The Ready condition again, with what was kept of it (null when the node had none). */
        NodeCondition ready() {
            if (!hasReady) return null;
            NodeCondition c = new NodeCondition();
            c.setType("Ready");
            c.setStatus(status);
            c.setLastHeartbeatTime(heartbeat);
            c.setReason(reason);
            c.setMessage(message);
            return c;
        }

        boolean readyTrue() {
            return hasReady && "True".equals(status);
        }
    }

    /** One call of waitForReady: the nodes it waits for and when each was first seen Ready. */
    private static final class Waiter {
        final Set<String> wanted;
        final Instant start;
        final Condition changed;
        /** The nodes whose kubelet was restarted: only a Ready heartbeat since counts. */
        final Map<String, Since> since;
        /** Guarded by the lock. */
        final Map<String, Duration> readyAfter = new HashMap<>();

        Waiter(Set<String> wanted, Instant start, Condition changed, Map<String, Since> since) {
            this.wanted = wanted;
            this.start = start;
            this.changed = changed;
            this.since = since;
        }

        boolean done() {
            return readyAfter.size() == wanted.size();
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    /** Held while a watch is being opened, so only one caller opens it; the others wait and use it. */
    private final Object opening = new Object();
    /** Guarded by lock: every node the current watch has shown, by name. */
    private final Map<String, Seen> seen = new HashMap<>();
    /** Guarded by lock: the waiters of each node. */
    private final Map<String, List<Waiter>> waiters = new HashMap<>();
    /** Guarded by lock: how many waitForReady calls are in progress. */
    private int holders;
    /** Guarded by lock: the watch is open and its list has been applied. */
    private boolean watching;
    /** Guarded by lock: a watch ended early since the last open (the next open pauses first). */
    private boolean broken;
    /** Guarded by lock: which watch is current; events of older ones are dropped. */
    private long generation;
    /** Guarded by lock. */
    private Watch watch;
    /** Guarded by opening: when the watch broke and has not been opened again since (null: it is fine). */
    private Instant brokenSince;
    /** Guarded by opening: the failing attempts are the first open's (the watch never opened), not a reopen's. */
    private boolean firstOpenFailing;
    /** Guarded by opening: failed attempts to open it again since it broke. */
    private int reopenFailures;
    /** Guarded by lock: when the server last proved alive (the watch opened, an event or bookmark, a probe answered). */
    private Instant heard = Instant.EPOCH;
    /** Guarded by lock: the thread that asks the server whether it is alive while the watch is silent (one per open watch). */
    private Thread prober;
    /** Guarded by lock: set once the API server is called lost; every waiter ends with it until all have left. */
    private ApiServerLost lost;

    /**
     * The API server went away while nodes were awaited: the watch closed and opening it again failed for
     * {@link #API_LOSS_ATTEMPTS} request timeouts. One line naming the server and the last error.
     */
    public static final class ApiServerLost extends io.kubejoin.util.UserFacingException {
        ApiServerLost(String message, Throwable cause) {
            super(message, io.kubejoin.util.ExitCodes.FAILED, cause);
        }
    }

    private void enter(Waiter w) {
        lock.lock();
        try {
            holders++;
            for (String n : w.wanted) {
                waiters.computeIfAbsent(n, k -> new ArrayList<>(1)).add(w);
                if (watching) update(w, n);
            }
        } finally {
            lock.unlock();
        }
    }

    private void leave(Waiter w) {
        Watch toClose = null;
        lock.lock();
        try {
            for (String n : w.wanted) {
                List<Waiter> list = waiters.get(n);
                if (list == null) continue;
                list.remove(w);
                if (list.isEmpty()) waiters.remove(n);
            }
            if (--holders == 0) {
                // nobody waits any more: stop watching; the next waiter starts afresh from a list
                toClose = watch;
                watch = null;
                if (prober != null) prober.interrupt();
                prober = null;
                watching = false;
                broken = false;
                lost = null;
                generation++;
                seen.clear();
            }
        } finally {
            lock.unlock();
        }
        if (toClose != null) toClose.close();
    }

    /** Records in the waiter what is known of node n now (under the lock). */
    private void update(Waiter w, String n) {
        Seen s = seen.get(n);
        Since restarted = w.since.get(n);
        if (s != null && s.readyTrue()
                && (restarted == null || restarted.fresh(s.version(), time(s.heartbeat())))) {
            w.readyAfter.putIfAbsent(n, nonNegative(Duration.between(w.start, clock.instant())));
        } else {
            w.readyAfter.remove(n);
        }
    }

    private static Seen seen(Node node) {
        NodeCondition c = readyCondition(node);
        String version = node.getMetadata().getResourceVersion();
        if (c == null) return new Seen(null, null, null, null, version, false);
        return new Seen(shared(c.getStatus()), c.getLastHeartbeatTime(), shared(c.getReason()), shared(c.getMessage()),
                version, true);
    }

    private static String shared(String s) {
        return s == null ? null : s.intern();
    }

    /** A node as the watch or the list shows it (under the lock); null: deleted. */
    private void observe(String name, Seen node) {
        if (node == null) seen.remove(name);
        else seen.put(name, node);
        List<Waiter> ws = waiters.get(name);
        if (ws == null) return;
        for (Waiter w : ws) {
            update(w, name);
            if (w.done()) w.changed.signalAll();
        }
    }

    /**
     * Opens the shared watch, then lists the nodes, unless it is open already; after a watch that ended early it
     * pauses first, so a server that keeps closing watches is not hammered. False when past the deadline.
     */
    private boolean ensureWatching(Instant deadline) throws InterruptedException {
        synchronized (opening) {
            long gen;
            boolean pause;
            lock.lock();
            try {
                if (lost != null) throw lost;
                if (watching) return true;
                pause = broken;
                gen = ++generation;
            } finally {
                lock.unlock();
            }
            if (!pause) {
                brokenSince = null;
                reopenFailures = 0;
            } else if (brokenSince == null) {
                brokenSince = clock.instant();
            }
            if (pause) {
                // 1 s, then 2 s, 4 s between attempts while the server does not answer
                long ms = Math.min(Math.min(1000L << Math.min(reopenFailures, 2), 4000),
                        Duration.between(clock.instant(), deadline).toMillis());
                if (ms <= 0) return false;
                Thread.sleep(ms);
            }
            Instant attempt = clock.instant();
            try {
                open(gen);
                brokenSince = null;
                reopenFailures = 0;
                firstOpenFailing = false;
            } catch (RuntimeException e) {
                // a refusal (401, 403, 404) is said as it is; a first open the server did not finish (timeout, no
                // answer, 429, 5xx: a loaded server) is tried again within the budget, as a watch that broke later
                if (!pause && !serverBusy(e)) throw e;
                if (brokenSince == null) {
                    brokenSince = attempt;
                    firstOpenFailing = !pause;
                }
                reopenFailures++;
                Duration budget = conn.requestTimeout().multipliedBy(API_LOSS_ATTEMPTS);
                Duration gone = Duration.between(brokenSince, clock.instant());
                // no attempt that could end past the budget: a server that drops packets takes a full timeout each
                if (gone.plus(conn.requestTimeout()).compareTo(budget) > 0) {
                    ApiServerLost l = lost(e, gone);
                    lock.lock();
                    try {
                        if (holders > 0) lost = l;
                        for (List<Waiter> ws : waiters.values()) ws.forEach(w -> w.changed.signalAll());
                    } finally {
                        lock.unlock();
                    }
                    throw l;
                }
                log.debug("node watch: API server still unreachable after {} s: {}", gone.toSeconds(), e.getMessage());
                lock.lock();
                try {
                    broken = true;
                } finally {
                    lock.unlock();
                }
            }
            return true;
        }
    }

    /** How long the watch may stay silent before the server is asked whether it is alive: a third of a request timeout. */
    private Duration quiet() {
        return conn.requestTimeout().dividedBy(3).compareTo(Duration.ofMillis(200)) < 0 ? Duration.ofMillis(200)
                : conn.requestTimeout().dividedBy(3);
    }

    /**
     * A watch whose server vanished without closing the connection (a partition sends no FIN or RST) stays open and
     * silent. One thread per open watch, never a waiter (a waiter's look at its node and its deadline must not wait
     * for a request to a silent server): when nothing was heard for {@link #quiet()} it asks GET /version, bounded
     * by the request timeout. Any HTTP answer proves the server alive, whatever its status or body (a proxy's error
     * page, a body that is not JSON); only no answer — a timeout, a refused or reset connection — is a failure.
     * {@link #API_LOSS_ATTEMPTS} failures in a row, one request timeout apart, end every waiter with
     * {@link ApiServerLost}, as a watch that closed and cannot be reopened does.
     */
    private void probeWhileSilent(long gen) {
        int failures = 0;
        Instant first = null;
        Instant next = null;
        try {
            while (true) {
                Instant due;
                lock.lock();
                try {
                    if (gen != generation || !watching || holders == 0 || lost != null) return;
                    due = failures == 0 ? heard.plus(quiet()) : next;
                } finally {
                    lock.unlock();
                }
                long ms = Duration.between(clock.instant(), due).toMillis();
                if (ms > 0) {
                    Thread.sleep(ms); // then look again: an event may have come meanwhile
                    continue;
                }
                Instant began = clock.instant();
                Throwable failure = ask();
                lock.lock();
                try {
                    if (gen != generation || !watching || holders == 0 || lost != null) return;
                    if (failure == null) heard = clock.instant();
                    // answered, or the watch spoke since the first unanswered request
                    if (failure == null || heard.isAfter(first == null ? began : first)) {
                        failures = 0;
                        first = null;
                        continue;
                    }
                } finally {
                    lock.unlock();
                }
                if (failures++ == 0) first = began;
                log.debug("node watch silent; API server probe {} failed: {}", failures, failure.getMessage());
                if (failures >= API_LOSS_ATTEMPTS) {
                    String why = ApiErrors.transport(failure, conn.serverUrl(), conn.source(), conn.requestTimeout().toSeconds())
                            .getMessage();
                    why = why == null ? "no answer" : why.replace(" at " + conn.serverUrl(), "");
                    Duration gone = Duration.between(first, clock.instant());
                    ApiServerLost l = new ApiServerLost("lost the API server " + conn.serverUrl() + ": the watch on Nodes went silent and "
                            + API_LOSS_ATTEMPTS + " requests over " + Math.max(1, gone.toSeconds()) + " s got no answer (last: " + why + ")", failure);
                    lock.lock();
                    try {
                        if (gen != generation || holders == 0 || lost != null) return;
                        lost = l;
                        watching = false;
                        for (List<Waiter> ws : waiters.values()) ws.forEach(w -> w.changed.signalAll());
                    } finally {
                        lock.unlock();
                    }
                    return;
                }
                // a refused connection fails at once: the attempts are a request timeout apart
                next = began.plus(conn.requestTimeout());
            }
        } catch (InterruptedException e) {
            // the last waiter left
        }
    }

    /** GET /version without reading its body: null when the server answered at all, else why there was no answer. */
    private Throwable ask() throws InterruptedException {
        io.fabric8.kubernetes.client.http.HttpClient http = conn.client().getHttpClient();
        long ms = conn.requestTimeout().toMillis();
        java.util.concurrent.CompletableFuture<io.fabric8.kubernetes.client.http.HttpResponse<byte[]>> answer;
        try {
            answer = http.sendAsync(http.newHttpRequestBuilder().uri(conn.serverUrl() + "/version")
                    .timeout(ms, TimeUnit.MILLISECONDS).build(), byte[].class);
        } catch (RuntimeException e) {
            return e;
        }
        try {
            answer.get(ms, TimeUnit.MILLISECONDS); // any status code: the server is there
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause() == null ? e : e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            answer.cancel(true);
            return e;
        } catch (InterruptedException e) {
            answer.cancel(true);
            throw e;
        }
    }

    /** The server or the way to it failed (no HTTP answer, 408, 429, 5xx), not a refusal of the request. */
    static boolean serverBusy(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.fabric8.kubernetes.client.KubernetesClientException k && k.getCode() > 0) {
                int c = k.getCode();
                return c == 408 || c == 429 || c >= 500;
            }
        }
        return true;
    }

    private ApiServerLost lost(RuntimeException e, Duration gone) {
        // the server's address is said once, up front
        String why = e.getMessage() == null ? "no answer" : e.getMessage().replace(" at " + conn.serverUrl(), "");
        String what = firstOpenFailing ? "could not open the watch on Nodes: " + reopenFailures + " attempts"
                : "the watch on Nodes closed and " + reopenFailures + " attempts to reconnect";
        return new ApiServerLost("lost the API server " + conn.serverUrl() + ": " + what + " over "
                + Math.max(1, gone.toSeconds()) + " s failed (last: " + why + ")", e);
    }

    /** Opens the watch, then lists (under opening). */
    private void open(long gen) {
        Watcher<Node> watcher = new Watcher<>() {
            @Override
            public void eventReceived(Action action, Node node) {
                lock.lock();
                try {
                    if (gen != generation) return;
                    heard = clock.instant();
                    // a bookmark carries only a resourceVersion: it proves the server alive, nothing about a node
                    if (action != Action.BOOKMARK) observe(node.getMetadata().getName(), action == Action.DELETED ? null : seen(node));
                } finally {
                    lock.unlock();
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                // the watch ended (server restart, expired resourceVersion): watch again from a fresh list
                log.debug("node watch closed: {}", cause.getMessage());
                lock.lock();
                try {
                    if (gen != generation) return;
                    watching = false;
                    broken = true;
                    for (List<Waiter> ws : waiters.values()) ws.forEach(w -> w.changed.signalAll());
                } finally {
                    lock.unlock();
                }
            }
        };
        // watch first, then list: a change between the two is seen by the watch, so nothing is missed
        // ended by the server after 5-10 min, as client-go's reflector asks, and opened again by the client: a
        // connection that went stale unnoticed does not outlive that
        io.fabric8.kubernetes.api.model.ListOptions options = new io.fabric8.kubernetes.api.model.ListOptionsBuilder()
                .withTimeoutSeconds(300L + java.util.concurrent.ThreadLocalRandom.current().nextLong(300)).build();
        Watch opened = conn.call(Access.cluster("watch", "nodes"), () -> conn.client().nodes().watch(options, watcher));
        boolean keep = false;
        try {
            // in pages, keeping only what a wait needs of each Node
            List<Map.Entry<String, Seen>> current = new ArrayList<>();
            conn.run(Access.cluster("list", "nodes"), () -> Pages.each(o -> conn.client().nodes().list(o),
                    n -> current.add(Map.entry(n.getMetadata().getName(), seen(n)))));
            lock.lock();
            try {
                if (gen == generation && holders > 0) {
                    keep = true;
                    watch = opened;
                    watching = true;
                    heard = clock.instant();
                    broken = false;
                    if (prober != null) prober.interrupt();
                    prober = new Thread(() -> probeWhileSilent(gen), "kubejoin-node-watch-probe");
                    prober.setDaemon(true);
                    prober.start();
                    for (Map.Entry<String, Seen> n : current) observe(n.getKey(), n.getValue());
                }
            } finally {
                lock.unlock();
            }
        } finally {
            if (!keep) opened.close();
        }
    }

    private static Instant time(String s) {
        if (s == null || s.isBlank()) return null;
        try {
            return Instant.parse(s);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    private static Duration nonNegative(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }

    /**
     * Slack on top of the release's first-status-to-Ready time before a starting Node counts as NotReady: the
     * condition's time is to the second, and kubelet's clock and this machine's differ a little.
     */
    public static final Duration STARTUP_MARGIN = Duration.ofSeconds(5);

    /**
     * Whether a registered Node that is not Ready is only in its kubelet's start-up, and then what it is waiting for
     * (else null). A kubelet posts NotReady first (reason KubeletNotReady: PLEG has not relisted yet) and Ready when its
     * release does ({@link VersionRules#kubeletReadyAfterFirstStatus}: the next node-status sync before 1.26, the fast
     * path from 1.26): so a KubeletNotReady condition whose transition is more recent than that, plus
     * {@link #STARTUP_MARGIN}, is no failure yet. Any other reason, an older transition or no time: null.
     *
     * @param ready                     the Node's Ready condition (null: none)
     * @param kubelet                   the kubelet's release (the Node's kubeletVersion, else the inventory's)
     * @param nodeStatusUpdateFrequency the kubelet's configured period (kubejoin renders 10 s)
     */
    public static String startingUp(NodeCondition ready, KubeVersion kubelet, Duration nodeStatusUpdateFrequency, Instant now) {
        if (ready == null || !"False".equals(ready.getStatus()) || !"KubeletNotReady".equals(ready.getReason())) return null;
        Instant since;
        try {
            since = Instant.parse(ready.getLastTransitionTime());
        } catch (RuntimeException e) {
            return null;
        }
        Duration expected = VersionRules.kubeletReadyAfterFirstStatus(kubelet, nodeStatusUpdateFrequency);
        if (Duration.between(since, now).compareTo(expected.plus(STARTUP_MARGIN)) > 0) return null;
        return VersionRules.kubeletFastStatusUntilReady(kubelet)
                ? "kubelet " + kubelet.minorString() + " posts Ready as soon as its runtime checks pass (within seconds)"
                : "kubelet " + kubelet.minorString() + " posts Ready at its next node-status sync, nodeStatusUpdateFrequency ("
                        + nodeStatusUpdateFrequency.toSeconds() + " s) after its first status";
    }

    static boolean isReady(Node node) {
        NodeCondition ready = readyCondition(node);
        return ready != null && "True".equals(ready.getStatus());
    }

    private static NodeCondition readyCondition(Node node) {
        if (node.getStatus() == null || node.getStatus().getConditions() == null) return null;
        return node.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
    }

    Result diagnose(String node, boolean registered, NodeCondition ready, Set<String> tokenIds, List<CsrView> csrs) {
        if (registered) {
            String why = ready == null ? "kubelet has not reported its status yet"
                    : (ready.getReason() == null ? "" : ready.getReason() + ": ")
                    + (ready.getMessage() == null ? "no message" : ready.getMessage());
            return new Result(node, State.NOT_READY, null, "registered but NotReady: " + why);
        }
        Set<String> ids = tokenIds != null ? tokenIds : new LinkedHashSet<>(tokens.listForNode(node).stream().map(TokenInfo::id).toList());
        Set<String> users = new LinkedHashSet<>();
        ids.forEach(id -> users.add("system:bootstrap:" + id));
        CsrView csr = csrs.stream().filter(c -> users.contains(c.username()))
                .max(Comparator.comparing(CsrView::created, Comparator.nullsFirst(Comparator.naturalOrder())))
                .orElse(null);
        if (csr == null) {
            String token = ids.isEmpty() ? "it has no bootstrap token in the cluster (expired or deleted?)"
                    : "no certificate signing request from its bootstrap token " + String.join(", ", ids.stream().map(i -> i + ".****").toList());
            return new Result(node, State.NO_CSR, null, token + ": kubelet never started, or could not authenticate "
                    + "(see 'systemctl status kubelet' and 'journalctl -u kubelet' on the node)");
        }
        if (csr.refusal() != null) {
            return new Result(node, State.CSR_REFUSED, null, "its certificate signing request " + csr.name() + " was " + csr.refusal());
        }
        if (csr.pending()) {
            return new Result(node, State.CSR_PENDING, null, "its certificate signing request " + csr.name()
                    + " is waiting for approval");
        }
        if (!csr.hasCertificate()) {
            Duration since = Duration.between(csr.approvedAt(), clock.instant());
            if (since.compareTo(signingGrace) >= 0) {
                return new Result(node, State.CSR_NOT_SIGNED, null, "its certificate signing request " + csr.name()
                        + " was approved " + since.toSeconds() + " s ago but has no certificate: kube-controller-manager "
                        + "is not signing: check that it runs, with --cluster-signing-cert-file/--cluster-signing-key-file");
            }
            return new Result(node, State.CSR_SIGNING, null, "its certificate signing request " + csr.name()
                    + " was approved but is not signed yet");
        }
        return new Result(node, State.NOT_REGISTERED, null, "got its client certificate (CSR " + csr.name()
                + ") but registered no Node: see 'journalctl -u kubelet' on the node (can it reach kube-apiserver?)");
    }
}
