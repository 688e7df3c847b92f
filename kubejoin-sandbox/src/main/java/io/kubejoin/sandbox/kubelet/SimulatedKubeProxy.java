package io.kubejoin.sandbox.kubelet;

import io.kubejoin.version.KubeVersion;
import io.kubejoin.version.VersionRule.Component;
import io.kubejoin.version.VersionRule.Kind;
import io.kubejoin.version.VersionRules;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import io.kubejoin.sandbox.node.Journal;
import io.kubejoin.sandbox.node.NodeRoot;
import io.kubejoin.sandbox.node.SimulatorRuntime;

/**
 * Stands for kube-proxy at {@code systemctl restart kube-proxy}, up to the point kubejoin checks (P8): reads
 * {@code /etc/systemd/system/kube-proxy.service} and its {@code --config} KubeProxyConfiguration, refuses a flag
 * the release no longer has (cobra's {@code Error: unknown flag: --logtostderr}; {@code --logtostderr} from 1.26 is
 * hard-coded here as well as read from {@link VersionRules}), decodes the config as kube-proxy does (an unknown
 * field is a strict decoding error, then a lenient decode with a warning; {@link Options#strictConfigFields()}
 * refuses instead), refuses a proxy mode the release lacks, checks its kubeconfig and client certificate exist,
 * and compares {@code hostnameOverride} with the kubelet's node name: when they differ it does what the real
 * one does in the article's third failure — it finds no Node of that name, logs
 * {@code can't determine this node's IP}, and programs no service rules. Its first sync of the service rules comes
 * {@link Options#firstSync()} after its start, as the real one's does (about 0.5 s on an empty cluster in
 * {@code real-logs/kube-proxy-1.24-iptables.log}, longer with many Services): until then no rule exists for the
 * {@code kubernetes} Service. {@link #healthz()} answers as its {@code :10256/healthz} would: nothing (connection
 * refused) until its healthz server listens, then 200 — pkg/proxy/healthcheck/proxier_health.go reports a proxier
 * healthy "while it's starting up", before its first sync, so healthz alone does not show the rules are there —
 * and 503 in the hostname mismatch above; no HTTP listener is opened. Not simulated: watching
 * Services/EndpointSlices, actual iptables/ipvs/nftables rules, metrics, conntrack.
 *
 * <p>Started before its Node exists (kubelet not registered yet), it does what each release does before its healthz
 * server and proxier exist ({@link #lookUp}): up to 1.28 it reads the Node only without a {@code bindAddress}
 * (detectNodeIP); 1.29 to 1.33 always read it (getNodeIPs, kubernetes#119525), 6 tries 1, 2, 4, 8, 16 s apart
 * (pkg/util/node GetNodeIP's backoff, here without its jitter: never longer than the real one), then go on with the
 * bindAddress, else 127.0.0.1 ("can't determine this node's IP"); from 1.34 the NodeManager (kubernetes#130837) polls
 * every second until the Node has an address, and exits after 5 minutes without one.
 */
public final class SimulatedKubeProxy {
    public enum State { NEW, RUNNING, FAILED, STOPPED }

    /**
     * @param strictConfigFields refuse unknown config fields instead of kube-proxy's lenient fallback with a warning
     * @param firstSync          from the start to the end of its first sync of the service rules
     */
    public record Options(boolean strictConfigFields, java.time.Duration firstSync) {
        /** The first sync on an empty cluster: 0.49 s from start to "SyncProxyRules complete" in the real log. */
        public static final java.time.Duration EMPTY_CLUSTER_SYNC = java.time.Duration.ofMillis(500);
        /** What each Service adds to the first sync (rules built and restored; ~5 s more with 10,000 Services). */
        public static final java.time.Duration PER_SERVICE_SYNC = java.time.Duration.ofNanos(500_000);

        public Options(boolean strictConfigFields) {
            this(strictConfigFields, EMPTY_CLUSTER_SYNC);
        }

        public static Options defaults() {
            return new Options(false);
        }

        /** The first sync of a cluster with this many Services. */
        public static java.time.Duration firstSyncFor(int services) {
            return EMPTY_CLUSTER_SYNC.plus(PER_SERVICE_SYNC.multipliedBy(Math.max(0, services)));
        }

        public Options withFirstSync(java.time.Duration d) {
            return new Options(strictConfigFields, d);
        }
    }

    /** What kube-proxy learns of its Node from the API server: its primary address, or null while there is no such Node. */
    @FunctionalInterface
    public interface NodeLookup {
        String address(String nodeName);

        /** The same without holding a thread while it waits; by default {@link #address} on a worker. */
        default io.vertx.core.Future<String> addressAsync(String nodeName, SimulatorRuntime runtime) {
            return runtime.vertx().executeBlocking(() -> address(nodeName), false);
        }
    }

