package io.kubejoin.sandbox.api;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * Stands for kube-apiserver's handler chain in front of its registries: authentication (401),
 * authorization (403), then the few handlers the CRUD mock lacks (CSR create/approval/status, the
 * self reviews, /version, discovery, Secret stringData), and everything else to fabric8's CRUD dispatcher.
 * Request bodies must be JSON, except the protobuf CSR approval {@code kubectl certificate approve|deny} sends;
 * other protobuf (kubectl's typed writes) and YAML bodies get 415, where a real server would accept them. Runs on the mock's Vert.x event
 * loops, so every handler is short and never blocks.
 */
final class SandboxDispatcher extends Dispatcher {
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(SandboxDispatcher.class.getName());
    private final ObjectStore store;
    private final CsrRegistry csrs;
    /** Eviction, graceful pod deletion, pod field selectors; set once by the server. */
    private volatile Workloads workloads;
    private final SandboxAuthorizer authorizer;
    private final List<Authenticator> authenticators = new CopyOnWriteArrayList<>();
    private final BootstrapTokenAuthenticator bootstrap;
    private volatile boolean bootstrapTokenAuth = true;
    private final Supplier<String> versionJson;
    private volatile Supplier<String> serverAddress = () -> "127.0.0.1:443";
    /** The value {@link SecureFront} proves its identity headers with; null: no front, headers never honoured. */
    private volatile String frontProof;
    /** kube-apiserver's chunked lists (limit/continue), which the mock lacks. */
    private final ListPages pages;
    /** Requests to answer with a timeout, as an overloaded server does: (verb resource/subresource) → how many more. */
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> timeouts = new java.util.concurrent.ConcurrentHashMap<>();
    /** Called once per HTTP request (drops the mock server's record of it, which would otherwise grow forever). */
    private final Runnable onRequest;

    SandboxDispatcher(ObjectStore store, CsrRegistry csrs, BootstrapTokenAuthenticator bootstrap,
                      List<Authenticator> authenticators, Supplier<String> versionJson, Runnable onRequest) {
        this.store = store;
        this.authorizer = new SandboxAuthorizer(this::clusterRoleBindings);
        this.csrs = csrs;
        this.bootstrap = bootstrap;
        this.authenticators.addAll(authenticators);
        this.versionJson = versionJson;
        this.onRequest = onRequest;
        this.pages = new ListPages(java.time.Clock.systemUTC(), ((io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher) store.crud())::requestResourceVersion);
    }

    /** Expires every continue token, as an etcd compaction does. */
    void compactStorage() {
        pages.compact();
    }

    void timeOutNext(String verb, String resource, String subresource, int times) {
        timeouts.put(verb + " " + resource + "/" + subresource, new java.util.concurrent.atomic.AtomicInteger(times));
    }

    private boolean timesOut(RequestInfo ri) {
        if (timeouts.isEmpty()) return false;
        var left = timeouts.get(ri.verb() + " " + ri.resource() + "/" + ri.subresource());
        return left != null && left.getAndDecrement() > 0;
    }

    void workloads(Workloads w) {
        this.workloads = w;
    }

    void addAuthenticator(Authenticator a) {
        authenticators.add(a);
    }

    void frontProof(String proof) {
        this.frontProof = proof;
    }

    void serverAddress(String hostPort) {
        this.serverAddress = () -> hostPort;
    }

    void bootstrapTokenAuth(boolean enabled) {
        this.bootstrapTokenAuth = enabled;
    }

    boolean bootstrapTokenAuth() {
        return bootstrapTokenAuth;
    }

    private List<io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding> clusterRoleBindings() {
        return store.get("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings")
                .map(l -> Serialization.unmarshal(l, io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingList.class).getItems())
                .orElse(List.of());
    }

    SandboxAuthorizer authorizer() {
        return authorizer;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        onRequest.run();
        Optional<UserInfo> user = authenticate(request);
        if (user.isEmpty()) return ApiStatus.unauthorized();
        RequestInfo ri;
        try {
            ri = RequestInfo.parse(request.getMethod(), request.getPath());
        } catch (IllegalArgumentException e) {
            return ApiStatus.badRequest("malformed request path");
        }
        if (!authorizer.allowed(user.get(), ri)) return ApiStatus.forbidden(user.get(), ri);
        if (timesOut(ri)) return ApiStatus.timeout();
        MockResponse response;
        try {
            String query = java.net.URI.create(request.getPath()).getRawQuery();
            if ("list".equals(ri.verb()) && ListPages.asks(query)) {
                // the mock ignores limit and continue: the whole list, then the page of it
                response = pages.serve(ri.path(), query, !ri.namespace().isEmpty(), whole -> handle(user.get(), ri,
                        new RecordedRequest(request.getHttpVersion(), request.method(), whole, request.getHeaders(), request.getBody())));
            } else {
                response = handle(user.get(), ri, request);
            }
        } catch (RuntimeException e) {
            // the mock's handlers throw on paths they do not know; a real server answers 500 rather than hang up
            LOG.log(java.util.logging.Level.WARNING, "sandbox API server: " + request.getMethod() + " " + ri.path() + " failed", e);
            response = ApiStatus.internalError("an error on the server (" + e.getClass().getSimpleName() + ") has prevented the request from succeeding");
        }
        if (response == null) response = ApiStatus.methodNotAllowed();
        if (response.getWebSocketListener() != null && !(response.getWebSocketListener() instanceof NonBlockingWatchClose)
                && !(response.getWebSocketListener() instanceof IndexedCrudDispatcher.Watch)) { // a Watch never blocks its close
            response.withWebSocketUpgrade(new NonBlockingWatchClose(response.getWebSocketListener()));
        }
        // the CRUD mock sends no Content-Type; client-go (kubectl) would then try to read JSON as protobuf
        if (response.getWebSocketListener() == null && response.header("Content-Type") == null) {
            response.setHeader("Content-Type", "application/json");
        }
        return response;
    }

    Optional<UserInfo> authenticate(RecordedRequest request) {
        // x509 first, as in kube-apiserver's union: the front verified the client certificate and says who it is
        if (SecureFront.proofMatches(frontProof, request.getHeader(SecureFront.PROOF_HEADER))) {
            String user = request.getHeader(SecureFront.USER_HEADER);
            if (user != null && !user.isEmpty()) {
                List<String> groups = request.getHeaders().headers(SecureFront.GROUP_HEADER);
                return Optional.of(new UserInfo(user, "", groups == null ? List.of() : groups).withAuthenticatedGroup());
            }
        }
        Credentials c = new Credentials(bearer(request.getHeader("Authorization")));
        if (c.bearerToken() == null) return Optional.empty();
        for (Authenticator a : authenticators) {
            Optional<UserInfo> u = a.authenticate(c);
            if (u.isPresent()) return Optional.of(u.get().withAuthenticatedGroup());
        }
        if (bootstrapTokenAuth) {
            return bootstrap.authenticate(c).map(UserInfo::withAuthenticatedGroup);
        }
        return Optional.empty();
    }

    static String bearer(String header) {
        if (header == null) return null;
        String h = header.trim();
        if (h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
        String t = h.substring(7).trim();
        return t.isEmpty() ? null : t;
    }

    private MockResponse handle(UserInfo user, RequestInfo ri, RecordedRequest request) {
        String method = request.getMethod().toUpperCase(java.util.Locale.ROOT);
        if (!ri.resourceRequest()) {
            if (ri.path().equals("/version") || ri.path().equals("/version/")) {
                return "GET".equals(method) ? ApiStatus.json(200, versionJson.get()) : ApiStatus.methodNotAllowed();
            }
            if ("GET".equals(method)) {
                MockResponse doc = Discovery.answer(ri.path(), serverAddress.get());
                if (doc != null) return doc;
            }
            return store.crud().dispatch(request);
        }
        String contentType = request.getHeader("Content-Type");
        if ("PUT".equals(method) && "approval".equals(ri.subresource()) && CsrRegistry.GROUP.equals(ri.apiGroup())
                && "certificatesigningrequests".equals(ri.resource()) && contentType != null
                && contentType.startsWith("application/vnd.kubernetes.protobuf")) {
            try { // kubectl certificate approve/deny
                return csrs.approval(ri.name(), ProtobufCsr.decode(request.getBody().getBytes()));
            } catch (IllegalArgumentException e) {
                return ApiStatus.badRequest("the body of the request was in an unknown format: " + e.getMessage());
            }
        }
        if (("POST".equals(method) || "PUT".equals(method)) && contentType != null
                && !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")
                && !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("*/*")) {
            // only JSON is understood here; a real server also takes YAML and protobuf
            return ApiStatus.unsupportedMediaType(contentType);
        }
        String body = new String(request.getBody().getBytes(), StandardCharsets.UTF_8);
        if (CsrRegistry.GROUP.equals(ri.apiGroup()) && "certificatesigningrequests".equals(ri.resource())) {
            if ("create".equals(ri.verb()) && ri.name().isEmpty()) return csrs.create(user, body);
            if ("approval".equals(ri.subresource()) || "status".equals(ri.subresource())) {
                if ("update".equals(ri.verb())) {
                    return "approval".equals(ri.subresource()) ? csrs.approval(ri.name(), body) : csrs.status(ri.name(), body);
                }
                if (!"get".equals(ri.verb())) return ApiStatus.methodNotAllowed();
                return store.get(CsrRegistry.path(ri.name())).map(o -> ApiStatus.json(200, o))
                        .orElseGet(() -> ApiStatus.notFound(CsrRegistry.GROUP, "certificatesigningrequests", ri.name()));
            }
        }
        if ("authorization.k8s.io".equals(ri.apiGroup()) && "selfsubjectaccessreviews".equals(ri.resource()) && "create".equals(ri.verb())) {
            return SelfReviews.accessReview(authorizer, user, body);
        }
        if ("authentication.k8s.io".equals(ri.apiGroup()) && "selfsubjectreviews".equals(ri.resource()) && "create".equals(ri.verb())) {
            return SelfReviews.subjectReview(user, ri.apiVersion());
        }
        if (ri.apiGroup().isEmpty() && "nodes".equals(ri.resource()) && "create".equals(ri.verb()) && user.nodeName() != null) {
            // NodeRestriction: a node creates only its own Node (the authorizer cannot see the name of a create)
            String name = nodeName(body);
            if (!user.nodeName().equals(name)) {
                return ApiStatus.admissionForbidden("nodes", name == null ? "" : name,
                        "node \"" + user.nodeName() + "\" is not allowed to modify node \"" + name + "\"");
            }
        }
        Workloads w = workloads;
        if (w != null) {
            MockResponse pods = w.evictions.handle(ri, java.net.URI.create(request.getPath()).getRawQuery(), body);
            if (pods != null) return pods;
            MockResponse budgets = w.evictions.budgets(request, ri, body);
            if (budgets != null) return budgets;
            if ("create".equals(ri.verb()) && ri.subresource().isEmpty() && ri.name().isEmpty()
                    && (("apps".equals(ri.apiGroup()) && ("replicasets".equals(ri.resource()) || "daemonsets".equals(ri.resource())))
                    || ("policy".equals(ri.apiGroup()) && "poddisruptionbudgets".equals(ri.resource())))) {
                w.start(); // their controllers run in kube-controller-manager from the first such object
            }
        }
        if (ri.apiGroup().isEmpty() && "secrets".equals(ri.resource()) && ("create".equals(ri.verb()) || "update".equals(ri.verb()))) {
            String merged = mergeStringData(body);
            if (merged != null) {
                return store.crud().dispatch(ObjectStore.request(request.method(), request.getPath(), merged));
            }
        }
        return store.crud().dispatch(request);
    }

    private static String nodeName(String body) {
        try {
            io.fabric8.kubernetes.api.model.Node n = Serialization.unmarshal(body, io.fabric8.kubernetes.api.model.Node.class);
            return n == null || n.getMetadata() == null ? null : n.getMetadata().getName();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A real server stores Secret stringData into data (base64) on every write; the mock would keep stringData. */
    static String mergeStringData(String body) {
        Secret s;
        try {
            s = Serialization.unmarshal(body, Secret.class);
        } catch (RuntimeException e) {
            return null;
        }
        if (s == null || s.getStringData() == null || s.getStringData().isEmpty()) return null;
        Map<String, String> data = new LinkedHashMap<>(s.getData() == null ? Map.of() : s.getData());
        s.getStringData().forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(
                (v == null ? "" : v).getBytes(StandardCharsets.UTF_8))));
        s.setData(data);
        s.setStringData(null);
        return Serialization.asJson(s);
    }
}
