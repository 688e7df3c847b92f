package io.kubejoin.cluster;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kubejoin.util.UserFacingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * Admin access to the cluster: a fabric8 client with short timeouts and no silent retries, plus the name of the
 * kubeconfig it came from so every failure can say which credentials or CA were at fault.
 * Every API call kubejoin makes goes through {@link #call(Access, Supplier)}, which turns transport and HTTP
 * failures into one-line {@link UserFacingException}s (see {@link ApiErrors}).
 */
public final class KubeConnection implements AutoCloseable {
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final KubernetesClient client;
    private final Config config;
    private final String source;

    private KubeConnection(KubernetesClient client, Config config, String source) {
        this.client = client;
        this.config = config;
        this.source = source;
    }

    /** Opens a connection from a kubeconfig file (its current context). No request is made yet. */
    public static KubeConnection open(Path kubeconfig, Duration requestTimeout) {
        return open(List.of(kubeconfig), null, requestTimeout);
    }

    /**
     * Opens a connection from kubeconfig files merged as kubectl merges them ({@link KubeconfigLoader}), with
     * {@code context} (null: the current context). No request is made yet.
     */
    public static KubeConnection open(List<Path> kubeconfigs, String context, Duration requestTimeout) {
        KubeconfigLoader.Loaded loaded = KubeconfigLoader.load(kubeconfigs, context);
        String source = kubeconfigs.size() == 1 && context == null ? "kubeconfig " + kubeconfigs.get(0) : loaded.source();
        return of(loaded.config(), source, requestTimeout);
    }

    /**
     * Where a kubeconfig that fabric8 refused stops being YAML: "line 3, column 7: mapping values are not allowed
     * here", the parser's problem and position only (its snippet of the line could show a secret); when the YAML
     * is fine the shape is wrong.
     */
    static String yamlProblem(Path kubeconfig) {
        try {
            new org.snakeyaml.engine.v2.api.Load(org.snakeyaml.engine.v2.api.LoadSettings.builder().build())
                    .loadFromString(Files.readString(kubeconfig));
        } catch (org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException y) {
            String at = y.getProblemMark().map(m -> "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1) + ": ")
                    .orElse("");
            return "YAML error at " + at + y.getProblem();
        } catch (java.io.IOException | RuntimeException other) {
            return "it cannot be read as YAML";
        }
        return "expected a YAML map with apiVersion: v1, kind: Config, clusters, contexts and users";
    }

    /**
     * A connection from a ready fabric8 Config (tests, derived clients). The timeouts are forced: kubejoin would
     * rather fail in seconds with a reason than hang on fabric8's defaults (and its exponential retries).
     */
    public static KubeConnection of(Config config, String source, Duration requestTimeout) {
        Config tuned = new ConfigBuilder(config)
                .withRequestTimeout(millis(requestTimeout))
                .withConnectionTimeout(millis(requestTimeout))
                .withRequestRetryBackoffLimit(0)
                // a broken watch is reported to its watcher at once instead of being reconnected forever in the
                // background: kubejoin's watchers list and watch again themselves, and can tell the API server is gone
                .withWatchReconnectLimit(0)
                .build();
        java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicLong> mine =
                new java.util.concurrent.ConcurrentHashMap<>();
        KubernetesClient client = new KubernetesClientBuilder().withConfig(tuned)
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("kubejoin-requests", counting(mine))).build();
        KubeConnection c = new KubeConnection(client, tuned, source);
        c.sent = mine;
        return c;
    }

    /** This connection's requests by {@link #kind} (the process's total: {@link #requestsByKind()}). */
    private java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicLong> sent =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** The requests this connection sent, by {@link #kind}, sorted by kind (a watch counts once). */
    public java.util.SortedMap<String, Long> sentByKind() {
        java.util.SortedMap<String, Long> m = new java.util.TreeMap<>();
        sent.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    /** Requests this process sent to API servers (a watch counts once): the benchmark's "API requests per node". */
    private static final java.util.concurrent.atomic.AtomicLong REQUESTS = new java.util.concurrent.atomic.AtomicLong();
    private static io.fabric8.kubernetes.client.http.Interceptor counting(
            java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicLong> mine) {
        return new io.fabric8.kubernetes.client.http.Interceptor() {
            @Override
            public void before(io.fabric8.kubernetes.client.http.BasicBuilder builder,
                               io.fabric8.kubernetes.client.http.HttpRequest request,
                               io.fabric8.kubernetes.client.http.Interceptor.RequestTags tags) {
                REQUESTS.incrementAndGet();
                String kind = kind(request.method(), request.uri());
                BY_KIND.computeIfAbsent(kind, k -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
                mine.computeIfAbsent(kind, k -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
            }
        };
    }
    private static final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicLong> BY_KIND =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A request's kind for the benchmark's tally: method, resource and subresource, object names and namespaces left
     * out ("GET nodes/*", "PUT certificatesigningrequests/approval", "GET secrets?watch"), so requests per node can be
     * told apart by what they do.
     */
    private static final java.util.regex.Pattern EDGE_SLASHES = java.util.regex.Pattern.compile("^/+|/+$");

    static String kind(String method, java.net.URI uri) {
        String[] seg = EDGE_SLASHES.matcher(uri.getPath()).replaceAll("").split("/");
        int i = seg.length > 0 && seg[0].equals("apis") ? 3 : seg.length > 0 && seg[0].equals("api") ? 2 : seg.length;
        if (i + 2 < seg.length && seg[i].equals("namespaces")) i += 2;
        StringBuilder k = new StringBuilder(method).append(' ');
        if (i >= seg.length) {
            k.append(uri.getPath());
        } else {
            k.append(seg[i]);
            if (i + 1 < seg.length) k.append("/*");
            if (i + 2 < seg.length) k.append('/').append(seg[i + 2]);
        }
        String q = uri.getRawQuery();
        if (q != null && q.contains("watch=true")) k.append("?watch");
        return k.toString();
    }

    /** {@link #REQUESTS} by {@link #kind}, sorted by kind. */
    public static java.util.SortedMap<String, Long> requestsByKind() {
        java.util.SortedMap<String, Long> m = new java.util.TreeMap<>();
        BY_KIND.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    /** See {@link #REQUESTS}. */
    public static long requestsSent() {
        return REQUESTS.get();
    }

    /**
     * A separate client that talks to the same server, trusting the same CA, but authenticates only with the
     * given bearer token (no client certificate, no kubeconfig to fall back on). Used to act as a bootstrap
     * token, as kubelet will.
     */
    public KubeConnection asBearerToken(String token, String description) {
        // Start from an empty Config: copying the admin one would keep its client certificate and its kubeconfig
        // file, and fabric8 re-reads that file after a 401 - the probe would then silently become the admin.
        Config probe = new ConfigBuilder(Config.empty())
                .withMasterUrl(config.getMasterUrl())
                .withCaCertData(config.getCaCertData())
                .withCaCertFile(config.getCaCertFile())
                .withTrustCerts(config.isTrustCerts())
                .withDisableHostnameVerification(config.isDisableHostnameVerification())
                .withHttp2Disable(config.isHttp2Disable())
                .withOauthToken(token)
                .build();
        return of(probe, description, Duration.ofMillis(config.getRequestTimeout()));
    }

    public KubernetesClient client() {
        return client;
    }

    /** Where the credentials came from, e.g. "kubeconfig /root/.kube/config": for messages. */
    public String source() {
        return source;
    }

    /** The server URL as the kubeconfig gives it (fabric8 adds a trailing slash; messages do without). */
    public String serverUrl() {
        String url = config.getMasterUrl();
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    public Duration requestTimeout() {
        return Duration.ofMillis(config.getRequestTimeout());
    }

    Config config() {
        return config;
    }

    /** Runs one API operation; any failure becomes a one-line UserFacingException naming what was refused. */
    public <T> T call(Access access, Supplier<T> operation) {
        try {
            return operation.get();
        } catch (RuntimeException e) {
            throw ApiErrors.translate(e, access, this);
        }
    }

    public void run(Access access, Runnable operation) {
        call(access, () -> {
            operation.run();
            return null;
        });
    }

    @Override
    public void close() {
        client.close();
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }
}
