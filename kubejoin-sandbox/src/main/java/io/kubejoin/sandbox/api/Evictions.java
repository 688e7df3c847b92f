package io.kubejoin.sandbox.api;

import io.fabric8.kubernetes.api.model.ListMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetList;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.kubejoin.version.KubeVersion;
import io.kubejoin.version.VersionRules;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * kube-apiserver's pod handlers a drain uses, after pkg/registry/core/pod/storage/eviction.go: the Eviction
 * subresource (policy/v1beta1 bodies always, policy/v1 from the release {@link VersionRules#evictionV1} names;
 * a terminal, pending or terminating pod is deleted without looking at budgets; more than one budget over the pod is
 * a 500; a budget whose status is behind its generation, or that allows no disruption, answers 429 TooManyRequests
 * "Cannot evict pod as it would violate the pod's disruption budget." with a DisruptionBudget cause; otherwise the
 * budget's disruptionsAllowed is decremented, the pod recorded in disruptedPods and deleted gracefully, 201);
 * graceful DELETE of a pod; and the pod field selectors the mock ignores (spec.nodeName, status.phase, ...).
 */
final class Evictions {
    /** pkg/registry/core/pod: the fields a pod list or watch may select on. */
    private static final Map<String, Function<Pod, String>> POD_FIELDS = podFields();
    private final Workloads workloads;
    private final ObjectStore store;
    private final Clock clock;
    private final KubeVersion release;

    Evictions(Workloads workloads, ObjectStore store, Clock clock, KubeVersion release) {
        this.workloads = workloads;
        this.store = store;
        this.clock = clock;
        this.release = release;
    }

    /** A pods request the mock would get wrong, answered here; null: let the store answer. */
    MockResponse handle(RequestInfo ri, String query, String body) {
        if (!ri.apiGroup().isEmpty() || !"pods".equals(ri.resource())) return null;
        if ("eviction".equals(ri.subresource()) && "create".equals(ri.verb())) return evict(ri.namespace(), ri.name(), body);
        if ("delete".equals(ri.verb()) && ri.subresource().isEmpty()) {
            Optional<Pod> pod = store.get(path(ri.namespace(), ri.name()), Pod.class);
            if (pod.isEmpty()) return ApiStatus.notFound("", "pods", ri.name());
            Long grace = null;
            if (body != null && !body.isBlank()) {
                try {
                    grace = Serialization.unmarshal(body, io.fabric8.kubernetes.api.model.DeleteOptions.class).getGracePeriodSeconds();
                } catch (RuntimeException e) {
                    return ApiStatus.badRequest("the body of the request was in an unknown format");
                }
            }
            MockResponse r = workloads.delete(pod.get(), grace);
            return r.code() / 100 == 2 ? ApiStatus.json(200, ObjectStore.body(r).isEmpty() ? Serialization.asJson(pod.get()) : ObjectStore.body(r)) : r;
        }
        if ("list".equals(ri.verb()) && query != null && query.contains("fieldSelector=")) return list(ri, query);
        return null;
    }

    /**
     * PodDisruptionBudgets as kube-apiserver serves them: one stored object (here in policy/v1, where the disruption
     * controller reads it) in every policy version the release serves — policy/v1 from 1.21, policy/v1beta1 until 1.24
     * ({@link VersionRules#servesPodDisruptionBudgets}) —, converted at the door; a version the release does not serve
     * is 404. Watches are not converted. Null: let the store answer.
     */
    MockResponse budgets(io.fabric8.mockwebserver.http.RecordedRequest request, RequestInfo ri, String body) {
        if (!"policy".equals(ri.apiGroup()) || !"poddisruptionbudgets".equals(ri.resource())) return null;
        String groupVersion = "policy/" + ri.apiVersion();
        if (!VersionRules.servesPodDisruptionBudgets(release, groupVersion)) {
            return new MockResponse().setResponseCode(404).setHeader("Content-Type", "text/plain; charset=utf-8")
                    .setBody("404 page not found\n"); // the group/version is not installed: the mux's NotFound
        }
        if ("policy/v1".equals(groupVersion) || "watch".equals(ri.verb())) return null;
        String path = request.getPath().replaceFirst("^/apis/" + groupVersion + "/", "/apis/policy/v1/");
        String in = body == null || body.isBlank() ? body : body.replace("\"" + groupVersion + "\"", "\"policy/v1\"");
        MockResponse r = store.crud().dispatch(ObjectStore.request(request.method(), path, in));
        String out = ObjectStore.body(r);
        if (!out.isEmpty()) r.setBody(out.replace("\"apiVersion\":\"policy/v1\"", "\"apiVersion\":\"" + groupVersion + "\""));
        return r;
    }

    private MockResponse list(RequestInfo ri, String query) {
        List<String[]> requirements = new ArrayList<>();
        StringBuilder rest = new StringBuilder();
        for (String part : query.split("&")) {
            if (part.startsWith("fieldSelector=")) {
                String selector = URLDecoder.decode(part.substring("fieldSelector=".length()), StandardCharsets.UTF_8);
                for (String req : selector.split(",")) {
                    if (req.isBlank()) continue;
                    String[] r = req.contains("!=") ? new String[]{req.substring(0, req.indexOf("!=")), "!=", req.substring(req.indexOf("!=") + 2)}
                            : req.contains("==") ? new String[]{req.substring(0, req.indexOf("==")), "=", req.substring(req.indexOf("==") + 2)}
                            : req.contains("=") ? new String[]{req.substring(0, req.indexOf('=')), "=", req.substring(req.indexOf('=') + 1)}
                            : null;
                    if (r == null) return ApiStatus.badRequest("invalid selector: '" + selector + "'; can't understand '" + req + "'");
                    if (!POD_FIELDS.containsKey(r[0].trim())) return ApiStatus.badRequest("field label not supported: " + r[0].trim());
                    requirements.add(r);
                }
            } else {
                rest.append(rest.length() == 0 ? "" : "&").append(part);
            }
        }
        MockResponse r = store.crud().handleGet(ri.path() + (rest.length() == 0 ? "" : "?" + rest));
        if (r.code() != 200) return r;
        PodList l = Serialization.unmarshal(ObjectStore.body(r), PodList.class);
        l.setItems(l.getItems().stream().filter(p -> requirements.stream().allMatch(q -> {
            String v = POD_FIELDS.get(q[0].trim()).apply(p);
            boolean eq = q[2].trim().equals(v == null ? "" : v);
            return "=".equals(q[1]) == eq;
        })).toList());
        if (l.getMetadata() == null) l.setMetadata(new ListMeta());
        return ApiStatus.json(200, Serialization.asJson(l));
    }

    private MockResponse evict(String namespace, String name, String body) {
        Map<?, ?> raw;
        try {
            raw = Serialization.unmarshal(body, Map.class);
        } catch (RuntimeException e) {
            return ApiStatus.badRequest("the body of the request was in an unknown format");
        }
        String apiVersion = String.valueOf(raw.get("apiVersion"));
        boolean accepted = "policy/v1beta1".equals(apiVersion) || ("policy/v1".equals(apiVersion) && VersionRules.evictionV1(release));
        if (!accepted) {
            return ApiStatus.badRequest("no kind \"Eviction\" is registered for version \"" + apiVersion
                    + "\" in scheme \"k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30\"");
        }
        if (!"Eviction".equals(raw.get("kind"))) return ApiStatus.badRequest("not a Eviction object: " + raw.get("kind"));
        Object meta = raw.get("metadata");
        Object evictionName = meta instanceof Map<?, ?> m ? m.get("name") : null;
        if (!name.equals(evictionName)) return ApiStatus.badRequest("name in URL does not match name in Eviction object");
        Long grace = null;
        if (raw.get("deleteOptions") instanceof Map<?, ?> d && d.get("gracePeriodSeconds") instanceof Number n) grace = n.longValue();
        synchronized (workloads) {
            Optional<Pod> found = store.get(path(namespace, name), Pod.class);
            if (found.isEmpty()) return ApiStatus.notFound("", "pods", name);
            Pod pod = found.get();
            String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
            // canIgnorePDB: a finished, pending or terminating pod causes no further disruption
            if ("Succeeded".equals(phase) || "Failed".equals(phase) || "Pending".equals(phase)
                    || pod.getMetadata().getDeletionTimestamp() != null) {
                return deleted(pod, grace);
            }
            List<PodDisruptionBudget> pdbs = store.get("/apis/policy/v1/namespaces/" + namespace + "/poddisruptionbudgets")
                    .map(s -> Serialization.unmarshal(s, PodDisruptionBudgetList.class).getItems()).orElse(List.of())
                    .stream().filter(b -> !LabelSelectors.empty(b.getSpec().getSelector())
                            && LabelSelectors.matches(b.getSpec().getSelector(), pod.getMetadata().getLabels())).toList();
            if (pdbs.size() > 1) {
                return ApiStatus.response(new StatusBuilder().withStatus("Failure").withCode(500)
                        .withMessage("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.").build());
            }
            if (pdbs.isEmpty()) return deleted(pod, grace);
            PodDisruptionBudget pdb = pdbs.get(0);
            PodDisruptionBudgetStatus st = pdb.getStatus() == null ? new PodDisruptionBudgetStatus() : pdb.getStatus();
            int desired = st.getDesiredHealthy() == null ? 0 : st.getDesiredHealthy();
            int current = st.getCurrentHealthy() == null ? 0 : st.getCurrentHealthy();
            if (!Workloads.podReady(pod) && current >= desired && desired > 0) return deleted(pod, grace);
            long generation = pdb.getMetadata().getGeneration() == null ? 0 : pdb.getMetadata().getGeneration();
            long observed = st.getObservedGeneration() == null ? 0 : st.getObservedGeneration();
            if (observed < generation) {
                return tooManyRequests("The disruption budget " + pdb.getMetadata().getName() + " is still being processed by the server.", 10);
            }
            int allowed = st.getDisruptionsAllowed() == null ? 0 : st.getDisruptionsAllowed();
            if (allowed < 0) {
                return ApiStatus.admissionForbidden("poddisruptionbudget.policy", pdb.getMetadata().getName(), "pdb disruptions allowed is negative");
            }
            if (allowed == 0) {
                return tooManyRequests("The disruption budget " + pdb.getMetadata().getName() + " needs " + desired
                        + " healthy pods and has " + current + " currently", 0);
            }
            st.setDisruptionsAllowed(allowed - 1);
            Map<String, String> disrupted = new LinkedHashMap<>(st.getDisruptedPods() == null ? Map.of() : st.getDisruptedPods());
            disrupted.put(name, clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
            st.setDisruptedPods(disrupted);
            workloads.writeStatus(pdb, st);
            return deleted(pod, grace);
        }
    }

    private MockResponse deleted(Pod pod, Long grace) {
        MockResponse r = workloads.delete(pod, grace);
        if (r.code() / 100 != 2) return r;
        return ApiStatus.json(201, Serialization.asJson(new StatusBuilder().withKind("Status").withApiVersion("v1")
                .withMetadata(new ListMeta()).withStatus("Success").build()));
    }

    /** errors.NewTooManyRequests with the eviction's DisruptionBudget cause; Retry-After when the server suggests one. */
    private static MockResponse tooManyRequests(String cause, int retryAfterSeconds) {
        MockResponse r = ApiStatus.response(new StatusBuilder().withStatus("Failure").withCode(429).withReason("TooManyRequests")
                .withMessage("Cannot evict pod as it would violate the pod's disruption budget.")
                .withNewDetails().withRetryAfterSeconds(retryAfterSeconds == 0 ? null : retryAfterSeconds)
                .addNewCause().withReason("DisruptionBudget").withMessage(cause).endCause().endDetails().build());
        if (retryAfterSeconds > 0) r.setHeader("Retry-After", String.valueOf(retryAfterSeconds));
        return r;
    }

    private static String path(String namespace, String name) {
        return "/api/v1/namespaces/" + namespace + "/pods/" + name;
    }

    private static Map<String, Function<Pod, String>> podFields() {
        Map<String, Function<Pod, String>> m = new LinkedHashMap<>();
        m.put("metadata.name", p -> p.getMetadata().getName());
        m.put("metadata.namespace", p -> p.getMetadata().getNamespace());
        m.put("spec.nodeName", p -> p.getSpec() == null ? null : p.getSpec().getNodeName());
        m.put("spec.restartPolicy", p -> p.getSpec() == null ? null : p.getSpec().getRestartPolicy());
        m.put("spec.schedulerName", p -> p.getSpec() == null ? null : p.getSpec().getSchedulerName());
        m.put("spec.serviceAccountName", p -> p.getSpec() == null ? null : p.getSpec().getServiceAccountName());
        m.put("status.phase", p -> p.getStatus() == null ? null : p.getStatus().getPhase());
        m.put("status.podIP", p -> p.getStatus() == null ? null : p.getStatus().getPodIP());
        m.put("status.nominatedNodeName", p -> p.getStatus() == null ? null : p.getStatus().getNominatedNodeName());
        return m;
    }
}
