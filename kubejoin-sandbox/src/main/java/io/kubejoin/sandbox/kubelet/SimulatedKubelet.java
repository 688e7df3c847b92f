package io.kubejoin.sandbox.kubelet;

import io.kubejoin.version.KubeVersion;
import io.kubejoin.version.VersionRules;
import io.vertx.core.http.HttpClientRequest;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import io.kubejoin.sandbox.node.Journal;
import io.kubejoin.sandbox.node.NodeRoot;
import io.kubejoin.sandbox.node.SimulatorRuntime;
import io.kubejoin.sandbox.kubelet.KubeletStartup.Startup;

/**
 * Stands for kubelet at {@code systemctl restart kubelet}: its start-up checks and its TLS bootstrap, up to the
 * Node turning Ready. It reads what kubejoin pushed under the node's root folder — the unit
 * ({@code /etc/systemd/system/kubelet.service}), the {@code --config} KubeletConfiguration, the
 * {@code --bootstrap-kubeconfig} — and then does what that kubelet release does:
 * <ul>
 *   <li>refuses a flag the release no longer has, with pflag's error ({@code failed to parse kubelet flag: unknown
 *       flag: --logtostderr}); the removals named in issue 2 are hard-coded here as well as read from
 *       {@link VersionRules}, so a mistake in that table cannot make renderer and simulator agree;</li>
 *   <li>decodes the config as kubelet does: an unknown field (one the release does not have) is a strict
 *       decoding error, after which the real kubelet decodes leniently and only warns
 *       ({@code using lenient decoding as strict decoding failed: strict decoding error: unknown field "x"});
 *       {@link Options#strictConfigFields()} turns that into a refusal for tests that want a renderer mistake to
 *       fail loudly;</li>
 *   <li>checks the client CA file exists, the runtime endpoint is plausible for the release (dockershim before
 *       1.24, a CRI socket after; no containers are run), and — a sandbox rule, not kubelet's — that
 *       {@code address} is not loopback unless {@link Options#allowLoopbackAddress()} (a real kubelet would start
 *       but be unreachable from the API server);</li>
 *   <li>reuses {@code --kubeconfig} when its client certificate is still valid, else bootstraps as
 *       k8s.io/kubernetes pkg/kubelet/certificate/bootstrap does: ECDSA P-256 key, PKCS#10 request O=system:nodes,
 *       CN=system:node:NAME, a certificates.k8s.io/v1 CSR (generateName {@code csr-}, signer
 *       kubernetes.io/kube-apiserver-client-kubelet, usages digital signature + client auth, plus key encipherment
 *       before 1.27) created with the bootstrap token over TLS verified with the bootstrap kubeconfig's CA; waits
 *       on a watch for the certificate; writes {@code <cert-dir>/kubelet-client-<time>.pem} (certificate and key,
 *       0600) and the {@code kubelet-client-current.pem} symlink (relative, where kubelet's is absolute);
 *       {@code kubelet.kubeconfig} naming that symlink is written before the CSR with rotateCertificates (as
 *       LoadClientConfig does), after the certificate without it (LoadClientCert);</li>
 *   <li>with that client certificate: registers the Node (labels, taints, addresses, nodeInfo), posts its first
 *       status through {@code /status} (NotReady for a fresh Node), with serverTLSBootstrap files its serving CSR
 *       (signer kubernetes.io/kubelet-serving, its SANs taken from its Node status addresses as kubelet takes them:
 *       name and address, plus {@link Options#extraStatusAddress()} when a test makes it report one), and posts
 *       Ready=True when its release would ({@link NodeStatusSync}: the next node-status sync before 1.26, the fast
 *       path from 1.26).</li>
 * </ul>
 * Once Ready it waits in the background for the serving certificate and writes {@code kubelet-server-current.pem}.
 * With rotateCertificates, a CSR that cannot be created (401/403, a timeout, a refused connection) or that is denied,
 * failed or deleted is retried with a new CSR on the certificate manager's backoff while the process runs on, as the
 * real one does; without it the process exits. A refused Node create is retried (registerWithAPIServer), never an exit.
 * Not simulated: pods, the node Lease and status heartbeats after Ready, renewal of a certificate near expiry, the
 * exit of a kubelet still without a client certificate 5 minutes after start while the API server answers
 * (certificate/transport.go), retries after a failed start-up check (a refusal ends in {@link State#FAILED} where the
 * real kubelet would crash-loop under systemd), the kubelet's own HTTPS server. Runs as callbacks on a shared
 * {@link SimulatorRuntime}; every line it would print goes to its {@link Journal} (never a token or key).
 * <p>
 * This class is the process: its life cycle, its state, and what {@code systemctl stop} ends. The work is split at
 * kubelet's own seams, each a {@link KubeletPart}: {@link KubeletStartup} (unit, flags, config, static pod folder),
 * {@link TlsBootstrap} (the client certificate), {@link NodeRegistration} (Node, addresses, Ready) and
 * {@link ServingCertificateManager} (serving CSR, :10250), with {@link ApiServerClient}, {@link CsrWatch} and
 * {@link KubeletPem} under them.
 */