    /** The waits of {@link #lookUp} before each try after the first (1.29-1.33, and earlier without bindAddress). */
    static final long[] BACKOFF_MS = {1000, 2000, 4000, 8000, 16000};
    /** From 1.34: the NodeManager's poll interval and timeout. */
    static final long POLL_MS = 1000;
    static final long POLL_TIMEOUT_MS = 300_000;

    static final String UNIT = "/etc/systemd/system/kube-proxy.service";
    /** Flags issue 2 names as removed from kube-proxy, checked independently of VersionRules. */
    static final Map<String, Integer> REMOVED_FLAGS = Map.of("logtostderr", 26);

    private final SimulatorRuntime runtime;
    private final NodeRoot root;
    private final String kubeletNodeName;
    private final KubeVersion version;
    private final Options options;
    private final NodeLookup lookup;
    private final Journal journal;
    private final Object lock = new Object();
    private State state = State.NEW;
    private String failure;
    private boolean rulesSynced;
    private volatile String mode;
    /** When its healthz server listens (System.nanoTime()); 0 before the start. */
    private long healthzListensAt;
    /** Looking its Node up (guarded by lock): no healthz server, no proxier yet. */
    private boolean lookingUp;

    /**
     * @param kubeletNodeName the name the node's kubelet registered (its --hostname-override)
     * @param lookup          the API server's answer for a Node (the sandbox asks its API server)
     */
    public SimulatedKubeProxy(SimulatorRuntime runtime, Path root, String kubeletNodeName, KubeVersion version, Options options,
                              NodeLookup lookup) {
        this.lookup = Objects.requireNonNull(lookup);
        this.runtime = Objects.requireNonNull(runtime);
        this.root = new NodeRoot(root);
        this.kubeletNodeName = Objects.requireNonNull(kubeletNodeName);
        this.version = Objects.requireNonNull(version);
        this.options = Objects.requireNonNull(options);
        this.journal = new Journal(runtime.clock(), ThreadLocalRandom.current().nextInt(1000, 60000));
    }

    /** Starts it on the shared runtime (returns at once). */
    public void start() {
        synchronized (lock) {
            if (state != State.NEW) throw new IllegalStateException("already started: " + state);
            state = State.RUNNING;
            startedAt = System.nanoTime();
            // the real one listens on :10256 about halfway to its first sync (0.24 s of 0.49 s in the real log)
            healthzListensAt = System.nanoTime() + Math.min(250_000_000L, options.firstSync().toNanos() / 2);
        }
        runtime.vertx().executeBlocking(() -> {
            run();
            return null;
        }, false).onFailure(e -> settle(State.FAILED, e.getMessage()));
    }

    public void stop() {
        synchronized (lock) {
            rulesSynced = false;
        }
        settle(State.STOPPED, null);
    }

    public State state() {
        synchronized (lock) {
            return state;
        }
    }

    public String failureReason() {
        synchronized (lock) {
            return failure;
        }
    }

    /** The proxy mode it runs in (null until its config is read). */
    public String mode() {
        return mode;
    }

    /** Whether it programmed the service rules (false in the article's third failure). */
    public boolean rulesSynced() {
        synchronized (lock) {
            return rulesSynced;
        }
    }

    /**
     * The status code of GET /healthz on its healthzBindAddress: 0 (connection refused) when not running or before
     * its healthz server listens; 200 while starting up and once synced; 503 when it cannot program rules (the
     * hostname mismatch).
     */
    public int healthz() {
        synchronized (lock) {
            if (state != State.RUNNING || lookingUp || System.nanoTime() - healthzListensAt < 0) return 0;
            return nodeFound ? 200 : 503;
        }
    }

    private boolean nodeFound = true;

    public Journal journal() {
        return journal;
    }

    /** Waits until it has decided (rules synced, refused, or running without rules), at most the timeout; returns the state. */
    public State awaitStarted(long timeout, TimeUnit unit) throws InterruptedException {
        synchronized (lock) {
            Monitors.waitWhile(lock, () -> (state == State.NEW || state == State.RUNNING) && !decided, timeout, unit);
            return state;
        }
    }

    private boolean decided;

    /** Waits until its first sync programmed the rules, at most the timeout; returns whether it has. */
    public boolean awaitRulesSynced(long timeout, TimeUnit unit) throws InterruptedException {
        synchronized (lock) {
            Monitors.waitWhile(lock, () -> state == State.RUNNING && !rulesSynced, timeout, unit);
            return rulesSynced;
        }
    }

    private void settle(State s, String reason) {
        synchronized (lock) {
            if (state == State.FAILED || state == State.STOPPED) return;
            state = s;
            if (s == State.FAILED) failure = reason;
            decided = true;
            lock.notifyAll();
        }
    }

