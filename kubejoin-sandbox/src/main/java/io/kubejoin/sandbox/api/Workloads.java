package io.kubejoin.sandbox.api;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.NodeList;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetList;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetList;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetList;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The workload side of a cluster that a drain meets, each part standing for the real component:
 * kube-controller-manager's ReplicaSet controller (a missing replica is created, unbound, as soon as a pod is
 * terminating), DaemonSet controller (one pod per Node, bound to it, cordoned or not) and disruption controller
 * (each policy/v1 PodDisruptionBudget's status: expected and desired pods, current healthy, disruptions allowed,
 * disrupted pods); kube-scheduler (an unbound pod, after {@code bindDelay}, goes to the Ready, schedulable Node with
 * the fewest pods; with none it stays Pending); the kubelets (a pod bound to a Ready Node runs and turns Ready after
 * {@code startDelay}; a terminating pod on a Ready Node is gone after {@code terminationDelay}, one on a NotReady
 * Node stays terminating, as nothing confirms its end); and kube-apiserver's graceful pod deletion and Eviction
 * subresource ({@link Evictions}). The control loop runs once {@link #start()} is called (or a ReplicaSet,
 * DaemonSet or PodDisruptionBudget is created); until then nothing reconciles, as with kube-controller-manager down.
 */
public final class Workloads implements AutoCloseable {
    static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
    private static final String PODS = "/api/v1/pods";
    private final ObjectStore store;
    private final Clock clock;
    private final Random random = new Random();
    /** When a pod (by uid, else namespace/name) was first seen in its present state: unbound, bound, terminating. */
    private final Map<String, Instant> seen = new HashMap<>();
    private volatile Duration bindDelay = Duration.ofMillis(300);
    private volatile Duration startDelay = Duration.ofMillis(300);
    private volatile Duration terminationDelay = Duration.ofMillis(300);
    private ScheduledExecutorService loop;
    final Evictions evictions;

    Workloads(ObjectStore store, Clock clock, io.kubejoin.version.KubeVersion release) {
        this.store = store;
        this.clock = clock;
        this.evictions = new Evictions(this, store, clock, release);
    }

    /** Sets how long the scheduler waits before binding, a kubelet before a bound pod runs, and before a terminating pod is gone. */
    public Workloads delays(Duration bind, Duration start, Duration termination) {
        this.bindDelay = bind;
        this.startDelay = start;
        this.terminationDelay = termination;
        return this;
    }

