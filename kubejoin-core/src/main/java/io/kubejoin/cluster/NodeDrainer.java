package io.kubejoin.cluster;

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
        Sorted first = sort(podsOn(node));
        if (!first.refusals.isEmpty()) throw refusal(node, first);
        boolean wasSchedulable = cordon(node);
        Sorted sorted = sort(podsOn(node)); // pods bound between the look and the cordon
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
                    + "; kubejoin needs create on pods/eviction", ExitCodes.FAILED);
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

    /** kubectl's filters in kubectl's order (skip deleted, DaemonSet, mirror, local storage, unreplicated); the first that keeps a pod decides. */
    private Sorted sort(List<Pod> pods) {
        List<Pod> evict = new ArrayList<>();
        List<LeftPod> left = new ArrayList<>();
        Map<String, List<String>> refusals = new LinkedHashMap<>();
        for (Pod p : pods) {
            OwnerReference c = controllerOf(p);
            boolean finished = finished(p);
            if (c != null && "DaemonSet".equals(c.getKind()) && !finished) {
                boolean exists = conn.call(Access.in(p.getMetadata().getNamespace(), "get", "daemonsets"), () ->
                        conn.client().apps().daemonSets().inNamespace(p.getMetadata().getNamespace()).withName(c.getName()).get() != null);
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