public final class SimulatedKubelet {
    public enum State { NEW, RUNNING, READY, FAILED, STOPPED }

    /**
     * @param allowLoopbackAddress the sandbox's nodes live on 127.x.y.z: accept a loopback {@code address}
     * @param strictConfigFields   refuse unknown config fields instead of kubelet's lenient fallback with a warning
     * @param forgeCsrForNode      misbehaviour: request the client certificate of this other node (null: own name)
     * @param failAtStart          misbehaviour: exit at once, as a broken binary or host would
     * @param extraStatusAddress   an address this kubelet adds to its own Node status (as ExternalIP) before it
     *                             files its serving CSR, as a cloud provider's or a lying kubelet would; null: none
     * @param runtimeDown          the container runtime's socket is missing: kubelet exits with the CRI error
     */
    public record Options(boolean allowLoopbackAddress, boolean strictConfigFields, String forgeCsrForNode,
                          boolean failAtStart, String extraStatusAddress, boolean runtimeDown) {
        public Options(boolean allowLoopbackAddress, boolean strictConfigFields, String forgeCsrForNode, boolean failAtStart) {
            this(allowLoopbackAddress, strictConfigFields, forgeCsrForNode, failAtStart, null, false);
        }

        public static Options defaults() {
            return new Options(false, false, null, false, null, false);
        }

        /** For the sandbox's loopback nodes. */
        public static Options sandbox() {
            return new Options(true, false, null, false, null, false);
        }

        public Options withAllowLoopbackAddress(boolean b) {
            return new Options(b, strictConfigFields, forgeCsrForNode, failAtStart, extraStatusAddress, runtimeDown);
        }

        public Options withStrictConfigFields(boolean b) {
            return new Options(allowLoopbackAddress, b, forgeCsrForNode, failAtStart, extraStatusAddress, runtimeDown);
        }

        public Options withForgeCsrForNode(String node) {
            return new Options(allowLoopbackAddress, strictConfigFields, node, failAtStart, extraStatusAddress, runtimeDown);
        }

        public Options withFailAtStart(boolean b) {
            return new Options(allowLoopbackAddress, strictConfigFields, forgeCsrForNode, b, extraStatusAddress, runtimeDown);
        }

        public Options withExtraStatusAddress(String ip) {
            return new Options(allowLoopbackAddress, strictConfigFields, forgeCsrForNode, failAtStart, ip, runtimeDown);
        }

        /** The container runtime is not running: its socket is missing, and kubelet's first CRI call fails. */
        public Options withRuntimeDown(boolean b) {
            return new Options(allowLoopbackAddress, strictConfigFields, forgeCsrForNode, failAtStart, extraStatusAddress, b);
        }
    }

    static final String UNIT = "/etc/systemd/system/kubelet.service";

    // what every part of the process reads (KubeletPart)
    final SimulatorRuntime runtime;
    final NodeRoot root;
    final String hostname;
    final KubeVersion version;
    final Options options;
    final Journal journal;
    private final Object lock = new Object();
    private State state = State.NEW;
    private String failure;
    // written by the parts: what the public API reports and what stop() ends
    volatile boolean stopped;
    volatile HttpClientRequest watch;
    volatile String clientCsrName;
    volatile String servingCsrName;
    /** The periodic static-pod folder check (a Vert.x timer), or -1. */
    volatile long staticPodTimer = -1;
    /** The next try at the client certificate (certificate manager) or at registering the Node (a Vert.x timer), or -1. */
    volatile long bootstrapTimer = -1;
    /** The serving certificate manager's next try (a Vert.x timer), or -1. */
    volatile long servingTimer = -1;
    volatile String podDnsError;
    /** KubeletConfiguration nodeStatusUpdateFrequency (or its flag): the period of syncNodeStatus. */
    volatile java.time.Duration nodeStatusUpdateFrequency = java.time.Duration.ofSeconds(10);
    volatile io.vertx.core.http.HttpServer servingServer;
    volatile boolean servingCertificateWritten;

