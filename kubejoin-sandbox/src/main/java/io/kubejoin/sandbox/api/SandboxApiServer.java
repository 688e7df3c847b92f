package io.kubejoin.sandbox.api;

import io.kubejoin.version.KubeVersion;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.kubejoin.util.SecureFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import io.kubejoin.sandbox.tls.SandboxCa;
import io.kubejoin.sandbox.tls.SandboxEcProvider;

/**
 * The sandbox's kube-apiserver (with, see {@link CsrSigningController}, the part of kube-controller-manager
 * kubejoin depends on): fabric8's CRUD mock server stores the objects; {@link SandboxDispatcher} in front of it
 * authenticates every request (client certificates from the sandbox CA through {@link SecureFront}, admin token,
 * bootstrap tokens, registered tokens), authorizes it with the
 * default bootstrap policy, and serves what the mock cannot (CSR identity, /approval, /status, self reviews,
 * /version). Listens on 127.0.0.1, a free port, HTTPS with a serving certificate from the sandbox CA (the public
 * port is {@link SecureFront}'s; the mock's own listener is internal).
 * A simulator for tests, {@code kubejoin demo} and benchmarks — not a Kubernetes API server.
 */
public final class SandboxApiServer implements AutoCloseable {
    public static final String ADMIN_USER = "kubernetes-admin";
    private static final Pattern VERSION = Pattern.compile("^v(\\d+)\\.(\\d+)\\.\\d+.*$");
    /** The mock logs every request at INFO: too costly for benchmarks and noise in tests. Kept referenced so the level sticks. */
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SandboxApiServer.class);
    private static final java.util.logging.Logger MOCK_LOG = quiet("io.fabric8.mockwebserver.MockWebServer");

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger l = java.util.logging.Logger.getLogger(name);
        l.setLevel(java.util.logging.Level.WARNING);
        return l;
    }

    /**
     * How to start the sandbox.
     *
     * @param gitVersion    what /version reports, e.g. v1.32.4
     * @param ca            the cluster CA; null → a new one
     * @param https         serve TLS with a certificate from {@code ca} (false: plain HTTP)
     * @param signer        whether the "controller-manager" (CSR signer + its lease) starts running
     * @param signingDuration kube-controller-manager's --cluster-signing-duration (default 1 year)
     * @param leaseDuration the controller-manager lease's leaseDurationSeconds (real default 15 s)
     * @param leaseRenewInterval how often the lease is renewed (real retry period 2 s)
     * @param clock         the time source of token expiry, CSR conditions, certificates and the lease
     * @param port          the port on 127.0.0.1 to listen on; 0 picks a free one
     */
    public record Options(String gitVersion, SandboxCa ca, boolean https, boolean signer, Duration signingDuration,
                          Duration leaseDuration, Duration leaseRenewInterval, Clock clock, int port) {
        public Options {
            Objects.requireNonNull(gitVersion, "gitVersion");
            if (!VERSION.matcher(gitVersion).matches()) throw new IllegalArgumentException("gitVersion must look like v1.32.4: " + gitVersion);
            Objects.requireNonNull(signingDuration, "signingDuration");
            Objects.requireNonNull(leaseDuration, "leaseDuration");
            Objects.requireNonNull(leaseRenewInterval, "leaseRenewInterval");
            Objects.requireNonNull(clock, "clock");
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
        }

        public static Options defaults() {
            return new Options("v1.32.4", null, true, true, Duration.ofDays(365), Duration.ofSeconds(15),
                    Duration.ofSeconds(2), Clock.systemUTC(), 0);
        }

        public Options withGitVersion(String v) {
            return new Options(v, ca, https, signer, signingDuration, leaseDuration, leaseRenewInterval, clock, port);
        }

        public Options withCa(SandboxCa c) {
            return new Options(gitVersion, c, https, signer, signingDuration, leaseDuration, leaseRenewInterval, clock, port);
        }

        public Options withHttps(boolean h) {
            return new Options(gitVersion, ca, h, signer, signingDuration, leaseDuration, leaseRenewInterval, clock, port);
        }

        public Options withSigner(boolean s) {
            return new Options(gitVersion, ca, https, s, signingDuration, leaseDuration, leaseRenewInterval, clock, port);
        }

        public Options withSigningDuration(Duration d) {
            return new Options(gitVersion, ca, https, signer, d, leaseDuration, leaseRenewInterval, clock, port);
        }

        public Options withLease(Duration duration, Duration renewInterval) {
            return new Options(gitVersion, ca, https, signer, signingDuration, duration, renewInterval, clock, port);
        }

        public Options withPort(int p) {
            return new Options(gitVersion, ca, https, signer, signingDuration, leaseDuration, leaseRenewInterval, clock, p);
        }

        public Options withClock(Clock c) {
            return new Options(gitVersion, ca, https, signer, signingDuration, leaseDuration, leaseRenewInterval, c, port);
        }
    }

    private final Options options;
    private final SandboxCa ca;
    private final MockWebServer web;
    private final KubernetesMockServer mock;
    private final ObjectStore store;
    private final SandboxDispatcher dispatcher;
    private final StaticTokenAuthenticator tokens = new StaticTokenAuthenticator();
    private final CsrSigningController signer;
    private final String adminToken;
    private final String url;
    private final SecureFront front;
    private final List<KubernetesClient> clients = new ArrayList<>();
    private final Workloads workloads;

    private SandboxApiServer(Options options) {
        SandboxEcProvider.install();
        this.options = options;
        this.ca = options.ca() != null ? options.ca() : SandboxCa.generate(options.clock().instant());
        this.adminToken = randomToken();
        tokens.add(adminToken, ADMIN_USER, List.of(UserInfo.MASTERS));
        KubernetesCrudDispatcher crud = new IndexedCrudDispatcher();
        this.store = new ObjectStore(crud);
        this.signer = new CsrSigningController(store, ca, KubeVersion.parse(options.gitVersion()), options.clock(),
                options.signingDuration(),
                options.leaseDuration(), options.leaseRenewInterval());
        CsrRegistry csrs = new CsrRegistry(store, options.clock(), signer::enqueue);
        signer.attach(csrs);
        BootstrapTokenAuthenticator bootstrap = new BootstrapTokenAuthenticator(this::kubeSystemSecret, options.clock());
        this.web = new MockWebServer();
        this.dispatcher = new SandboxDispatcher(store, csrs, bootstrap, List.of(tokens), this::versionJson, this::dropRecordedRequest);
        this.workloads = new Workloads(store, options.clock(), KubeVersion.parse(options.gitVersion()));
        dispatcher.workloads(workloads);
        this.mock = new KubernetesMockServer(new Context(Serialization.jsonMapper()), web, new HashMap<>(), dispatcher, options.https());
        // with HTTPS the public port is the front's (client certificates); the mock's own listener is internal
        mock.start(InetAddress.getLoopbackAddress(), options.https() ? 0 : options.port());
        SecureFront f = null;
        try {
            if (options.https()) {
                var keyCert = ServingTls.install(web, ca, options.clock().instant());
                String proof = SecureFront.newProof();
                dispatcher.frontProof(proof);
                f = SecureFront.start(ServingTls.vertx(web), keyCert,
                        new ClientCertificateAuthenticator(ca.certificate(), options.clock()::instant), proof, dispatcher,
                        options.port());
            }
        } catch (RuntimeException e) {
            mock.shutdown();
            throw e;
        }
        this.front = f;
        int port = front != null ? front.port() : web.getPort();
        this.url = (options.https() ? "https" : "http") + "://127.0.0.1:" + port;
        dispatcher.serverAddress("127.0.0.1:" + port);
        if (options.signer()) signer.start();
    }

    /** Starts a sandbox API server; close it when done. */
    public static SandboxApiServer start(Options options) {
        return new SandboxApiServer(options);
    }

    public static SandboxApiServer start() {
        return start(Options.defaults());
    }

    /** e.g. https://127.0.0.1:41234 */
    public String url() {
        return url;
    }

    public boolean https() {
        return options.https();
    }

    public SandboxCa ca() {
        return ca;
    }

    /** The CA that signed the serving certificate and that signs CSRs (PEM). */
    public String caCertificatePem() {
        return ca.certificatePem();
    }

    /** The admin bearer token (user kubernetes-admin, group system:masters). A secret: never log it. */
    public String adminToken() {
        return adminToken;
    }

    /** A client authenticated as kubernetes-admin; closed with the server. */
    public KubernetesClient adminClient() {
        return clientWithToken(adminToken);
    }

    /**
     * A client sending {@code Authorization: Bearer <bearer>} (null: no credentials), trusting the sandbox CA,
     * with short timeouts and no retry backoff so that a refused or unsupported request fails at once.
     * Closed with the server.
     */
    public KubernetesClient clientWithToken(String bearer) {
        KubernetesClient c = new KubernetesClientBuilder().withConfig(clientConfig(bearer)).build();
        synchronized (clients) {
            clients.add(c);
        }
        return c;
    }

    /**
     * A client authenticating with a client certificate (kubectl's client-certificate-data/client-key-data),
     * as a kubelet does after TLS bootstrap; the sandbox maps it to user = CN, groups = O when it was issued by
     * the sandbox CA and is valid now. Closed with the server.
     */
    public KubernetesClient clientWithCertificate(String certPem, String keyPem) {
        Config config = clientConfig(null);
        config.setClientCertData(base64(certPem));
        config.setClientKeyData(base64(keyPem));
        config.setClientKeyAlgo(keyPem.contains("RSA PRIVATE KEY") ? "RSA" : "EC");
        KubernetesClient c = new KubernetesClientBuilder().withConfig(config).build();
        synchronized (clients) {
            clients.add(c);
        }
        return c;
    }

    /** The mock's internal listener (behind the front when HTTPS); for overhead measurements only. */
    String internalUrl() {
        return (options.https() ? "https" : "http") + "://127.0.0.1:" + web.getPort();
    }

    /** The fabric8 configuration {@link #clientWithToken} uses, for callers that build their own client. */
    public Config clientConfig(String bearer) {
        ConfigBuilder b = new ConfigBuilder(Config.empty())
                .withMasterUrl(url + "/")
                .withNamespace("default")
                .withRequestTimeout(10_000)
                .withConnectionTimeout(5_000)
                .withRequestRetryBackoffLimit(0)
                .withRequestRetryBackoffInterval(0)
                .withHttp2Disable(true);
        if (options.https()) b.withCaCertData(base64(ca.certificatePem()));
        if (bearer != null) b.withOauthToken(bearer);
        return b.build();
    }

    /** Writes an admin kubeconfig (kubectl-compatible, CA embedded when HTTPS), mode 0600. */
    public void writeAdminKubeconfig(Path file) throws IOException {
        StringBuilder y = new StringBuilder();
        y.append("apiVersion: v1\nkind: Config\nclusters:\n- name: sandbox\n  cluster:\n");
        y.append("    server: ").append(url).append('\n');
        if (options.https()) y.append("    certificate-authority-data: ").append(base64(ca.certificatePem())).append('\n');
        y.append("contexts:\n- name: sandbox\n  context:\n    cluster: sandbox\n    user: ").append(ADMIN_USER).append('\n');
        y.append("current-context: sandbox\npreferences: {}\nusers:\n- name: ").append(ADMIN_USER).append('\n');
        y.append("  user:\n    token: ").append(adminToken).append('\n');
        SecureFiles.writeAtomically(file, y.toString().getBytes(StandardCharsets.UTF_8), 0600);
    }

    /** Registers a further static bearer token (kube-apiserver --token-auth-file), e.g. a node's identity. */
    public void addToken(String token, String user, List<String> groups) {
        tokens.add(token, user, groups);
    }

    /** Adds an authenticator asked after the static tokens and before bootstrap tokens. */
    public void addAuthenticator(Authenticator authenticator) {
        dispatcher.addAuthenticator(authenticator);
    }

    /** On: kube-apiserver --enable-bootstrap-token-auth. Off reproduces the article's T1 (every bootstrap token gets 401). */
    public void bootstrapTokenAuth(boolean enabled) {
        dispatcher.bootstrapTokenAuth(enabled);
    }

    /**
     * On: bootstrap tokens may create CSRs only where a ClusterRoleBinding to system:node-bootstrapper covers them
     * (kubejoin's K9), as on a real cluster. Off (the default): that binding is assumed.
     */
    public void requireBootstrapBinding(boolean required) {
        dispatcher.authorizer().requireBootstrapBinding(required);
    }

    /**
     * An etcd compaction now (kube-apiserver asks one every 5 minutes): every continue token of a list in progress
     * is answered 410 Expired from then on.
     */
    public void compactStorage() {
        dispatcher.compactStorage();
    }

    /**
     * The next {@code times} requests of this verb on this resource (and subresource, "" for none) get kube-apiserver's
     * 504 Timeout, as from a server too loaded to finish them within its --request-timeout; nothing is stored.
     */
    public void timeOutNext(String verb, String resource, String subresource, int times) {
        dispatcher.timeOutNext(verb, resource, subresource, times);
    }

    /** On: kube-controller-manager runs (signs approved CSRs, renews its lease). Off reproduces T2. */
    public void signer(boolean running) {
        if (running) signer.start();
        else signer.stop();
    }

    /** Every stored object as "Kind namespace/name", sorted: lets a test show that nothing was created. */
    public List<String> storedObjects() {
        return ((IndexedCrudDispatcher) store.crud()).storedObjects();
    }

    /**
     * The workloads a drain meets (ReplicaSets, DaemonSets, mirror and bare pods, PodDisruptionBudgets) and the
     * controllers, scheduler and kubelets that move them; starts their control loop.
     */
    public Workloads workloads() {
        return workloads.start();
    }

    public CsrSigningController signingController() {
        return signer;
    }

    @Override
    public void close() {
        signer.stop();
        workloads.close();
        synchronized (clients) {
            for (KubernetesClient c : clients) {
                try {
                    c.close();
                } catch (RuntimeException e) {
                    // closing anyway
                }
            }
            clients.clear();
        }
        if (front != null) front.close();
        try {
            mock.shutdown();
        } catch (IllegalStateException e) {
            // Vert.x did not finish closing within the mock's own wait (seen under heavy load with connections
            // still draining); the port is released when it does, and nothing else holds it
            LOG.debug("sandbox API server shutdown: {}", e.getMessage());
        }
    }

    private Optional<Secret> kubeSystemSecret(String name) {
        Optional<String> json = store.get("/api/v1/namespaces/kube-system/secrets/" + name);
        if (json.isEmpty()) return Optional.empty();
        // the real authenticator reads typed Secrets from an informer's cache: decoded once per change, not per
        // request (every bootstrap-token request of every kubelet asks); the object is only read, never changed
        java.util.Map.Entry<String, Secret> known = decodedSecrets.get(name);
        if (known != null && known.getKey().equals(json.get())) return Optional.of(known.getValue());
        Secret secret = Serialization.unmarshal(json.get(), Secret.class);
        if (decodedSecrets.size() > 10_000) decodedSecrets.clear();
        decodedSecrets.put(name, java.util.Map.entry(json.get(), secret));
        return Optional.of(secret);
    }

    /** kube-system Secrets by name as last decoded, with the JSON they were decoded from. */
    private final java.util.Map<String, java.util.Map.Entry<String, Secret>> decodedSecrets = new java.util.concurrent.ConcurrentHashMap<>();

    private void dropRecordedRequest() {
        try {
            web.takeRequest(0, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String versionJson() {
        Matcher m = VERSION.matcher(options.gitVersion());
        if (!m.matches()) throw new IllegalStateException();
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("major", m.group(1));
        v.put("minor", m.group(2));
        v.put("gitVersion", options.gitVersion());
        v.put("gitCommit", "0000000000000000000000000000000000000000");
        v.put("gitTreeState", "clean");
        v.put("buildDate", "2025-01-01T00:00:00Z");
        v.put("goVersion", "go1.23.8");
        v.put("compiler", "gc");
        v.put("platform", "linux/amd64");
        return Serialization.asJson(v);
    }

    private static String randomToken() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "SandboxApiServer[" + url + ", " + options.gitVersion() + "]"; // never the token
    }
}
