package io.kubejoin.cluster;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
        UNKNOWN
    }

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
     */
    public Map<String, Result> waitForReady(Map<String, Set<String>> tokenIdsByNode, Instant deadline) {
        Instant start = clock.instant();
        Set<String> wanted = new LinkedHashSet<>(tokenIdsByNode.keySet());
        Map<String, Duration> readyAfter = new ConcurrentHashMap<>();
        Map<String, Node> lastSeen = new ConcurrentHashMap<>();

        boolean rewatch = false;
        while (readyAfter.size() < wanted.size() && clock.instant().isBefore(deadline)) {
            if (rewatch) {
                // the previous watch ended early: pause so a server that keeps closing watches is not hammered
                long pause = Math.min(1000, Duration.between(clock.instant(), deadline).toMillis());
                if (pause > 0) {
                    try {
                        Thread.sleep(pause);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            rewatch = true;
            CountDownLatch done = new CountDownLatch(1);
            Watcher<Node> watcher = new Watcher<>() {
                @Override
                public void eventReceived(Action action, Node node) {
                    String name = node.getMetadata().getName();
                    if (!wanted.contains(name)) return;
                    if (action == Action.DELETED) {
                        lastSeen.remove(name);
                        readyAfter.remove(name);
                        return;
                    }
                    observe(node, start, readyAfter, lastSeen);
                    if (readyAfter.size() == wanted.size()) done.countDown();
                }

                @Override
                public void onClose(WatcherException cause) {
                    // the watch ended (server restart, expired resourceVersion): watch again from a fresh list
                    log.debug("node watch closed: {}", cause.getMessage());
                    done.countDown();
                }
            };
            // watch first, then list: a change between the two is seen by the watch, so nothing is missed
            Watch watch = conn.call(Access.cluster("watch", "nodes"), () -> conn.client().nodes().watch(watcher));
            try {
                List<Node> current = conn.call(Access.cluster("list", "nodes"), () -> conn.client().nodes().list().getItems());
                for (Node n : current) {
                    if (wanted.contains(n.getMetadata().getName())) observe(n, start, readyAfter, lastSeen);
                }
                if (readyAfter.size() == wanted.size()) break;
                long waitMs = Duration.between(clock.instant(), deadline).toMillis();
                if (waitMs <= 0 || done.await(waitMs, TimeUnit.MILLISECONDS) && readyAfter.size() == wanted.size()) break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } finally {
                watch.close();
            }
        }

        Map<String, Result> out = new LinkedHashMap<>();
        List<CsrView> csrs = null;
        for (String node : wanted) {
            Duration took = readyAfter.get(node);
            if (took != null) {
                out.put(node, new Result(node, State.READY, took, ""));
                continue;
            }
            try {
                if (csrs == null && !lastSeen.containsKey(node)) csrs = CsrView.list(conn);
                out.put(node, diagnose(node, lastSeen.get(node), tokenIdsByNode.get(node), csrs));
            } catch (io.kubejoin.cli.UserFacingException e) {
                // the wait's answer (not Ready) stands even when the reason cannot be read
                out.put(node, new Result(node, State.UNKNOWN, null, "not Ready, and kubejoin could not tell why: " + e.getMessage()));
            }
        }
        return out;
    }

    private void observe(Node node, Instant start, Map<String, Duration> readyAfter, Map<String, Node> lastSeen) {
        String name = node.getMetadata().getName();
        lastSeen.put(name, node);
        if (isReady(node)) {
            readyAfter.putIfAbsent(name, nonNegative(Duration.between(start, clock.instant())));
        } else {
            readyAfter.remove(name);
        }
    }

    private static Duration nonNegative(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }

    static boolean isReady(Node node) {
        NodeCondition ready = readyCondition(node);
        return ready != null && "True".equals(ready.getStatus());
    }

    private static NodeCondition readyCondition(Node node) {
        if (node.getStatus() == null || node.getStatus().getConditions() == null) return null;
        return node.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
    }

    Result diagnose(String node, Node seen, Set<String> tokenIds, List<CsrView> csrs) {
        if (seen != null) {
            NodeCondition ready = readyCondition(seen);
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