    // the parts of the process, each at one of kubelet's seams (see the class comment)
    private final KubeletStartup startup;
    private final TlsBootstrap bootstrap;
    private final NodeRegistration registration;

    /**
     * @param root     the local folder standing for the node's {@code /}
     * @param hostname the machine's host name (the Node name unless the unit sets --hostname-override)
     * @param version  the kubelet release the node runs
     */
    public SimulatedKubelet(SimulatorRuntime runtime, Path root, String hostname, KubeVersion version, Options options) {
        this.runtime = Objects.requireNonNull(runtime);
        this.root = new NodeRoot(root);
        this.hostname = Objects.requireNonNull(hostname);
        this.version = Objects.requireNonNull(version);
        this.options = Objects.requireNonNull(options);
        this.journal = new Journal(runtime.clock(), ThreadLocalRandom.current().nextInt(1000, 60000));
        ApiServerClient api = new ApiServerClient(this);
        CsrWatch csrs = new CsrWatch(this, api);
        this.startup = new KubeletStartup(this);
        this.bootstrap = new TlsBootstrap(this, api, csrs);
        this.registration = new NodeRegistration(this, api, new ServingCertificateManager(this, api, csrs));
    }

    /** Starts it (returns at once); {@link #awaitSettled} or {@link #state} tell how it went. A second start is refused. */
    public void start() {
        synchronized (lock) {
            if (state != State.NEW) throw new IllegalStateException("already started: " + state);
            state = State.RUNNING;
        }
        runtime.vertx().<Startup>executeBlocking(startup::load, false)
                .compose(s -> {
                    markLoaded();
                    startup.watchStaticPodPath();
                    return bootstrap.clientCredential(s).compose(c -> {
                        // server.go's run(): the healthz server (:10248) starts once RunKubelet has returned, i.e.
                        // past the start-up checks and, without rotation, the client certificate (with rotation it
                        // was set when the certificate manager started); a kubelet that dies before never answers
                        healthzServing = true;
                        return registration.registerAndReady(s, c);
                    });
                })
                .onSuccess(v -> settle(State.READY, null))
                .onFailure(e -> {
                    if (stopped) settle(State.STOPPED, null); // the wait stop() ended: SIGTERM, not an error exit
                    else if (e instanceof KubeletExit exit) settle(State.FAILED, exit.getMessage());
                    else {
                        journal.error("server.go:302", "\"command failed\" err=\"" + quote(String.valueOf(e.getMessage())) + "\"");
                        settle(State.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage());
                    }
                });
    }

    /** {@code systemctl stop kubelet}: ends any wait; the state becomes STOPPED unless it FAILED. */
    public void stop() {
        stopped = true;
        long timer = staticPodTimer;
        if (timer >= 0) runtime.vertx().cancelTimer(timer);
        long retry = bootstrapTimer;
        if (retry >= 0) runtime.vertx().cancelTimer(retry);
        long servingRetry = servingTimer;
        if (servingRetry >= 0) runtime.vertx().cancelTimer(servingRetry);
        HttpClientRequest w = watch;
        if (w != null) w.reset();
        io.vertx.core.http.HttpServer https = servingServer;
        if (https != null) https.close();
        synchronized (lock) {
            // a Ready kubelet that is stopped is gone as a process (systemctl is-active: inactive); a failed one
            // keeps its failure for the report
            if (state != State.FAILED) {
                state = State.STOPPED;
                failure = null;
                lock.notifyAll();
            }
        }
    }

    /** Set once it would have started its healthz server (see start; with rotation, TlsBootstrap sets it earlier). */
    volatile boolean healthzServing;