    private void run() throws IOException {
        String unit = root.readOrNull(UNIT);
        if (unit == null) throw exit("systemd", "Failed to start kube-proxy.service: Unit kube-proxy.service not found.");
        NodeRoot.ExecStart exec;
        try {
            exec = NodeRoot.execStart(unit);
        } catch (IllegalArgumentException e) {
            throw exit("systemd", "kube-proxy.service: " + e.getMessage());
        }
        for (String flag : exec.order()) {
            Integer hard = REMOVED_FLAGS.get(flag);
            boolean removed = (hard != null && version.atLeast(hard))
                    || VersionRules.find(Component.KUBE_PROXY, Kind.FLAG, flag).map(r -> r.removedIn(version)).orElse(false);
            if (removed) {
                journal.error("kube-proxy", "Error: unknown flag: --" + flag); // cobra, before logging is set up
                throw new KubeProxyExit("unknown flag: --" + flag);
            }
        }
        String configPath = exec.flags().get("config");
        if (configPath == null) throw exitFailed("simulated kube-proxy needs --config (kubejoin always renders it)");
        String text = root.readOrNull(configPath);
        if (text == null) throw exitFailed("failed to load kube-proxy config file: open " + configPath + ": no such file or directory");
        Map<String, Object> config;
        try {
            config = NodeRoot.yamlMap(text);
        } catch (RuntimeException e) {
            throw exitFailed("failed to decode kube-proxy config file " + configPath + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (!"KubeProxyConfiguration".equals(config.get("kind")) || !"kubeproxy.config.k8s.io/v1alpha1".equals(config.get("apiVersion"))) {
            throw exitFailed("no kind \"" + config.get("kind") + "\" is registered for version \"" + config.get("apiVersion") + "\"");
        }
        List<String> unknown = new ArrayList<>();
        for (String key : config.keySet()) {
            if (key.equals("kind") || key.equals("apiVersion")) continue;
            if (!VersionRules.fieldAvailable(Component.KUBE_PROXY, key, version)) unknown.add(key);
        }
        if (!unknown.isEmpty()) {
            String strictErr = "strict decoding error: " + String.join(", ", unknown.stream().map(f -> "unknown field \"" + f + "\"").toList());
            if (options.strictConfigFields()) throw exitFailed("failed to decode kube-proxy config file " + configPath + ": " + strictErr);
            journal.warning("server.go:508", "\"Using lenient decoding as strict decoding failed\" err=\"" + strictErr.replace("\"", "\\\"") + "\"");
        }
        String mode = config.get("mode") == null ? "iptables" : String.valueOf(config.get("mode"));
        if (!mode.isEmpty() && !VersionRules.available(Component.KUBE_PROXY, Kind.PROXY_MODE, mode, version)) {
            throw exitFailed("invalid configuration: KubeProxyConfiguration.Mode: Invalid value: \"" + mode + "\": must be iptables, ipvs or blank");
        }
        Object client = config.get("clientConnection");
        String kubeconfigPath = client instanceof Map<?, ?> m && m.get("kubeconfig") != null ? String.valueOf(m.get("kubeconfig")) : null;
        if (kubeconfigPath != null) {
            String kc = root.readOrNull(kubeconfigPath);
            if (kc == null) throw exitFailed("stat " + kubeconfigPath + ": no such file or directory");
            NodeRoot.Kubeconfig parsed = root.kubeconfig(kc);
            if ((parsed.clientCertPem() == null || parsed.clientKeyPem() == null) && parsed.token() == null) {
                throw exitFailed("invalid configuration: no credentials in " + kubeconfigPath);
            }
        }
        this.mode = mode;
        String hostnameOverride = config.get("hostnameOverride") == null ? "" : String.valueOf(config.get("hostnameOverride"));
        journal.info("server_linux.go:66", "\"Using " + mode + " Proxier\"");
        if (mode.isEmpty() || mode.equals("iptables") || mode.equals("ipvs")) {
            // NewProxier of both modes reads the sysctl and only logs; a missing file (no br_netfilter) says nothing
            String brnf = root.readOrNull("/proc/sys/net/bridge/bridge-nf-call-iptables");
            if (brnf != null && !brnf.strip().equals("1")) {
                journal.info("proxier.go:255", "\"Missing br-netfilter module or unset sysctl br-nf-call-iptables, proxy may not work as intended\"");
            }
        }
        if (!hostnameOverride.equals(kubeletNodeName)) {
            // T3: kube-proxy looks its node up by hostnameOverride; that Node does not exist
            String name = hostnameOverride.isEmpty() ? "(the host name)" : hostnameOverride;
            journal.error("node.go:152", "\"Failed to retrieve node info\" err=\"nodes \\\"" + name + "\\\" not found\"");
            journal.warning("server.go:526", "can't determine this node's IP, assuming 127.0.0.1; if this is incorrect, please set the --bind-address flag");
            synchronized (lock) {
                nodeFound = false;
            }
            settle(State.RUNNING, null); // runs, answers 503, programs nothing
            return;
        }
        String bind = config.get("bindAddress") == null ? "" : String.valueOf(config.get("bindAddress"));
        boolean bindSet = !bind.isEmpty() && !bind.equals("0.0.0.0") && !bind.equals("::");
        if (bindSet && !version.atLeast(29)) {
            nodeIp = bind; // detectNodeIP: a bindAddress is the node IP, the Node is not read
            settle(State.RUNNING, null);
            proceed(mode);
            return;
        }
        // the lookup runs before the healthz server and the proxier exist: nothing listens, nothing syncs meanwhile
        synchronized (lock) {
            lookingUp = true;
        }
        settle(State.RUNNING, null);
        lookUp(hostnameOverride, bindSet ? bind : null, mode, 0, System.nanoTime());
    }

    /** The node IP it settled on (null until then). */
    public String nodeIp() {
        return nodeIp;
    }

    private volatile String nodeIp;

    /** Whether its first look found no Node (it was started before its kubelet registered it). */
    public boolean startedBeforeItsNode() {
        return startedBeforeItsNode;
    }

    private volatile boolean startedBeforeItsNode;

    /** One try of the Node lookup ({@code attempt} from 0), then the next after its wait, or the outcome. */
    private void lookUp(String name, String bind, String mode, int attempt, long since) {
        lookup.addressAsync(name, runtime).onComplete(ar -> {
            if (state() != State.RUNNING) return;
            String address = ar.succeeded() ? ar.result() : null;
            if (attempt == 0 && address == null) startedBeforeItsNode = true;
            if (address != null) {
                nodeIp = bind != null ? bind : address;
                proceed(mode);
                return;
            }
            if (version.atLeast(34)) {
                // NodeManager: the lister's Get, silently, every second up to its timeout; then newProxyServer fails
                if ((System.nanoTime() - since) / 1_000_000 + POLL_MS > POLL_TIMEOUT_MS) {
                    KubeProxyExit e = exitFailed("node \"" + name + "\" not found");
                    settle(State.FAILED, e.getMessage());
                    return;
                }
                runtime.vertx().setTimer(POLL_MS, id -> lookUp(name, bind, mode, attempt + 1, since));
                return;
            }
            journal.error("node.go:152", "\"Failed to retrieve node info\" err=\"nodes \\\"" + name + "\\\" not found\"");
            if (attempt < BACKOFF_MS.length) {
                runtime.vertx().setTimer(BACKOFF_MS[attempt], id -> lookUp(name, bind, mode, attempt + 1, since));
                return;
            }
            if (bind != null) {
                nodeIp = bind; // the bindAddress overrides the primary IP
            } else {
                journal.warning("server.go:526", "can't determine this node's IP, assuming 127.0.0.1; if this is incorrect, please set the --bind-address flag");
                nodeIp = "127.0.0.1";
            }
            proceed(mode);
        });
    }

    /** From here as after a start whose Node was found at once: healthz listens, the first sync follows. */
    private void proceed(String mode) {
        synchronized (lock) {
            if (state != State.RUNNING) return;
            if (lookingUp) {
                lookingUp = false;
                startedAt = System.nanoTime();
                healthzListensAt = System.nanoTime() + Math.min(250_000_000L, options.firstSync().toNanos() / 2);
            }
        }
        // the first sync ends firstSync after the start; the rules exist only from then
        long delayMs = Math.max(1, options.firstSync().toMillis() - (System.nanoTime() - startedAt) / 1_000_000);
        String syncMode = mode;
        runtime.vertx().setTimer(delayMs, id -> {
            synchronized (lock) {
                if (state != State.RUNNING) return;
                // the real one logs as its sync begins: the line is there before anyone sees the rules
                journal.info("proxier.go:1537", "\"Syncing " + syncMode + " Proxier rules\"");
                rulesSynced = true;
                lock.notifyAll();
            }
        });
    }

    /** System.nanoTime() at start(). */
    private volatile long startedAt;

    private static final class KubeProxyExit extends RuntimeException {
        KubeProxyExit(String message) {
            super(message, null, false, false);
        }
    }

    private KubeProxyExit exit(String source, String line) {
        journal.error(source, line);
        return new KubeProxyExit(line);
    }

    private KubeProxyExit exitFailed(String err) {
        journal.error("run.go:74", "\"command failed\" err=\"" + err.replace("\"", "\\\"") + "\"");
        return new KubeProxyExit(err);
    }

    @Override
    public String toString() {
        return "SimulatedKubeProxy[" + kubeletNodeName + ", " + version.gitVersion() + ", " + state() + "]";
    }
}