    /** Starts the control loop (every 100 ms); idempotent. */
    public synchronized Workloads start() {
        if (loop == null) {
            loop = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "sandbox-controllers");
                t.setDaemon(true);
                return t;
            });
            loop.scheduleWithFixedDelay(this::reconcileQuietly, 0, 100, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    @Override
    public synchronized void close() {
        if (loop != null) loop.shutdownNow();
        loop = null;
    }

    // ---- helpers for tests and demo: the objects a real cluster's users and kubelets create ----

    /** A ReplicaSet (what a Deployment makes) of {@code replicas} pods labelled {@code app=name}; emptyDir adds such a volume. */
    public void replicaSet(String namespace, String name, int replicas, boolean emptyDir) {
        ReplicaSet rs = new io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).withUid(UUID.randomUUID().toString())
                .addToLabels("app", name).endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withSpec(podSpec(emptyDir)).endTemplate().endSpec().build();
        created(store.call(HttpMethod.POST, "/apis/apps/v1/namespaces/" + namespace + "/replicasets", rs), "ReplicaSet " + name);
        start();
    }

    /** A DaemonSet labelled {@code app=name}: one pod on every Node. */
    public void daemonSet(String namespace, String name) {
        DaemonSet ds = new io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).withUid(UUID.randomUUID().toString())
                .addToLabels("app", name).endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withSpec(podSpec(false)).endTemplate().endSpec().build();
        created(store.call(HttpMethod.POST, "/apis/apps/v1/namespaces/" + namespace + "/daemonsets", ds), "DaemonSet " + name);
        start();
    }

    /** The mirror pod a kubelet makes for a static pod: named NAME-NODE, annotated, owned by the Node, running. */
    public String mirrorPod(String namespace, String name, String node) {
        String podName = name + "-" + node;
        Pod p = new PodBuilder().withNewMetadata().withName(podName).withNamespace(namespace)
                .withUid(UUID.randomUUID().toString()).addToLabels("component", name)
                .addToAnnotations(MIRROR_ANNOTATION, Integer.toHexString(podName.hashCode()))
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Node").withName(node)
                        .withUid(nodeUid(node)).withController(true).build())
                .endMetadata().withSpec(podSpec(false)).build();
        p.getSpec().setNodeName(node);
        p.setStatus(running());
        created(store.call(HttpMethod.POST, "/api/v1/namespaces/" + namespace + "/pods", p), "Pod " + podName);
        return podName;
    }

    /** A pod no controller owns, bound to {@code node} and running. */
    public void barePod(String namespace, String name, String node, boolean emptyDir) {
        Pod p = new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                .withUid(UUID.randomUUID().toString()).addToLabels("app", name).endMetadata()
                .withSpec(podSpec(emptyDir)).build();
        p.getSpec().setNodeName(node);
        p.setStatus(running());
        created(store.call(HttpMethod.POST, "/api/v1/namespaces/" + namespace + "/pods", p), "Pod " + name);
    }

    /** A policy/v1 PodDisruptionBudget over {@code app=selectorApp}; exactly one of minAvailable / maxUnavailable ("2" or "50%"). */
    public void podDisruptionBudget(String namespace, String name, String selectorApp, String minAvailable, String maxUnavailable) {
        PodDisruptionBudget pdb = new io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).withGeneration(1L).endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", selectorApp).endSelector()
                .withMinAvailable(intOrString(minAvailable)).withMaxUnavailable(intOrString(maxUnavailable)).endSpec().build();
        created(store.call(HttpMethod.POST, "/apis/policy/v1/namespaces/" + namespace + "/poddisruptionbudgets", pdb),
                "PodDisruptionBudget " + name);
        start();
    }

    /** Runs the controllers once now (tests that need a settled state call this after waiting). */
    public void reconcile() {
        synchronized (this) {
            Instant now = clock.instant();
            List<Node> nodes = list("/api/v1/nodes", NodeList.class).getItems();
            // one list of the pods per step that changes them, not one per object: a tick of a 100-node fleet stays cheap
            List<Pod> pods = pods();
            replicaSets(pods);
            daemonSets(nodes, pods);
            pods = pods();
            kubelets(pods, nodes, now);
            scheduler(pods, nodes, now);
            pods = pods();
            disruption(pods);
            seen.keySet().retainAll(pods.stream().map(Workloads::stateKey).toList());
        }
    }

    private void reconcileQuietly() {
        try {
            reconcile();
        } catch (RuntimeException e) {
            java.util.logging.Logger.getLogger(Workloads.class.getName()).log(java.util.logging.Level.FINE, "reconcile", e);
        }
    }

    // ---- kube-apiserver: graceful deletion (registry/core/pod: an unscheduled or finished pod goes at once) ----

    /** Deletes a pod as kube-apiserver does: at once when unbound or finished or grace 0, else marks it terminating. */
    synchronized MockResponse delete(Pod pod, Long gracePeriodSeconds) {
        String path = podPath(pod);
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        long grace = gracePeriodSeconds != null ? gracePeriodSeconds
                : pod.getSpec() != null && pod.getSpec().getTerminationGracePeriodSeconds() != null
                ? pod.getSpec().getTerminationGracePeriodSeconds() : 30;
        boolean unbound = pod.getSpec() == null || pod.getSpec().getNodeName() == null || pod.getSpec().getNodeName().isEmpty();
        if (grace <= 0 || unbound || "Succeeded".equals(phase) || "Failed".equals(phase)) {
            return store.call(HttpMethod.DELETE, path, (String) null);
        }
        if (pod.getMetadata().getDeletionTimestamp() == null) {
            pod.getMetadata().setDeletionTimestamp(clock.instant().plusSeconds(grace).truncatedTo(ChronoUnit.SECONDS).toString());
            pod.getMetadata().setDeletionGracePeriodSeconds(grace);
            return store.replaceAsIs(path, pod);
        }
        return ApiStatus.json(200, Serialization.asJson(pod));
    }

    // ---- controllers ----

    private void replicaSets(List<Pod> pods) {
        for (ReplicaSet rs : list("/apis/apps/v1/replicasets", ReplicaSetList.class).getItems()) {
            int want = rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
            // a terminating pod no longer counts: the replacement is made at once (controller.FilterActivePods)
            long active = owned(pods, rs.getMetadata().getUid(), rs.getMetadata().getName(), "ReplicaSet").stream()
                    .filter(p -> p.getMetadata().getDeletionTimestamp() == null && !finished(p)).count();
            for (long i = active; i < want; i++) {
                Pod p = fromTemplate(rs.getMetadata().getNamespace(), rs.getMetadata().getName(), "ReplicaSet",
                        rs.getMetadata().getUid(), rs.getSpec().getTemplate());
                store.call(HttpMethod.POST, "/api/v1/namespaces/" + rs.getMetadata().getNamespace() + "/pods", p);
            }
        }
    }

    private void daemonSets(List<Node> nodes, List<Pod> pods) {
        for (DaemonSet ds : list("/apis/apps/v1/daemonsets", DaemonSetList.class).getItems()) {
            List<Pod> mine = owned(pods, ds.getMetadata().getUid(), ds.getMetadata().getName(), "DaemonSet");
            for (Node n : nodes) {
                String node = n.getMetadata().getName();
                boolean has = mine.stream().anyMatch(p -> node.equals(p.getSpec().getNodeName())
                        && p.getMetadata().getDeletionTimestamp() == null);
                if (has) continue;
                Pod p = fromTemplate(ds.getMetadata().getNamespace(), ds.getMetadata().getName(), "DaemonSet",
                        ds.getMetadata().getUid(), ds.getSpec().getTemplate());
                p.getSpec().setNodeName(node); // DaemonSet pods tolerate node.kubernetes.io/unschedulable
                store.call(HttpMethod.POST, "/api/v1/namespaces/" + ds.getMetadata().getNamespace() + "/pods", p);
            }
        }
    }

    private void kubelets(List<Pod> pods, List<Node> nodes, Instant now) {
        for (Pod p : pods) {
            String node = p.getSpec() == null ? null : p.getSpec().getNodeName();
            if (node == null || node.isEmpty() || !ready(nodes, node)) continue;
            if (p.getMetadata().getDeletionTimestamp() != null) {
                if (waited(p, now, terminationDelay)) store.call(HttpMethod.DELETE, podPath(p), (String) null);
            } else if (p.getStatus() == null || p.getStatus().getPhase() == null || "Pending".equals(p.getStatus().getPhase())) {
                if (waited(p, now, startDelay)) {
                    p.setStatus(running());
                    p.getMetadata().setResourceVersion(null);
                    store.call(HttpMethod.PUT, podPath(p), p);
                }
            }
        }
    }

    private void scheduler(List<Pod> pods, List<Node> nodes, Instant now) {
        Map<String, Integer> load = new HashMap<>();
        for (Pod p : pods) {
            if (p.getSpec().getNodeName() != null) load.merge(p.getSpec().getNodeName(), 1, Integer::sum);
        }
        for (Pod p : pods) {
            if (p.getSpec().getNodeName() != null || p.getMetadata().getDeletionTimestamp() != null) continue;
            if (!waited(p, now, bindDelay)) continue;
            Optional<String> target = nodes.stream()
                    .filter(n -> !Boolean.TRUE.equals(n.getSpec() == null ? null : n.getSpec().getUnschedulable()))
                    .map(n -> n.getMetadata().getName()).filter(n -> ready(nodes, n))
                    .min(Comparator.<String>comparingInt(n -> load.getOrDefault(n, 0)).thenComparing(n -> n));
            if (target.isEmpty()) continue; // stays Pending: 0/N nodes are available
            p.getSpec().setNodeName(target.get());
            p.getMetadata().setResourceVersion(null);
            store.call(HttpMethod.PUT, podPath(p), p);
            load.merge(target.get(), 1, Integer::sum);
        }
    }

    /** pkg/controller/disruption: the status the eviction handler reads. */
    private void disruption(List<Pod> pods) {
        Instant now = clock.instant();
        for (PodDisruptionBudget pdb : list("/apis/policy/v1/poddisruptionbudgets", PodDisruptionBudgetList.class).getItems()) {
            String ns = pdb.getMetadata().getNamespace();
            List<Pod> covered = LabelSelectors.empty(pdb.getSpec().getSelector()) ? List.of() : pods.stream()
                    .filter(p -> ns.equals(p.getMetadata().getNamespace())
                            && LabelSelectors.matches(pdb.getSpec().getSelector(), p.getMetadata().getLabels())).toList();
            PodDisruptionBudgetStatus old = pdb.getStatus() == null ? new PodDisruptionBudgetStatus() : pdb.getStatus();
            Map<String, String> disrupted = new LinkedHashMap<>();
            if (old.getDisruptedPods() != null) {
                old.getDisruptedPods().forEach((name, at) -> {
                    boolean stillThere = covered.stream().anyMatch(p -> p.getMetadata().getName().equals(name)
                            && p.getMetadata().getDeletionTimestamp() == null);
                    // DeletionTimeout: an eviction not followed by a deletion within 2 minutes is forgotten
                    if (stillThere && Instant.parse(at).plus(Duration.ofMinutes(2)).isAfter(now)) disrupted.put(name, at);
                });
            }
            int expected;
            int desired;
            IntOrString min = pdb.getSpec().getMinAvailable();
            IntOrString max = pdb.getSpec().getMaxUnavailable();
            if (min != null && min.getIntVal() != null) {
                expected = covered.size();
                desired = min.getIntVal();
            } else {
                expected = scale(covered);
                if (max != null) {
                    desired = Math.max(0, expected - value(max, expected));
                } else {
                    desired = min == null ? 0 : value(min, expected);
                }
            }
            int healthy = (int) covered.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null
                    && !disrupted.containsKey(p.getMetadata().getName()) && podReady(p)).count();
            PodDisruptionBudgetStatus st = new PodDisruptionBudgetStatus();
            st.setObservedGeneration(pdb.getMetadata().getGeneration());
            st.setExpectedPods(expected);
            st.setDesiredHealthy(desired);
            st.setCurrentHealthy(healthy);
            st.setDisruptionsAllowed(Math.max(0, healthy - desired));
            st.setDisruptedPods(disrupted);
            boolean allowed = st.getDisruptionsAllowed() > 0;
            st.setConditions(List.of(new io.fabric8.kubernetes.api.model.ConditionBuilder().withType("DisruptionAllowed")
                    .withStatus(allowed ? "True" : "False").withReason(allowed ? "SufficientPods" : "InsufficientPods")
                    .withObservedGeneration(pdb.getMetadata().getGeneration())
                    .withLastTransitionTime(sameCondition(old, allowed) ? old.getConditions().get(0).getLastTransitionTime()
                            : now.truncatedTo(ChronoUnit.SECONDS).toString()).withMessage("").build()));
            if (!same(old, st)) writeStatus(pdb, st);
        }
    }

    void writeStatus(PodDisruptionBudget pdb, PodDisruptionBudgetStatus st) {
        pdb.setStatus(st);
        pdb.getMetadata().setResourceVersion(null);
        store.call(HttpMethod.PUT, "/apis/policy/v1/namespaces/" + pdb.getMetadata().getNamespace()
                + "/poddisruptionbudgets/" + pdb.getMetadata().getName(), pdb);
    }

    private static boolean sameCondition(PodDisruptionBudgetStatus old, boolean allowed) {
        return old.getConditions() != null && !old.getConditions().isEmpty()
                && old.getConditions().get(0).getStatus().equals(allowed ? "True" : "False");
    }

    private static boolean same(PodDisruptionBudgetStatus a, PodDisruptionBudgetStatus b) {
        return Objects.equals(a.getObservedGeneration(), b.getObservedGeneration())
                && Objects.equals(a.getExpectedPods(), b.getExpectedPods())
                && Objects.equals(a.getDesiredHealthy(), b.getDesiredHealthy())
                && Objects.equals(a.getCurrentHealthy(), b.getCurrentHealthy())
                && Objects.equals(a.getDisruptionsAllowed(), b.getDisruptionsAllowed())
                && Objects.equals(a.getDisruptedPods() == null ? Map.of() : a.getDisruptedPods(), b.getDisruptedPods())
                && Objects.equals(a.getConditions(), b.getConditions());
    }

    /** The controllers' scale (getExpectedScale): the ReplicaSets' replicas; pods of other owners count themselves. */
    private int scale(List<Pod> covered) {
        Map<String, Integer> controllers = new LinkedHashMap<>();
        int others = 0;
        for (Pod p : covered) {
            OwnerReference c = controllerOf(p);
            if (c != null && "ReplicaSet".equals(c.getKind())) {
                controllers.computeIfAbsent(c.getName(), n -> store.get("/apis/apps/v1/namespaces/" + p.getMetadata().getNamespace()
                        + "/replicasets/" + n, ReplicaSet.class).map(rs -> rs.getSpec().getReplicas()).orElse(0));
            } else {
                others++;
            }
        }
        return controllers.values().stream().mapToInt(Integer::intValue).sum() + others;
    }

    private static int value(IntOrString v, int of) {
        if (v.getIntVal() != null) return v.getIntVal();
        String s = v.getStrVal().trim();
        int pct = Integer.parseInt(s.substring(0, s.length() - 1));
        return (int) Math.ceil(pct * of / 100.0); // intstr.GetScaledValueFromIntOrPercent, rounding up
    }

    // ---- small pieces ----

    List<Pod> pods() {
        return list(PODS, PodList.class).getItems();
    }

    private <T> T list(String path, Class<T> type) {
        return Serialization.unmarshal(store.get(path).orElseThrow(() -> new IllegalStateException("no list at " + path)), type);
    }

    static String podPath(Pod p) {
        return "/api/v1/namespaces/" + p.getMetadata().getNamespace() + "/pods/" + p.getMetadata().getName();
    }

    static OwnerReference controllerOf(Pod p) {
        if (p.getMetadata().getOwnerReferences() == null) return null;
        return p.getMetadata().getOwnerReferences().stream().filter(o -> Boolean.TRUE.equals(o.getController()))
                .findFirst().orElse(null);
    }

    private static List<Pod> owned(List<Pod> pods, String uid, String name, String kind) {
        List<Pod> out = new ArrayList<>();
        for (Pod p : pods) {
            OwnerReference c = controllerOf(p);
            if (c != null && kind.equals(c.getKind()) && (uid != null ? uid.equals(c.getUid()) : name.equals(c.getName()))) out.add(p);
        }
        return out;
    }

    private Pod fromTemplate(String namespace, String owner, String kind, String uid,
                             io.fabric8.kubernetes.api.model.PodTemplateSpec template) {
        String name = owner + "-" + suffix();
        Pod p = new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                .withUid(UUID.randomUUID().toString())
                .withLabels(template.getMetadata() == null ? Map.of() : template.getMetadata().getLabels())
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind(kind).withName(owner)
                        .withUid(uid).withController(true).withBlockOwnerDeletion(true).build())
                .endMetadata().withSpec(template.getSpec()).withNewStatus().withPhase("Pending").endStatus().build();
        p.getSpec().setNodeName(null);
        return p;
    }

    private String suffix() {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789"; // apimachinery's rand.String alphabet
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 5; i++) b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        return b.toString();
    }

    private static io.fabric8.kubernetes.api.model.PodSpec podSpec(boolean emptyDir) {
        var b = new io.fabric8.kubernetes.api.model.PodSpecBuilder().addNewContainer().withName("main")
                .withImage("registry.k8s.io/pause:3.10").endContainer().withTerminationGracePeriodSeconds(30L);
        if (emptyDir) b.addNewVolume().withName("scratch").withNewEmptyDir().endEmptyDir().endVolume();
        return b.build();
    }

    private PodStatus running() {
        String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
        List<PodCondition> conditions = new ArrayList<>();
        for (String type : List.of("Initialized", "Ready", "ContainersReady", "PodScheduled")) {
            conditions.add(new PodConditionBuilder().withType(type).withStatus("True").withLastTransitionTime(now).build());
        }
        return new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running").withStartTime(now)
                .withConditions(conditions).build();
    }

    static boolean podReady(Pod p) {
        return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    static boolean finished(Pod p) {
        String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    private static boolean ready(List<Node> nodes, String name) {
        return nodes.stream().filter(n -> n.getMetadata().getName().equals(name)).findFirst()
                .map(n -> n.getStatus() != null && n.getStatus().getConditions() != null && n.getStatus().getConditions().stream()
                        .anyMatch((NodeCondition c) -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
                .orElse(false);
    }

    private String nodeUid(String node) {
        return store.get("/api/v1/nodes/" + node, Node.class).map(n -> n.getMetadata().getUid()).orElse(null);
    }

    /** True once the pod has been in its present state (unbound / bound / terminating) for {@code delay}. */
    private boolean waited(Pod p, Instant now, Duration delay) {
        Instant first = seen.computeIfAbsent(stateKey(p), k -> now);
        return !now.isBefore(first.plus(delay));
    }

    private static String stateKey(Pod p) {
        String state = p.getMetadata().getDeletionTimestamp() != null ? "terminating"
                : p.getSpec() == null || p.getSpec().getNodeName() == null ? "unbound" : "bound";
        String id = p.getMetadata().getUid() != null ? p.getMetadata().getUid()
                : p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
        return id + "/" + state;
    }

    private static IntOrString intOrString(String v) {
        if (v == null) return null;
        return v.endsWith("%") ? new IntOrString(v) : new IntOrString(Integer.parseInt(v));
    }

    private static void created(MockResponse r, String what) {
        if (r.code() / 100 != 2) throw new IllegalStateException("sandbox: creating " + what + " failed: HTTP " + r.code()
                + " " + ObjectStore.body(r));
    }
}