    /**
     * Whether {@code curl http://127.0.0.1:10248/healthz} answers ok: the process runs and got past its start-up
     * checks, and without rotateCertificates its client certificate. With rotation it answers while the certificate
     * manager is still bootstrapping (its healthz is a ping), so ok proves nothing about joining. A kubelet that
     * exits at start never opened the port, even in the moment systemd shows it active.
     */
    public boolean healthzServing() {
        State s = state();
        return healthzServing && (s == State.RUNNING || s == State.READY);
    }

    public State state() {
        synchronized (lock) {
            return state;
        }
    }

    /** Why it failed (the error kubelet would print), or null. */
    public String failureReason() {
        synchronized (lock) {
            return failure;
        }
    }

    public Journal journal() {
        return journal;
    }

    private volatile String buildSuffix = "";

    /**
     * A vendor's build of the release: the version string it reports carries this suffix ({@code -lab},
     * {@code -eks-1a2b3c}, {@code +k3s1}), as kubelet's own does (version.Get().GitVersion). Set before start.
     */
    public SimulatedKubelet buildSuffix(String suffix) {
        this.buildSuffix = Objects.requireNonNull(suffix);
        return this;
    }

    /** The version string this kubelet reports: the release and its build suffix. */
    String gitVersion() {
        return version.gitVersion() + buildSuffix;
    }

    /** The machine's host name (the Node name unless the unit sets --hostname-override). */
    public String hostname() {
        return hostname;
    }

    /** Name of the client CSR it created, or null. */
    public String clientCsrName() {
        return clientCsrName;
    }

    /** Name of the serving CSR it created, or null. */
    public String servingCsrName() {
        return servingCsrName;
    }

    /** Waits until the client certificate request exists (or it settled), at most the timeout; returns its name or null. */
    public String awaitClientCsr(long timeout, TimeUnit unit) throws InterruptedException {
        long end = System.nanoTime() + unit.toNanos(timeout);
        while (clientCsrName == null && state() == State.RUNNING && System.nanoTime() < end) Thread.sleep(10);
        return clientCsrName;
    }

    /**
     * Waits until it has read its unit, flags, config and files (the moment a real kubelet that refuses them exits,
     * so systemd shows it failed), or the timeout passes; returns the state then.
     */
    public State awaitLoaded(long timeout, TimeUnit unit) throws InterruptedException {
        synchronized (lock) {
            Monitors.waitWhile(lock, () -> (state == State.RUNNING || state == State.NEW) && !loaded, timeout, unit);
            return state;
        }
    }

    private boolean loaded;

    private void markLoaded() {
        synchronized (lock) {
            loaded = true;
            lock.notifyAll();
        }
    }

    /** Waits until it is READY, FAILED or STOPPED, or the timeout passes; returns the state then. */
    public State awaitSettled(long timeout, TimeUnit unit) throws InterruptedException {
        synchronized (lock) {
            Monitors.waitWhile(lock, () -> state == State.RUNNING || state == State.NEW, timeout, unit);
            return state;
        }
    }

    private void settle(State s, String reason) {
        synchronized (lock) {
            if (state == State.READY || state == State.FAILED || state == State.STOPPED) return;
            state = s;
            failure = s == State.FAILED ? reason : null;
            lock.notifyAll();
        }
        Runnable exited = onExit;
        if (s == State.FAILED && exited != null) exited.run();
    }

    private volatile Runnable onExit;

    /** Called once when the process exits with an error (FAILED): how the node's systemd learns of it. */
    public void onExit(Runnable r) {
        this.onExit = r;
    }

    /** kubelet exiting (or giving up) with the error it printed. */
    static final class KubeletExit extends RuntimeException {
        KubeletExit(String message) {
            super(message, null, false, false);
        }
    }

    KubeletExit commandFailed(String err) {
        journal.error("run.go:74", "\"command failed\" err=\"" + quote(err) + "\"");
        return new KubeletExit(err);
    }

    static String quote(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /**
     * Why every pod (not on the host network) would fail to start on this kubelet, as its DNS configurer says
     * ("open /run/systemd/resolve/resolv.conf: no such file or directory"), or null.
     */
    public String podDnsError() {
        return podDnsError;
    }

    /** Whether the serving certificate was issued and written (kubelet-server-current.pem). */
    public boolean servingCertificateWritten() {
        return servingCertificateWritten;
    }

    @Override
    public String toString() {
        return "SimulatedKubelet[" + hostname + ", " + version.gitVersion() + ", " + state() + "]";
    }
}
