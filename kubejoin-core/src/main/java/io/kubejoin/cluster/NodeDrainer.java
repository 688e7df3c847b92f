package io.kubejoin.cluster;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kubejoin.util.ExitCodes;
import io.kubejoin.util.UserFacingException;
import io.kubejoin.version.KubeVersion;
import io.kubejoin.version.VersionRules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Drains one node as {@code kubectl drain --ignore-daemonsets} does (staging/src/k8s.io/kubectl/pkg/drain): the
 * node's pods are sorted by kubectl's filters (DaemonSet pods and mirror pods stay; pods with emptyDir data only with
 * {@code deleteEmptyDirData}; pods no controller owns only with {@code force}; a refusal names every pod and changes
 * nothing), the node is cordoned, each pod is evicted through the Eviction API (so PodDisruptionBudgets hold),
 * a 429 retried every {@code retryInterval} until {@code timeout}, and the drain waits until the evicted pods are gone.
 * A timeout ends with the pods still there and the budget that blocks each (from the server's DisruptionBudget
 * cause). Pods are deleted around their budget only with {@code force}, and each such deletion is reported.
 * The node stays cordoned; {@link #uncordon} makes it schedulable again.
 */
public final class NodeDrainer {
    static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

    /**
     * @param deleteEmptyDirData evict pods with emptyDir volumes (their data is lost), kubectl's --delete-emptydir-data
     * @param force              evict pods no controller owns (nothing recreates them), and at the timeout delete
     *                           the pods a budget still protects
     * @param timeout            the whole drain's limit, from the first eviction to the last pod gone
     * @param retryInterval      between evictions a 429 refused (kubectl: 5 s)
     * @param pollInterval       between looks at the evicted pods (kubectl: 1 s)
     */
    public record Options(boolean deleteEmptyDirData, boolean force, Duration timeout, Duration retryInterval,
                          Duration pollInterval) {
        public Options {
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(retryInterval, "retryInterval");
            Objects.requireNonNull(pollInterval, "pollInterval");
        }

        public static Options defaults() {
            return new Options(false, false, Duration.ofMinutes(5), Duration.ofSeconds(5), Duration.ofSeconds(1));
        }

        public Options withDeleteEmptyDirData(boolean v) {
            return new Options(v, force, timeout, retryInterval, pollInterval);
        }

        public Options withForce(boolean v) {
            return new Options(deleteEmptyDirData, v, timeout, retryInterval, pollInterval);
        }

        public Options withTimeout(Duration t) {
            return new Options(deleteEmptyDirData, force, t, retryInterval, pollInterval);
        }

        public Options withIntervals(Duration retry, Duration poll) {
            return new Options(deleteEmptyDirData, force, timeout, retry, poll);
        }
    }

    /** A pod the drain did not remove, and why ("DaemonSet-managed", "mirror pod", the budget that blocked it, ...). */
    public record LeftPod(String pod, String reason) {
    }

    /**
     * What a drain did.
     *
     * @param evicted      namespace/name of every pod evicted and gone
     * @param left         pods still on the node, each with its reason
     * @param forceDeleted pods deleted around their budget (only with force)
     * @param failure      null when the drain completed; else one line saying what is left and what to do
     */
    public record Result(String node, List<String> evicted, List<LeftPod> left, List<String> forceDeleted, String failure) {
        public boolean completed() {
            return failure == null;
        }

        /** The result, or its failure as a one-line error (exit 1). */
        public Result orThrow() {
            if (failure != null) throw new UserFacingException(failure, ExitCodes.FAILED);
            return this;
        }
    }

    private final KubeConnection conn;
    private final KubeVersion cluster;
    private final Options options;
    private final Consumer<String> progress;

    public NodeDrainer(KubeConnection conn, KubeVersion cluster, Options options, Consumer<String> progress) {
        this.conn = conn;
        this.cluster = cluster;
        this.options = options;
        this.progress = progress;
    }

    /** spec.unschedulable=true, as kubectl cordon. Returns whether it was schedulable before. */
    public boolean cordon(String node) {
        boolean wasCordoned = setUnschedulable(node, true);
        progress.accept("node/" + node + (wasCordoned ? " already cordoned" : " cordoned"));
        return !wasCordoned;
    }

    /** spec.unschedulable=false, as kubectl uncordon. */
    public void uncordon(String node) {
        boolean wasCordoned = setUnschedulable(node, false);
        progress.accept("node/" + node + (wasCordoned ? " uncordoned" : " already uncordoned"));
    }

    /** Sets spec.unschedulable; returns whether the node was unschedulable before. */
    private boolean setUnschedulable(String node, boolean value) {
        return conn.call(Access.cluster("patch", "nodes"), () -> {
            var n = conn.client().nodes().withName(node).get();
            if (n == null) throw new UserFacingException("node " + node + " is not registered in the cluster: nothing to "
                    + (value ? "cordon" : "uncordon"), ExitCodes.FAILED);
            boolean before = n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
            if (before != value) {
                conn.client().nodes().withName(node).edit(x -> new NodeBuilder(x).editOrNewSpec()
                        .withUnschedulable(value ? Boolean.TRUE : null).endSpec().build());
            }
            return before;
        });
    }

    /**
     * Drains {@code node}: refuses (nothing changed) when kubectl's filters would; else cordons, evicts, waits.
     * The node stays cordoned whatever the outcome.
     */
    public Result drain(String node) {
        Sorted first = sort(podsOn(node), new java.util.HashMap<>());
        if (!first.refusals.isEmpty()) throw refusal(node, first);
        boolean wasSchedulable = cordon(node);
        Sorted sorted = sort(podsOn(node), new java.util.HashMap<>()); // pods bound between the look and the cordon
        if (!sorted.refusals.isEmpty()) {
            if (wasSchedulable) uncordon(node);
            throw refusal(node, sorted);
        }
        for (LeftPod l : sorted.left) {
            if (!l.reason().startsWith("mirror")) progress.accept("ignoring " + l.reason() + " pod " + l.pod());
        }
        for (Pod p : sorted.evict) {
            if (controllerOf(p) == null && !finished(p)) progress.accept("evicting pod " + name(p) + ", which no controller owns (force)");
        }
        long deadline = System.nanoTime() + options.timeout().toNanos();
        Map<String, Pod> pending = new LinkedHashMap<>();
        sorted.evict.forEach(p -> pending.put(name(p), p));
        Map<String, String> blocked = new LinkedHashMap<>();
        Map<String, Pod> evicted = new LinkedHashMap<>();
        String eviction = VersionRules.evictionGroupVersion(cluster);
        while (!pending.isEmpty()) {
            for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                String why = evict(e.getValue(), eviction);
                if (why == null) {
                    evicted.put(e.getKey(), e.getValue());
                    blocked.remove(e.getKey());
                    progress.accept("pod/" + e.getKey() + " evicted");
                    it.remove();
                } else if (!why.equals(blocked.put(e.getKey(), why))) {
                    progress.accept("cannot evict pod " + e.getKey() + " yet (retrying every "
                            + options.retryInterval().toSeconds() + " s): " + why);
                }
            }
            if (pending.isEmpty() || !sleepUntil(deadline, options.retryInterval())) break;
        }
        List<String> forceDeleted = new ArrayList<>();
        if (!pending.isEmpty() && options.force()) {
            for (Pod p : pending.values()) {
                progress.accept("deleting pod " + name(p) + " despite its disruption budget (force): " + blocked.get(name(p)));
                conn.run(Access.in(p.getMetadata().getNamespace(), "delete", "pods"),
                        () -> conn.client().pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).delete());
                forceDeleted.add(name(p));
            }
        }
        // wait until the evicted pods are gone (or replaced by a pod of the same name: another uid)
        Map<String, Pod> terminating = new LinkedHashMap<>(evicted);
        while (!terminating.isEmpty()) {
            terminating.values().removeIf(this::gone);
            if (terminating.isEmpty() || !sleepUntil(deadline, options.pollInterval())) break;
        }
        List<String> done = evicted.keySet().stream().filter(k -> !terminating.containsKey(k)).toList();
        List<LeftPod> left = new ArrayList<>(sorted.left);
        if (!options.force()) pending.forEach((k, p) -> left.add(new LeftPod(k, blocked.get(k))));
        terminating.forEach((k, p) -> left.add(new LeftPod(k, "evicted but still terminating: its node's kubelet has not confirmed the end")));
        String failure = null;
        if ((!pending.isEmpty() && !options.force()) || !terminating.isEmpty()) {
            StringBuilder m = new StringBuilder("drain of node " + node + " did not finish within "
                    + seconds(options.timeout()) + ": ");
            List<String> parts = new ArrayList<>();
            if (!options.force()) pending.keySet().forEach(k -> parts.add("pod " + k + " not evicted: " + blocked.get(k)));
            terminating.keySet().forEach(k -> parts.add("pod " + k + " evicted but still terminating"));
            m.append(String.join("; ", parts));
            m.append(!pending.isEmpty() && !options.force()
                    ? " (fix: let the budget allow a disruption — more replicas, or a lower minAvailable / higher "
                    + "maxUnavailable —, or allow more time with a longer drain timeout; force deletes such pods "
                    + "regardless of their budget; the node stays cordoned)"
                    : " (fix: check the kubelet on " + node + "; the node stays cordoned)");
            failure = m.toString();
        } else {
            progress.accept("node/" + node + " drained");
        }
        return new Result(node, done, List.copyOf(left), List.copyOf(forceDeleted), failure);
    }

    // ---- the read-only preview: what a drain would do now ----

    /**
     * A PodDisruptionBudget as the Eviction API reads it (policy/v1, or policy/v1beta1 where the cluster's Eviction is
     * still that version).
     *
     * @param minAvailable   spec.minAvailable as written ("3", "50%"), null when unset
     * @param maxUnavailable spec.maxUnavailable as written, null when unset
     * @param alwaysAllowUnhealthy spec.unhealthyPodEvictionPolicy is AlwaysAllow (1.26+): a pod that is not Ready is
     *                             evicted whatever the budget allows
     */
    public record Budget(String namespace, String name, LabelSelector selector, String minAvailable, String maxUnavailable,
                         boolean alwaysAllowUnhealthy, long generation, long observedGeneration, int disruptionsAllowed,
                         int desiredHealthy, int currentHealthy) {
        public String id() {
            return namespace + "/" + name;
        }

        /** "minAvailable 3", "maxUnavailable 25%", or both as written. */
        public String spec() {
            List<String> parts = new ArrayList<>();
            if (minAvailable != null) parts.add("minAvailable " + minAvailable);
            if (maxUnavailable != null) parts.add("maxUnavailable " + maxUnavailable);
            return parts.isEmpty() ? "no minAvailable or maxUnavailable" : String.join(", ", parts);
        }

        /** As eviction.go selects: same namespace, and a nil or empty selector matches nothing (not everything). */
        boolean selects(Pod p) {
            return namespace.equals(p.getMetadata().getNamespace()) && LabelSelectors.matches(selector, p.getMetadata().getLabels());
        }
    }

    /**
     * A budget that would make an eviction fail now (429, or 500 for two budgets), with why.
     *
     * @param podsOnNode the pods of this budget the drain would evict from the node
     */
    public record Blocker(String budget, String minAvailable, String maxUnavailable, int disruptionsAllowed, int podsOnNode,
                          String reason) {
        /** "PDB default/web (minAvailable 3, 0 disruptions allowed)", and the reason when it is not just that. */
        public String describe() {
            List<String> parts = new ArrayList<>();
            if (minAvailable != null) parts.add("minAvailable " + minAvailable);
            if (maxUnavailable != null) parts.add("maxUnavailable " + maxUnavailable);
            parts.add(disruptionsAllowed + (disruptionsAllowed == 1 ? " disruption" : " disruptions") + " allowed");
            if (podsOnNode > disruptionsAllowed && disruptionsAllowed > 0) parts.add(podsOnNode + " of its pods on this node");
            String s = "PDB " + budget + " (" + String.join(", ", parts) + ")";
            return reason == null ? s : s + ": " + reason;
        }
    }

    /** A pod the drain would evict: its controller's kind (null: none, a bare pod evicted only with force) and the budgets that block it now. */
    public record Evictable(String pod, String ownerKind, List<Blocker> blockedBy) {
    }

    /** A refusal of kubectl's filters: the drain would change nothing, and why. */
    public record Refusal(String reason, List<String> pods) {
    }

    /**
     * What {@link #drain} would do now, read without changing anything.
     *
     * @param evict    pods it would evict, each with the budgets that would block it now
     * @param left     pods it would leave (DaemonSet-managed, mirror pods), with drain's wording
     * @param refusals non-empty: the drain would refuse, nothing changed (emptyDir without deleteEmptyDirData, bare
     *                 pods without force), as drain's own refusal
     */
    public record Preview(String node, List<Evictable> evict, List<LeftPod> left, List<Refusal> refusals) {
        public boolean refused() {
            return !refusals.isEmpty();
        }

        /** Each blocking budget once, in the order the pods name them. */
        public List<Blocker> blockers() {
            Map<String, Blocker> out = new LinkedHashMap<>();
            evict.forEach(e -> e.blockedBy().forEach(b -> out.putIfAbsent(b.budget(), b)));
            return List.copyOf(out.values());
        }

        /** drain's refusal message for these refusals, null when it would not refuse. */
        public String refusalMessage() {
            if (refusals.isEmpty()) return null;
            List<String> parts = new ArrayList<>();
            refusals.forEach(r -> parts.add(r.reason() + ": " + String.join(", ", r.pods())));
            return "cannot drain node " + node + ", nothing was changed: " + String.join("; ", parts);
        }
    }

    /**
     * Every PodDisruptionBudget of the cluster, one list (a preview of many nodes reads them once), in the group/version
     * the release serves (policy/v1 from 1.21, policy/v1beta1 before: {@link VersionRules#podDisruptionBudgetGroupVersion}).
     */
    public List<Budget> budgets() {
        boolean v1 = VersionRules.podDisruptionBudgetGroupVersion(cluster).equals("policy/v1");
        return conn.call(Access.cluster("list", "poddisruptionbudgets"), () -> v1
                ? conn.client().policy().v1().podDisruptionBudget().inAnyNamespace().list().getItems().stream().map(b -> {
                    var sp = b.getSpec();
                    var st = b.getStatus();
                    return new Budget(b.getMetadata().getNamespace(), b.getMetadata().getName(), sp == null ? null : sp.getSelector(),
                            text(sp == null ? null : sp.getMinAvailable()), text(sp == null ? null : sp.getMaxUnavailable()),
                            sp != null && "AlwaysAllow".equals(sp.getUnhealthyPodEvictionPolicy()),
                            n(b.getMetadata().getGeneration()), st == null ? 0 : n(st.getObservedGeneration()),
                            st == null ? 0 : n(st.getDisruptionsAllowed()), st == null ? 0 : n(st.getDesiredHealthy()),
                            st == null ? 0 : n(st.getCurrentHealthy()));
                }).toList()
                : conn.client().policy().v1beta1().podDisruptionBudget().inAnyNamespace().list().getItems().stream().map(b -> {
                    var sp = b.getSpec();
                    var st = b.getStatus();
                    return new Budget(b.getMetadata().getNamespace(), b.getMetadata().getName(), sp == null ? null : sp.getSelector(),
                            text(sp == null ? null : sp.getMinAvailable()), text(sp == null ? null : sp.getMaxUnavailable()),
                            false, n(b.getMetadata().getGeneration()), st == null ? 0 : n(st.getObservedGeneration()),
                            st == null ? 0 : n(st.getDisruptionsAllowed()), st == null ? 0 : n(st.getDesiredHealthy()),
                            st == null ? 0 : n(st.getCurrentHealthy()));
                }).toList());
    }

    /** {@link #preview(String, List)} with the budgets read now. */
    public Preview preview(String node) {
        return preview(node, budgets());
    }

    /**
     * What a drain of {@code node} would do now, changing nothing: one pod list (field selector spec.nodeName), drain's
     * own filters with this drainer's options, and for each pod it would evict the budgets that would refuse the
     * eviction now, by eviction.go's rules: a terminal, pending or terminating pod passes any budget; a pod under two
     * budgets is refused (500); a pod that is not Ready passes when its budget already has its desired healthy pods (or
     * says AlwaysAllow); otherwise a budget whose status is behind its generation, that allows 0 disruptions, or that
     * allows fewer than the drain would evict of its pods from this node, blocks.
     *
     * @param budgets {@link #budgets()}, read once for many nodes
     */
    public Preview preview(String node, List<Budget> budgets) {
        Sorted sorted = sort(podsOn(node), previewDaemonSets);
        Map<String, List<Budget>> under = new LinkedHashMap<>();
        Map<String, Integer> decrements = new LinkedHashMap<>();
        for (Pod p : sorted.evict) {
            List<Budget> mine = passesEveryBudget(p) ? List.of() : budgets.stream().filter(b -> b.selects(p)).toList();
            under.put(name(p), mine);
            if (mine.size() == 1 && !passesUnhealthy(p, mine.get(0))) decrements.merge(mine.get(0).id(), 1, Integer::sum);
        }
        List<Evictable> evict = new ArrayList<>();
        for (Pod p : sorted.evict) {
            List<Budget> mine = under.get(name(p));
            List<Blocker> blockers = new ArrayList<>();
            if (mine.size() > 1) {
                String all = String.join(", ", mine.stream().map(Budget::id).toList());
                for (Budget b : mine) {
                    blockers.add(blocker(b, decrements, "the pod is under more than one PodDisruptionBudget (" + all
                            + "), which the Eviction API refuses (HTTP 500) whatever they allow"));
                }
            } else if (mine.size() == 1 && !passesUnhealthy(p, mine.get(0))) {
                Budget b = mine.get(0);
                int on = decrements.getOrDefault(b.id(), 0);
                if (b.observedGeneration() < b.generation()) {
                    blockers.add(blocker(b, decrements, "the disruption controller has not processed its latest spec yet"));
                } else if (b.disruptionsAllowed() <= 0) {
                    blockers.add(blocker(b, decrements, null));
                } else if (on > b.disruptionsAllowed()) {
                    blockers.add(blocker(b, decrements, "the drain would evict " + on + " of its pods from this node"));
                }
            }
            OwnerReference c = controllerOf(p);
            evict.add(new Evictable(name(p), c == null ? null : c.getKind(), List.copyOf(blockers)));
        }
        List<Refusal> refusals = new ArrayList<>();
        sorted.refusals.forEach((why, pods) -> refusals.add(new Refusal(why, List.copyOf(pods))));
        return new Preview(node, List.copyOf(evict), List.copyOf(sorted.left), List.copyOf(refusals));
    }

    /** DaemonSets looked up by previews: a plan over many nodes asks once per DaemonSet. */
    private final Map<String, Boolean> previewDaemonSets = new java.util.concurrent.ConcurrentHashMap<>();

    private static Blocker blocker(Budget b, Map<String, Integer> decrements, String reason) {
        return new Blocker(b.id(), b.minAvailable(), b.maxUnavailable(), b.disruptionsAllowed(),
                decrements.getOrDefault(b.id(), 0), reason);
    }

    /** eviction.go's canIgnorePDB: a finished, pending or terminating pod is deleted without a budget's consent. */
    private static boolean passesEveryBudget(Pod p) {
        String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase) || "Pending".equals(phase)
                || p.getMetadata().getDeletionTimestamp() != null;
    }

    /** A pod that is not Ready does not count as healthy: evicted when the budget has enough healthy pods, or always with AlwaysAllow. */
    private static boolean passesUnhealthy(Pod p, Budget b) {
        if (ready(p)) return false;
        return b.alwaysAllowUnhealthy() || (b.currentHealthy() >= b.desiredHealthy() && b.desiredHealthy() > 0);
    }

    private static boolean ready(Pod p) {
        return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static String text(io.fabric8.kubernetes.api.model.IntOrString v) {
        if (v == null) return null;
        return v.getIntVal() != null ? String.valueOf(v.getIntVal()) : v.getStrVal();
    }

    private static long n(Long v) {
        return v == null ? 0 : v;
    }

    private static int n(Integer v) {
        return v == null ? 0 : v;
    }

    /** One eviction: null when the pod is evicted (or already gone), else why not (retried). Other failures throw. */
    private String evict(Pod p, String groupVersion) {
        String ns = p.getMetadata().getNamespace();
        String pod = p.getMetadata().getName();
        String body = "{\"apiVersion\":\"" + groupVersion + "\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\""
                + pod + "\",\"namespace\":\"" + ns + "\"}}";
        String url = conn.serverUrl() + "/api/v1/namespaces/" + ns + "/pods/" + pod + "/eviction";
        HttpClient http = conn.client().getHttpClient();
        HttpRequest request = http.newHttpRequestBuilder().uri(url).post("application/json", body)
                .timeout(conn.requestTimeout().toMillis(), TimeUnit.MILLISECONDS).build();
        HttpResponse<String> r;
        try {
            r = http.sendAsync(request, String.class).get(conn.requestTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserFacingException("interrupted while evicting pod " + ns + "/" + pod, ExitCodes.FAILED, e);
        } catch (ExecutionException | TimeoutException e) {
            throw ApiErrors.transport(e, conn.serverUrl(), conn.source(), conn.requestTimeout().toSeconds());
        }
        if (r.code() / 100 == 2 || r.code() == 404) return null;
        Status status = status(r.body());
        String message = status != null && status.getMessage() != null ? status.getMessage() : "HTTP " + r.code();
        if (r.code() == 429) {
            List<String> causes = status == null || status.getDetails() == null || status.getDetails().getCauses() == null
                    ? List.of() : status.getDetails().getCauses().stream().map(StatusCause::getMessage).filter(Objects::nonNull).toList();
            return causes.isEmpty() ? message : message + " (" + String.join("; ", causes) + ")";
        }
        if (r.code() == 401 || r.code() == 403) {
            throw new UserFacingException(conn.serverUrl() + " refused to let the user of " + conn.source()
                    + " evict pod " + ns + "/" + pod + " (HTTP " + r.code() + "): " + message
                    + "; the missing right is create pods/eviction in " + ns + " (remove and upgrade need it; "
                    + "kubejoin needs cluster-admin, or at least: " + ApiErrors.MINIMAL_RIGHTS + ")", ExitCodes.FAILED);
        }
        throw new UserFacingException("cannot evict pod " + ns + "/" + pod + " on " + conn.serverUrl() + ": HTTP "
                + r.code() + ": " + message, ExitCodes.FAILED);
    }

    private static Status status(String body) {
        try {
            return body == null || body.isBlank() ? null : Serialization.unmarshal(body, Status.class);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private boolean gone(Pod p) {
        Pod now = conn.call(Access.in(p.getMetadata().getNamespace(), "get", "pods"),
                () -> conn.client().pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).get());
        return now == null || !Objects.equals(now.getMetadata().getUid(), p.getMetadata().getUid());
    }

    private List<Pod> podsOn(String node) {
        return conn.call(Access.cluster("list", "pods"),
                () -> conn.client().pods().inAnyNamespace().withField("spec.nodeName", node).list().getItems());
    }

    private record Sorted(List<Pod> evict, List<LeftPod> left, Map<String, List<String>> refusals) {
    }

    /**
     * kubectl's filters in kubectl's order (skip deleted, DaemonSet, mirror, local storage, unreplicated); the first
     * that keeps a pod decides. Drain and {@link #preview} both sort with it.
     *
     * @param daemonSets whether each DaemonSet (namespace/name) exists, filled as they are looked up: one GET per
     *                   DaemonSet, not per pod
     */
    private Sorted sort(List<Pod> pods, Map<String, Boolean> daemonSets) {
        List<Pod> evict = new ArrayList<>();
        List<LeftPod> left = new ArrayList<>();
        Map<String, List<String>> refusals = new LinkedHashMap<>();
        for (Pod p : pods) {
            OwnerReference c = controllerOf(p);
            boolean finished = finished(p);
            if (c != null && "DaemonSet".equals(c.getKind()) && !finished) {
                String ns = p.getMetadata().getNamespace();
                Boolean known = daemonSets.get(ns + "/" + c.getName());
                boolean exists = known != null ? known : conn.call(Access.in(ns, "get", "daemonsets"), () ->
                        conn.client().apps().daemonSets().inNamespace(ns).withName(c.getName()).get() != null);
                daemonSets.put(ns + "/" + c.getName(), exists);
                if (exists) {
                    left.add(new LeftPod(name(p), "DaemonSet-managed"));
                    continue;
                }
                if (!options.force()) {
                    refusals.computeIfAbsent("cannot delete pods of DaemonSet " + c.getName() + ", which no longer exists (force deletes them)",
                            k -> new ArrayList<>()).add(name(p));
                    continue;
                }
            }
            if (p.getMetadata().getAnnotations() != null && p.getMetadata().getAnnotations().containsKey(MIRROR_ANNOTATION)) {
                left.add(new LeftPod(name(p), "mirror pod of a static pod (the kubelet owns it)"));
                continue;
            }
            boolean emptyDir = p.getSpec() != null && p.getSpec().getVolumes() != null
                    && p.getSpec().getVolumes().stream().anyMatch(v -> v.getEmptyDir() != null);
            if (emptyDir && !finished && !options.deleteEmptyDirData()) {
                refusals.computeIfAbsent("cannot delete pods with local storage (emptyDir; its data is lost): allow it with the "
                        + "delete-emptydir-data option", k -> new ArrayList<>()).add(name(p));
                continue;
            }
            if (c == null && !finished && !options.force()) {
                refusals.computeIfAbsent("cannot delete pods that declare no controller (nothing would recreate them): "
                        + "allow it with the force option", k -> new ArrayList<>()).add(name(p));
                continue;
            }
            evict.add(p);
        }
        return new Sorted(evict, left, refusals);
    }

    private static UserFacingException refusal(String node, Sorted s) {
        List<String> parts = new ArrayList<>();
        s.refusals.forEach((why, pods) -> parts.add(why + ": " + String.join(", ", pods)));
        return new UserFacingException("cannot drain node " + node + ", nothing was changed: " + String.join("; ", parts),
                ExitCodes.FAILED);
    }

    private static OwnerReference controllerOf(Pod p) {
        if (p.getMetadata().getOwnerReferences() == null) return null;
        return p.getMetadata().getOwnerReferences().stream().filter(o -> Boolean.TRUE.equals(o.getController())).findFirst().orElse(null);
    }

    private static boolean finished(Pod p) {
        String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    private static String name(Pod p) {
        return p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** Sleeps {@code step} unless that passes the deadline; false when the deadline is reached. */
    private static boolean sleepUntil(long deadline, Duration step) {
        long left = deadline - System.nanoTime();
        if (left <= 0) return false;
        try {
            Thread.sleep(Math.max(1, Math.min(step.toMillis(), TimeUnit.NANOSECONDS.toMillis(left))));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return true; // one more round at the deadline
    }
}
