package io.kubejoin.sandbox.kubelet;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kubejoin.util.SecureFiles;
import io.kubejoin.version.ConfigTypes;
import io.kubejoin.version.KubeVersion;
import io.kubejoin.version.VersionRule.Component;
import io.kubejoin.version.VersionRule.Kind;
import io.kubejoin.version.VersionRules;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import io.kubejoin.sandbox.api.CsrSigningController;
import io.kubejoin.sandbox.api.UserInfo;
import io.kubejoin.sandbox.node.Journal;
import io.kubejoin.sandbox.node.NodeRoot;
import io.kubejoin.sandbox.node.SimulatorRuntime;

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
 *   <li>with that client certificate: registers the Node (labels, taints, addresses, nodeInfo), posts
 *       Ready=True through {@code /status}, and with serverTLSBootstrap files its serving CSR (signer
 *       kubernetes.io/kubelet-serving, its SANs taken from its Node status addresses as kubelet takes them:
 *       name and address, plus {@link Options#extraStatusAddress()} when a test makes it report one).</li>
 * </ul>
 * Once Ready it waits in the background for the serving certificate and writes {@code kubelet-server-current.pem}.
 * Not simulated: pods, the node Lease and status heartbeats after Ready, certificate rotation, retries with backoff (a refusal ends in {@link State#FAILED} where the real
 * kubelet would crash-loop under systemd), the kubelet's own HTTPS server. Runs as callbacks on a shared
 * {@link SimulatorRuntime}; every line it would print goes to its {@link Journal} (never a token or key).
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

    /** Flags issue 2 names as removed, with the first release without them: checked independently of VersionRules. */
    static final Map<String, Integer> REMOVED_FLAGS = Map.of(
            "image-pull-progress-deadline", 24, "network-plugin", 24, "logtostderr", 26,
            "container-runtime", 27, "pod-infra-container-image", 35);
    static final String UNIT = "/etc/systemd/system/kubelet.service";
    private static final String DEFAULT_CERT_DIR = "/var/lib/kubelet/pki";
    private static final String CSR_PATH = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
    private static final DateTimeFormatter PEM_STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss").withZone(ZoneOffset.UTC);
    private static final Pattern CERT_BLOCK = Pattern.compile("-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\\s*");

    private final SimulatorRuntime runtime;
    private final NodeRoot root;
    private final String hostname;
    private final KubeVersion version;
    private final Options options;
    private final Journal journal;
    private final Object lock = new Object();
    private State state = State.NEW;
    private String failure;
    private volatile boolean stopped;
    private volatile HttpClientRequest watch;
    private volatile String clientCsrName;
    private volatile String servingCsrName;
    /** The periodic static-pod folder check (a Vert.x timer), or -1. */
    private volatile long staticPodTimer = -1;

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
    }

    /** Starts it (returns at once); {@link #awaitSettled} or {@link #state} tell how it went. A second start is refused. */
    public void start() {
        synchronized (lock) {
            if (state != State.NEW) throw new IllegalStateException("already started: " + state);
            state = State.RUNNING;
        }
        runtime.vertx().<Startup>executeBlocking(this::load, false)
                .compose(s -> {
                    markLoaded();
                    watchStaticPodPath();
                    return clientCredential(s).compose(c -> {
                        // server.go's run(): the healthz server (:10248) starts once RunKubelet has returned, i.e.
                        // past the start-up checks and the client certificate; a kubelet that dies before never answers
                        healthzServing = true;
                        return registerAndReady(s, c);
                    });
                })
                .onSuccess(v -> settle(State.READY, null))
                .onFailure(e -> {
                    if (e instanceof KubeletExit exit) settle(State.FAILED, exit.getMessage());
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

    /** Set once it would have started its healthz server (see start). */
    private volatile boolean healthzServing;

    /**
     * Whether {@code curl http://127.0.0.1:10248/healthz} answers ok: the process runs and got past its start-up
     * checks and its client certificate. A kubelet that exits at start never opened the port, even in the moment
     * systemd shows it active.
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
    private String gitVersion() {
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

    private KubeletExit commandFailed(String err) {
        journal.error("run.go:74", "\"command failed\" err=\"" + quote(err) + "\"");
        return new KubeletExit(err);
    }

    private static String quote(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    // ---------------------------------------------------------------- start-up: unit, flags, config

    /** Everything kubelet has read before it talks to the API server. */
    private record Startup(Map<String, String> flags, String nodeName, String address, String kubeconfigPath,
                           String bootstrapKubeconfigPath, String certDir, boolean serverTLSBootstrap,
                           boolean rotateCertificates, String runtimeEndpoint, Map<String, String> labels,
                           List<Taint> taints, String nodeIp) {
    }

    private Startup load() throws IOException {
        if (options.failAtStart()) {
            throw commandFailed("failed to run Kubelet: simulated failure at start (sandbox misbehaviour switch)");
        }
        String unit = root.readOrNull(UNIT);
        if (unit == null) {
            journal.error("systemd", "Failed to start kubelet.service: Unit kubelet.service not found.");
            throw new KubeletExit("Unit kubelet.service not found");
        }
        NodeRoot.ExecStart exec;
        try {
            exec = NodeRoot.execStart(unit);
        } catch (IllegalArgumentException e) {
            journal.error("systemd", "kubelet.service: " + e.getMessage());
            throw new KubeletExit("kubelet.service: " + e.getMessage());
        }
        for (String flag : exec.order()) {
            // pflag knows no such flag: removed in this release, not yet added, or never kubelet's
            if (removed(flag) || !VersionRules.find(Component.KUBELET, Kind.FLAG, flag).map(r -> r.availableIn(version)).orElse(false)) {
                throw commandFailed("failed to parse kubelet flag: unknown flag: --" + flag);
            }
        }
        Map<String, String> flags = exec.flags();
        journal.info("server.go:484", "\"Kubelet version\" kubeletVersion=\"" + gitVersion() + "\"");
        String nodeName = flags.getOrDefault("hostname-override", hostname);

        String configPath = flags.get("config");
        Map<String, Object> config = Map.of();
        if (configPath != null) config = readConfig(configPath);

        String address = string(config.get("address"), "0.0.0.0");
        if (isLoopback(address) && !options.allowLoopbackAddress()) {
            journal.error("server.go:318", "\"Kubelet address is a loopback address: the control plane cannot reach this kubelet\" address=\"" + address + "\"");
            throw new KubeletExit("address " + address + " is a loopback address");
        }
        String clientCa = nested(config, "authentication", "x509", "clientCAFile");
        if (clientCa != null && !clientCa.isEmpty() && !Files.isRegularFile(root.local(clientCa))) {
            throw commandFailed("failed to construct kubelet dependencies: unable to load client CA file " + clientCa
                    + ": open " + clientCa + ": no such file or directory");
        }
        String endpoint = runtimeEndpoint(flags, config, unit);
        staticPodPath = flags.getOrDefault("pod-manifest-path", string(config.get("staticPodPath"), null));
        // kubelet starts without its resolvConf (dns.go: a Warning event and a V(4) line), but every pod that is not
        // on the host network then fails to get its sandbox: kept here, as pods are not simulated
        String resolvConf = flags.getOrDefault("resolv-conf", string(config.get("resolvConf"), "/etc/resolv.conf"));
        podDnsError = !resolvConf.isEmpty() && !Files.exists(root.local(resolvConf))
                ? "open " + resolvConf + ": no such file or directory" : null;
        try {
            fileCheckFrequency = io.kubejoin.util.GoDuration.parse(string(config.get("fileCheckFrequency"), "20s"));
        } catch (IllegalArgumentException e) {
            fileCheckFrequency = java.time.Duration.ofSeconds(20);
        }

        Map<String, String> labels = new LinkedHashMap<>();
        String nodeLabels = flags.get("node-labels");
        if (nodeLabels != null && !nodeLabels.isEmpty()) {
            for (String kv : nodeLabels.split(",")) {
                int eq = kv.indexOf('=');
                labels.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
            }
        }
        List<Taint> taints = taints(flags.get("register-with-taints"), config.get("registerWithTaints"));
        return new Startup(flags, nodeName, address, flags.get("kubeconfig"), flags.get("bootstrap-kubeconfig"),
                flags.getOrDefault("cert-dir", DEFAULT_CERT_DIR), bool(config.get("serverTLSBootstrap")),
                bool(config.get("rotateCertificates")), endpoint, labels, taints, nodeIp(flags, nodeName, address));
    }

    /**
     * The address kubelet registers as InternalIP and puts in its serving CSR (nodestatus.NodeAddress): --node-ip;
     * else --hostname-override when it is an IP; else what the node name resolves to (/etc/hosts here, as Go's
     * resolver reads it first; loopback answers such as Debian's "127.0.1.1 host" are skipped, as validateNodeIP
     * refuses them); else the address of the default route's interface, which on a sandbox machine is its one
     * address (the config's {@code address}). The config's {@code address} is only where kubelet listens: a
     * multi-homed host without --node-ip registers whatever its name resolves to.
     */
    private String nodeIp(Map<String, String> flags, String nodeName, String address) throws IOException {
        String ip = flags.get("node-ip");
        if (ip != null && !ip.isEmpty()) return ip;
        String override = flags.get("hostname-override");
        if (override != null && (override.matches("[0-9.]+") || override.contains(":"))) return override;
        String hosts = root.readOrNull("/etc/hosts");
        if (hosts != null) {
            for (String line : hosts.lines().toList()) {
                String[] f = line.replaceFirst("#.*", "").trim().split("\\s+");
                if (f.length < 2 || (isLoopback(f[0]) && !f[0].equals(address))) continue;
                for (int i = 1; i < f.length; i++) {
                    if (f[i].equals(nodeName)) return f[0];
                }
            }
        }
        return address;
    }

    private boolean removed(String flag) {
        Integer hard = REMOVED_FLAGS.get(flag);
        if (hard != null && version.atLeast(hard)) return true;
        return VersionRules.find(Component.KUBELET, Kind.FLAG, flag).map(r -> r.removedIn(version)).orElse(false);
    }

    private Map<String, Object> readConfig(String configPath) throws IOException {
        String text = root.readOrNull(configPath);
        String loadFailed = "failed to load kubelet config file, path: " + configPath + ", error: failed to load Kubelet config file "
                + configPath + ", error ";
        if (text == null) throw commandFailed(loadFailed + "failed to read kubelet config file \"" + configPath
                + "\", error: open " + configPath + ": no such file or directory");
        Map<String, Object> config;
        try {
            config = NodeRoot.yamlMap(text);
        } catch (RuntimeException e) {
            throw commandFailed(loadFailed + "failed to decode: " + e.getMessage().lines().findFirst().orElse("invalid YAML"));
        }
        if (!"KubeletConfiguration".equals(config.get("kind")) || !"kubelet.config.k8s.io/v1beta1".equals(config.get("apiVersion"))) {
            throw commandFailed(loadFailed + "failed to decode: no kind \"" + config.get("kind") + "\" is registered for version \""
                    + config.get("apiVersion") + "\"");
        }
        List<String> unknown = new ArrayList<>();
        for (String key : config.keySet()) {
            if (key.equals("kind") || key.equals("apiVersion")) continue;
            if (!VersionRules.fieldAvailable(Component.KUBELET, key, version)) unknown.add(key);
        }
        // a value of the wrong type fails strict and lenient decoding alike: kubelet exits; an unknown nested
        // field is, like a top-level one, only a strict decoding error
        Map<String, Object> typed = new LinkedHashMap<>(config);
        typed.remove("kind");
        typed.remove("apiVersion");
        for (ConfigTypes.Mismatch m : ConfigTypes.check(Component.KUBELET, typed, version)) {
            if (m.problem() == ConfigTypes.Problem.WRONG_TYPE) {
                throw commandFailed(loadFailed + "failed to decode: json: cannot unmarshal " + goKind(m.path(), config)
                        + " into Go struct field KubeletConfiguration." + m.path() + " of type " + m.expected());
            }
            unknown.add(m.path());
        }
        if (!unknown.isEmpty()) {
            String strictErr = "strict decoding error: " + String.join(", ", unknown.stream().map(f -> "unknown field \"" + f + "\"").toList());
            if (options.strictConfigFields()) throw commandFailed(loadFailed + "failed to decode: " + strictErr);
            journal.warning("codec.go:96", "using lenient decoding as strict decoding failed: " + strictErr);
            Map<String, Object> known = new LinkedHashMap<>(config);
            unknown.forEach(known::remove);
            config = known;
        }
        return config;
    }

    /** The CRI endpoint kubelet would dial, checked for plausibility (nothing is dialled). */
    /** The JSON kind of the value at a dotted path, as encoding/json names it in an unmarshal error. */
    private static String goKind(String path, Map<String, Object> config) {
        Object value = config;
        for (String part : path.replaceAll("\\[\\d+]", "").split("\\.")) {
            if (!(value instanceof Map<?, ?> m) || !m.containsKey(part)) break;
            value = m.get(part);
        }
        if (value instanceof String) return "string";
        if (value instanceof Boolean) return "bool";
        if (value instanceof Number) return "number";
        if (value instanceof List) return "array";
        return "object";
    }

    private String runtimeEndpoint(Map<String, String> flags, Map<String, Object> config, String unit) {
        if (!version.atLeast(24)) {
            String kind = flags.getOrDefault("container-runtime", "docker");
            if ("docker".equals(kind)) {
                if (!unit.contains("docker.service")) {
                    journal.warning("docker_service.go:250", "dockershim: kubelet.service does not order itself after docker.service");
                }
                String docker = flags.getOrDefault("docker-endpoint", "unix:///var/run/docker.sock");
                if (options.runtimeDown()) {
                    throw commandFailed("failed to run Kubelet: failed to create kubelet: failed to get docker version: "
                            + "Cannot connect to the Docker daemon at " + docker + ". Is the docker daemon running?");
                }
                return docker;
            }
            if (!"remote".equals(kind)) throw commandFailed("failed to run Kubelet: unsupported CRI runtime: \"" + kind + "\"");
        } else if (flags.containsKey("container-runtime") && !"remote".equals(flags.get("container-runtime"))) {
            // 1.24-1.26 still parse the flag (removed in 1.27, REMOVED_FLAGS), and only remote is left
            throw commandFailed("failed to run Kubelet: unsupported CRI runtime: \"" + flags.get("container-runtime") + "\"");
        }
        String endpoint = string(config.get(VersionRules.CONTAINER_RUNTIME_ENDPOINT_FIELD), null);
        if (endpoint == null || endpoint.isEmpty()) endpoint = flags.get("container-runtime-endpoint");
        if ((endpoint == null || endpoint.isEmpty()) && !version.atLeast(27)) endpoint = "unix:///run/containerd/containerd.sock";
        if (endpoint == null || endpoint.isEmpty()) {
            throw commandFailed("failed to run Kubelet: the container runtime endpoint address was not specified or empty, "
                    + "use --container-runtime-endpoint to set");
        }
        if (!(endpoint.startsWith("unix:///") && endpoint.endsWith(".sock"))) {
            throw commandFailed("failed to run Kubelet: validate service connection: validate CRI v1 runtime API for endpoint \""
                    + endpoint + "\": rpc error: code = Unavailable desc = connection error");
        }
        if (options.runtimeDown()) throw commandFailed(criUnavailable(endpoint));
        return endpoint;
    }

    /**
     * kubelet's first CRI call on a missing socket, as its release words it: 1.26+ "validate service connection"
     * (remote_runtime.go), before that "unable to determine runtime API version" with grpc's older "Error while
     * dialing dial unix" (no colon).
     */
    private String criUnavailable(String endpoint) {
        String socket = endpoint.substring("unix://".length());
        if (version.atLeast(26)) {
            return "failed to run Kubelet: validate service connection: validate CRI v1 runtime API for endpoint \"" + endpoint
                    + "\": rpc error: code = Unavailable desc = connection error: desc = \"transport: Error while dialing: dial unix "
                    + socket + ": connect: no such file or directory\"";
        }
        return "failed to run Kubelet: unable to determine runtime API version: rpc error: code = Unavailable desc = connection "
                + "error: desc = \"transport: Error while dialing dial unix " + socket + ": connect: no such file or directory\"";
    }

    @SuppressWarnings("unchecked")
    private static List<Taint> taints(String flag, Object field) {
        List<Taint> out = new ArrayList<>();
        if (flag != null && !flag.isEmpty()) {
            for (String t : flag.split(",")) {
                int colon = t.lastIndexOf(':');
                String kv = colon < 0 ? t : t.substring(0, colon);
                String effect = colon < 0 ? "" : t.substring(colon + 1);
                int eq = kv.indexOf('=');
                out.add(new TaintBuilder().withKey(eq < 0 ? kv : kv.substring(0, eq)).withValue(eq < 0 ? null : kv.substring(eq + 1))
                        .withEffect(effect).build());
            }
        }
        if (field instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m) {
                    out.add(new TaintBuilder().withKey(String.valueOf(m.get("key")))
                            .withValue(m.get("value") == null ? null : String.valueOf(m.get("value")))
                            .withEffect(String.valueOf(m.get("effect"))).build());
                }
            }
        }
        return out;
    }

    private static String string(Object o, String dflt) {
        return o == null ? dflt : String.valueOf(o);
    }

    private static boolean bool(Object o) {
        return o instanceof Boolean b ? b : "true".equals(String.valueOf(o));
    }

    @SuppressWarnings("unchecked")
    private static String nested(Map<String, Object> m, String... keys) {
        Object cur = m;
        for (String k : keys) {
            if (!(cur instanceof Map<?, ?> map)) return null;
            cur = ((Map<String, Object>) map).get(k);
        }
        return cur == null ? null : String.valueOf(cur);
    }

    private volatile String staticPodPath;
    private volatile String podDnsError;

    /**
     * Why every pod (not on the host network) would fail to start on this kubelet, as its DNS configurer says
     * ("open /run/systemd/resolve/resolv.conf: no such file or directory"), or null.
     */
    public String podDnsError() {
        return podDnsError;
    }
    private volatile java.time.Duration fileCheckFrequency = java.time.Duration.ofSeconds(20);

    /**
     * kubelet's file source (pkg/kubelet/config/file.go): the static pod folder is listed at start and every
     * fileCheckFrequency; a folder that does not exist is not fatal, but each listing logs an error, for as long as
     * kubelet runs.
     */
    private void watchStaticPodPath() {
        String path = staticPodPath;
        if (path == null || path.isEmpty()) return;
        Runnable check = () -> {
            if (stopped || Files.exists(root.local(path))) return;
            if (version.atLeast(21)) { // structured logging
                journal.error("file.go:95", "\"Unable to read config path\" err=\"path does not exist, ignoring\" path=\"" + path + "\"");
            } else {
                journal.error("file.go:95", "Unable to read config path \"" + path + "\": path does not exist, ignoring");
            }
        };
        check.run();
        staticPodTimer = runtime.vertx().setPeriodic(Math.max(10, fileCheckFrequency.toMillis()), id -> check.run());
    }

    static boolean isLoopback(String address) {
        return address.startsWith("127.") || address.equals("::1") || address.equalsIgnoreCase("localhost");
    }

    // ---------------------------------------------------------------- the API server connection

    /** Where and how to reach the API server: host, port, TLS options (CA, and the client certificate once there is one). */
    private record Connection(String host, int port, boolean ssl, ClientSSLOptions tls, String bearer) {
        @Override
        public String toString() {
            return "Connection[" + host + ":" + port + "]"; // never the token
        }
    }

    private record Answer(int code, String body) {
    }

    private Connection connection(String server, String caPem, String bearer, String certPem, PrivateKey key) {
        URI uri = URI.create(server);
        String host = uri.getHost();
        if (host == null || !(host.startsWith("127.") || host.equals("localhost"))) {
            // the sandbox's rule: simulated nodes only ever talk to 127.0.0.0/8
            throw commandFailed("simulated kubelet refuses to contact " + server + ": only 127.0.0.0/8 is allowed");
        }
        boolean ssl = "https".equals(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : (ssl ? 443 : 80);
        ClientSSLOptions tls = null;
        if (ssl) {
            tls = new ClientSSLOptions().setHostnameVerificationAlgorithm("HTTPS");
            if (caPem != null) tls.setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(caPem)));
            // a key manager per credential, also when it holds no certificate (the bootstrap token's): the TLS
            // client context, and so the sessions it may resume, is per key manager (PerCredentialSslEngineOptions)
            tls.setKeyCertOptions(KeyCertOptions.wrap(certPem != null ? new ClientKeyManager(key, chain(certPem)) : new NoClientCertificate()));
        }
        return new Connection(host, port, ssl, tls, bearer);
    }

    private Future<Answer> call(Connection c, HttpMethod method, String path, String body) {
        RequestOptions o = new RequestOptions().setMethod(method).setHost(c.host()).setPort(c.port()).setSsl(c.ssl())
                .setURI(path).setTimeout(10_000).putHeader("Accept", "application/json")
                .putHeader("User-Agent", "kubelet/" + gitVersion() + " (linux/amd64) kubernetes/sandbox");
        if (c.tls() != null) o.setSslOptions(c.tls());
        if (c.bearer() != null) o.putHeader("Authorization", "Bearer " + c.bearer());
        if (body != null) o.putHeader("Content-Type", "application/json");
        return nextTick().compose(v -> runtime.http().request(o))
                .compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body)))
                .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), b.toString(StandardCharsets.UTF_8))));
    }

    /**
     * Completes after the current task. A request sent from the previous answer's handler then finds the connection
     * that answer came on back in the pool and reuses it (as client-go's keep-alive does), instead of opening a
     * second connection with a TLS handshake of its own.
     */
    private Future<Void> nextTick() {
        Promise<Void> tick = Promise.promise();
        runtime.vertx().runOnContext(v -> tick.complete());
        return tick.future();
    }

    /** The reason a failed call gives, as client-go's error text: "Unauthorized" for 401, else the Status message. */
    private static String reason(Answer a) {
        if (a.code() == 401) return "Unauthorized";
        try {
            Object m = Serialization.unmarshal(a.body(), Map.class).get("message");
            if (m != null) return String.valueOf(m);
        } catch (RuntimeException e) {
            // not a Status
        }
        return "the server responded with the status code " + a.code();
    }

    // ---------------------------------------------------------------- client certificate: reuse or TLS bootstrap

    private Future<Connection> clientCredential(Startup s) {
        return runtime.vertx().<Connection>executeBlocking(() -> existingKubeconfig(s), false).compose(existing -> {
            if (existing != null) return Future.succeededFuture(existing);
            return bootstrap(s);
        });
    }

    /** kubelet's LoadClientConfig: a kubeconfig whose client certificate has not expired is used as it is. */
    private Connection existingKubeconfig(Startup s) throws IOException {
        if (s.kubeconfigPath() == null) return null;
        String text = root.readOrNull(s.kubeconfigPath());
        if (text == null) return null;
        NodeRoot.Kubeconfig kc;
        try {
            kc = root.kubeconfig(text);
        } catch (IOException | RuntimeException e) {
            journal.info("bootstrap.go:85", "\"Unable to read existing bootstrap client config from " + s.kubeconfigPath() + ": " + quote(String.valueOf(e.getMessage())) + "\"");
            return null;
        }
        if (kc.clientCertPem() == null || kc.clientKeyPem() == null) return null;
        X509Certificate cert = firstCertificate(kc.clientCertPem());
        Instant now = runtime.clock().instant();
        if (cert == null || now.isAfter(cert.getNotAfter().toInstant())) {
            journal.info("bootstrap.go:95", "\"Part of the existing bootstrap client certificate in " + s.kubeconfigPath() + " is expired\"");
            return null;
        }
        journal.info("bootstrap.go:101", "\"Kubeconfig exists and is valid, skipping bootstrap\" path=\"" + s.kubeconfigPath() + "\"");
        return connection(kc.server(), kc.caPem(), null, certificates(kc.clientCertPem()), parseKey(kc.clientKeyPem()));
    }

    private Future<Connection> bootstrap(Startup s) {
        if (s.bootstrapKubeconfigPath() == null) {
            return Future.failedFuture(commandFailed("failed to run Kubelet: no client certificate and no --bootstrap-kubeconfig"));
        }
        return runtime.vertx().executeBlocking(() -> {
            String text = root.readOrNull(s.bootstrapKubeconfigPath());
            if (text == null) {
                throw commandFailed("failed to run Kubelet: unable to load bootstrap kubeconfig: stat " + s.bootstrapKubeconfigPath()
                        + ": no such file or directory");
            }
            NodeRoot.Kubeconfig kc = root.kubeconfig(text);
            if (s.rotateCertificates()) {
                // kubelet's LoadClientConfig with rotateCertificates: kubelet.kubeconfig is written at start, naming
                // kubelet-client-current.pem before that file exists; the certificate manager then bootstraps in the
                // background. So the kubeconfig proves nothing about a certificate.
                writeKubeconfig(s, kc);
            }
            journal.info("bootstrap.go:109", "\"Using bootstrap kubeconfig to generate TLS client cert, key and kubeconfig file\"");
            String csrNode = options.forgeCsrForNode() != null ? options.forgeCsrForNode() : s.nodeName();
            KeyPair keys = ecKey();
            String csrPem = csrPem(keys, csrNode, List.of());
            return new BootstrapStep(kc, connection(kc.server(), kc.caPem(), kc.token(), null, null), keys, csrPem);
        }, false).compose(step -> {
            List<String> usages = new ArrayList<>(List.of("digital signature"));
            if (!version.atLeast(27)) usages.add("key encipherment");
            usages.add("client auth");
            CertificateSigningRequest csr = new CertificateSigningRequestBuilder()
                    .withNewMetadata().withGenerateName("csr-").endMetadata()
                    .withNewSpec().withRequest(base64(step.csrPem())).withSignerName(CsrSigningController.KUBELET_CLIENT)
                    .withUsages(usages).endSpec().build();
            return call(step.connection(), HttpMethod.POST, CSR_PATH, Serialization.asJson(csr)).compose(a -> {
                if (a.code() != 201) {
                    String err = "cannot create certificate signing request: " + reason(a);
                    journal.error("certificate_manager.go:385", "Failed while requesting a signed certificate from the master: " + err);
                    return Future.failedFuture(new KubeletExit(err));
                }
                String name = Serialization.unmarshal(a.body(), CertificateSigningRequest.class).getMetadata().getName();
                clientCsrName = name;
                journal.info("csr.go:254", "certificate signing request " + name + " is pending");
                return waitForCertificate(step.connection(), name);
            }).compose(certPem -> runtime.vertx().executeBlocking(() -> writeClientFiles(s, step, certPem), false));
        });
    }

    private record BootstrapStep(NodeRoot.Kubeconfig kubeconfig, Connection connection, KeyPair keys, String csrPem) {
        @Override
        public String toString() {
            return "BootstrapStep[redacted]";
        }
    }

    /** client-go's csr.WaitForCertificate: a watch on the one CSR until it carries a certificate, is denied or failed. */
    private Future<String> waitForCertificate(Connection c, String name) {
        Promise<String> done = Promise.promise();
        // after the current task, so that the connection the CSR was created on is back in the pool for the watch
        nextTick().onComplete(v -> watchCsr(c, name, done, new boolean[1]));
        return done.future();
    }

    private void watchCsr(Connection c, String name, Promise<String> done, boolean[] loggedApproved) {
        if (stopped) {
            done.tryFail(new KubeletExit("stopped while waiting for certificate signing request " + name));
            return;
        }
        // client-go's watch: a plain GET streamed line by line, on the connection the CSR was created on (no second
        // connection, no second TLS handshake); the server starts it with the CSR as it is now (an ADDED event), so
        // a certificate issued before the watch began is seen too
        RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setHost(c.host()).setPort(c.port()).setSsl(c.ssl())
                .setURI(CSR_PATH + "?fieldSelector=metadata.name%3D" + name + "&watch=true").setConnectTimeout(10_000)
                .putHeader("Accept", "application/json")
                .putHeader("User-Agent", "kubelet/" + gitVersion() + " (linux/amd64) kubernetes/sandbox");
        if (c.tls() != null) o.setSslOptions(c.tls());
        if (c.bearer() != null) o.putHeader("Authorization", "Bearer " + c.bearer());
        runtime.http().request(o).compose(req -> {
            watch = req;
            done.future().onComplete(r -> req.reset()); // client-go stops reading once it has the certificate
            return req.send();
        }).onSuccess(resp -> {
            if (resp.statusCode() != 200) {
                resp.body().onComplete(b -> {
                    journal.warning("reflector.go:561", "failed to watch *v1.CertificateSigningRequest: "
                            + reason(new Answer(resp.statusCode(), b.succeeded() ? b.result().toString(StandardCharsets.UTF_8) : "")));
                    if (!done.future().isComplete()) runtime.vertx().setTimer(1000, t -> watchCsr(c, name, done, loggedApproved));
                });
                return;
            }
            RecordParser lines = RecordParser.newDelimited("\n", line -> {
                if (line.length() > 0) onWatchEvent(line.toString(StandardCharsets.UTF_8), name, done, loggedApproved);
            });
            lines.maxRecordSize(4 * 1024 * 1024);
            resp.handler(lines);
            resp.endHandler(v -> {
                // the server ended the watch: watch again, as the reflector does
                if (!done.future().isComplete()) runtime.vertx().setTimer(500, t -> watchCsr(c, name, done, loggedApproved));
            });
            resp.exceptionHandler(e -> {
                if (!done.future().isComplete()) runtime.vertx().setTimer(500, t -> watchCsr(c, name, done, loggedApproved));
            });
        }).onFailure(e -> {
            if (done.future().isComplete()) return; // the reset after the certificate
            journal.warning("reflector.go:561", "failed to watch *v1.CertificateSigningRequest: " + e.getMessage());
            runtime.vertx().setTimer(1000, t -> watchCsr(c, name, done, loggedApproved));
        });
    }

    private void onWatchEvent(String text, String name, Promise<String> done, boolean[] loggedApproved) {
        try {
            Map<?, ?> event = Serialization.unmarshal(text, Map.class);
            Object object = event.get("object");
            if (object == null) return;
            CertificateSigningRequest csr = Serialization.unmarshal(Serialization.asJson(object), CertificateSigningRequest.class);
            if (csr.getMetadata() == null || !name.equals(csr.getMetadata().getName())) return; // field selectors are not honoured
            if ("DELETED".equals(event.get("type"))) {
                journal.error("csr.go:281", "certificate signing request " + name + " was deleted");
                done.tryFail(new KubeletExit("certificate signing request " + name + " was deleted"));
                return;
            }
            examine(csr, done, loggedApproved);
        } catch (RuntimeException e) {
            journal.warning("watch.go:98", "unable to decode an event from the watch stream: " + e.getClass().getSimpleName());
        }
    }

    private void examine(CertificateSigningRequest csr, Promise<String> done, boolean[] loggedApproved) {
        // the watch and the initial GET race: a stale copy arriving after the certificate must not be logged as if
        // the request were still waiting (client-go stops reading once it has the certificate)
        if (done.future().isComplete()) return;
        String name = csr.getMetadata().getName();
        List<CertificateSigningRequestCondition> conditions = csr.getStatus() == null || csr.getStatus().getConditions() == null
                ? List.of() : csr.getStatus().getConditions();
        for (CertificateSigningRequestCondition c : conditions) {
            if (!"True".equals(c.getStatus()) && c.getStatus() != null) continue;
            if ("Denied".equals(c.getType()) || "Failed".equals(c.getType())) {
                String verb = "Denied".equals(c.getType()) ? "denied" : "failed";
                String err = "certificate signing request " + name + " is " + verb + ", reason: " + c.getReason() + ", message: " + c.getMessage();
                journal.error("certificate_manager.go:385", "Failed while requesting a signed certificate from the master: " + err);
                done.tryFail(new KubeletExit(err));
                return;
            }
        }
        String cert = csr.getStatus() == null ? null : csr.getStatus().getCertificate();
        if (cert != null && !cert.isEmpty()) {
            if (done.tryComplete(new String(Base64.getDecoder().decode(cert), StandardCharsets.US_ASCII))) {
                journal.info("csr.go:257", "certificate signing request " + name + " is issued");
            }
            return;
        }
        if (conditions.stream().anyMatch(c -> "Approved".equals(c.getType())) && !loggedApproved[0]) {
            loggedApproved[0] = true;
            journal.info("csr.go:261", "certificate signing request " + name + " is approved, waiting to be issued");
        }
    }

    /** kubelet's certificate store and writeKubeconfigFromBootstrapping. */
    private Connection writeClientFiles(Startup s, BootstrapStep step, String certPem) throws IOException {
        String keyPem = sec1Pem(step.keys());
        String certDir = s.certDir().endsWith("/") ? s.certDir().substring(0, s.certDir().length() - 1) : s.certDir();
        String pemName = "kubelet-client-" + PEM_STAMP.format(runtime.clock().instant()) + ".pem";
        Path dir = root.local(certDir);
        Files.createDirectories(dir);
        SecureFiles.writeAtomically(dir.resolve(pemName), (certificates(certPem) + keyPem).getBytes(StandardCharsets.US_ASCII), 0600);
        Path current = dir.resolve("kubelet-client-current.pem");
        Files.deleteIfExists(current);
        Files.createSymbolicLink(current, Path.of(pemName));
        // without rotation, LoadClientCert writes the kubeconfig only now, once the certificate is there
        if (!s.rotateCertificates()) writeKubeconfig(s, step.kubeconfig());
        journal.info("certificate_store.go:130", "Loading cert/key pair from \"" + root.root().relativize(dir.resolve(pemName)) + "\".");
        return connection(step.kubeconfig().server(), step.kubeconfig().caPem(), null, certificates(certPem), step.keys().getPrivate());
    }

    /** kubelet's writeKubeconfigFromBootstrapping: the bootstrap kubeconfig's cluster, kubelet-client-current.pem as user. */
    private void writeKubeconfig(Startup s, NodeRoot.Kubeconfig bootstrap) throws IOException {
        if (s.kubeconfigPath() == null) return;
        String certDir = s.certDir().endsWith("/") ? s.certDir().substring(0, s.certDir().length() - 1) : s.certDir();
        String currentNodePath = certDir + "/kubelet-client-current.pem";
        String kubeconfig = "apiVersion: v1\n"
                + "clusters:\n- cluster:\n"
                + "    certificate-authority-data: " + base64(bootstrap.caPem() == null ? "" : bootstrap.caPem()) + "\n"
                + "    server: " + bootstrap.server() + "\n"
                + "  name: default-cluster\n"
                + "contexts:\n- context:\n    cluster: default-cluster\n    namespace: default\n    user: default-auth\n"
                + "  name: default-context\n"
                + "current-context: default-context\n"
                + "kind: Config\n"
                + "preferences: {}\n"
                + "users:\n- name: default-auth\n  user:\n"
                + "    client-certificate: " + currentNodePath + "\n"
                + "    client-key: " + currentNodePath + "\n";
        Path kc = root.local(s.kubeconfigPath());
        Files.createDirectories(kc.getParent());
        SecureFiles.writeAtomically(kc, kubeconfig.getBytes(StandardCharsets.UTF_8), 0600);
    }

    // ---------------------------------------------------------------- as the node: register, Ready, serving CSR

    /** Registers the Node, posts Ready, files the serving CSR: kubelet_node_status.go and the serving certificate manager. */
    private Future<Void> registerAndReady(Startup s, Connection c) {
        if (stopped) return Future.failedFuture(new KubeletExit("stopped"));
        String name = s.nodeName();
        journal.info("kubelet_node_status.go:72", "\"Attempting to register node\" node=\"" + name + "\"");
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("beta.kubernetes.io/arch", "amd64");
        labels.put("beta.kubernetes.io/os", "linux");
        labels.put("kubernetes.io/arch", "amd64");
        labels.put("kubernetes.io/hostname", name);
        labels.put("kubernetes.io/os", "linux");
        labels.putAll(s.labels());
        Node node = new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
                .withNewSpec().withTaints(s.taints().isEmpty() ? null : s.taints()).endSpec()
                .withNewStatus().withAddresses(addresses(s)).withNewNodeInfo()
                .withKubeletVersion(gitVersion()).withKubeProxyVersion(gitVersion())
                .withOperatingSystem("linux").withArchitecture("amd64")
                .withContainerRuntimeVersion(s.runtimeEndpoint().contains("docker") ? "docker://19.3.5" : "containerd://1.7.24")
                .endNodeInfo().endStatus().build();
        return call(c, HttpMethod.POST, "/api/v1/nodes", Serialization.asJson(node)).compose(a -> {
            if (a.code() == 201) {
                preRegistrationLines(name);
                journal.info("kubelet_node_status.go:75", "\"Successfully registered node\" node=\"" + name + "\"");
                // the kubelet's node informer has not seen the new Node yet: a real kubelet logs this once more
                journal.error("kubelet.go:2410", "\"Error getting node\" err=\"node \\\"" + name + "\\\" not found\"");
            } else if (a.code() == 409) {
                journal.info("kubelet_node_status.go:111", "\"Node was previously registered\" node=\"" + name + "\"");
            } else {
                String err = reason(a);
                journal.error("kubelet_node_status.go:94", "\"Unable to register node with API server\" err=\"" + quote(err) + "\" node=\"" + name + "\"");
                return Future.failedFuture(new KubeletExit("Unable to register node with API server: " + err));
            }
            return call(c, HttpMethod.GET, "/api/v1/nodes/" + name, null);
        }).compose(a -> {
            if (a.code() != 200) return Future.failedFuture(statusError(name, a));
            Node current = Serialization.unmarshal(a.body(), Node.class);
            String now = runtime.clock().instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
            NodeCondition ready = new NodeConditionBuilder().withType("Ready").withStatus("True").withReason("KubeletReady")
                    .withMessage("kubelet is posting ready status").withLastHeartbeatTime(now).withLastTransitionTime(now).build();
            List<NodeCondition> conditions = new ArrayList<>();
            if (current.getStatus() != null && current.getStatus().getConditions() != null) {
                current.getStatus().getConditions().stream().filter(x -> !"Ready".equals(x.getType())).forEach(conditions::add);
            }
            conditions.add(ready);
            if (current.getStatus() == null) current.setStatus(new io.fabric8.kubernetes.api.model.NodeStatus());
            current.getStatus().setConditions(conditions);
            current.getStatus().setAddresses(addresses(s));
            // every status update carries the running binary's version (setNodeStatus), also after an upgrade
            if (current.getStatus().getNodeInfo() == null) current.getStatus().setNodeInfo(new io.fabric8.kubernetes.api.model.NodeSystemInfo());
            current.getStatus().getNodeInfo().setKubeletVersion(gitVersion());
            current.getStatus().getNodeInfo().setKubeProxyVersion(gitVersion());
            return call(c, HttpMethod.PUT, "/api/v1/nodes/" + name + "/status", Serialization.asJson(current));
        }).compose(a -> {
            if (a.code() != 200 && a.code() != 201) return Future.failedFuture(statusError(name, a));
            journal.info("kubelet_node_status.go:687", "\"Recording event message for node\" node=\"" + name + "\" event=\"NodeReady\"");
            return s.serverTLSBootstrap() ? servingCsr(s, c) : Future.succeededFuture();
        });
    }

    /**
     * What a real kubelet logs on a healthy first start while its Node does not exist yet (the node lease, CSINode,
     * the sync loop and the eviction manager all look it up): harmless, but "not found" lines a journal reader must
     * not take for a failure (reference log kubelet-1.24-join-then-reset.log, first start).
     */
    private void preRegistrationLines(String name) {
        String notFound = "node \\\"" + name + "\\\" not found";
        journal.error("nodelease.go:49", "\"Failed to get node when trying to set owner ref to the node lease\" err=\"nodes \\\""
                + name + "\\\" not found\" node=\"" + name + "\"");
        journal.info("nodeinfomanager.go:401", "Failed to publish CSINode: nodes \"" + name + "\" not found");
        journal.error("kubelet.go:2410", "\"Error getting node\" err=\"" + notFound + "\"");
        journal.error("eviction_manager.go:254", "\"Eviction manager: failed to get summary stats\" err=\"failed to get node info: "
                + notFound + "\"");
    }

    private KubeletExit statusError(String name, Answer a) {
        String err = reason(a);
        journal.error("kubelet_node_status.go:535", "\"Error updating node status, will retry\" err=\"error getting node \\\"" + name + "\\\": " + quote(err) + "\"");
        return new KubeletExit("Error updating node status: " + err);
    }

    private List<NodeAddress> addresses(Startup s) {
        List<NodeAddress> out = new ArrayList<>();
        String ip = s.nodeIp();
        if (!"0.0.0.0".equals(ip) && !"::".equals(ip)) out.add(new NodeAddress(ip, "InternalIP"));
        // NodeRestriction lets a kubelet write its own status: nothing stops it from adding any address
        if (options.extraStatusAddress() != null) out.add(new NodeAddress(options.extraStatusAddress(), "ExternalIP"));
        out.add(new NodeAddress(s.nodeName(), "Hostname"));
        return out;
    }

    /**
     * kubelet's addressesToHostnamesAndIPs: the serving request names what its Node status holds, Hostname and
     * InternalDNS/ExternalDNS as DNS names (an IP-looking Hostname as an IP), InternalIP/ExternalIP as IPs, each
     * once, DNS names sorted, IPs in byte order.
     */
    static List<GeneralName> servingSans(List<NodeAddress> addresses) {
        java.util.TreeSet<String> dns = new java.util.TreeSet<>();
        java.util.TreeMap<String, byte[]> ips = new java.util.TreeMap<>();
        for (NodeAddress a : addresses) {
            String v = a.getAddress();
            if (v == null || v.isEmpty()) continue;
            byte[] ip = ipBytes(v);
            switch (a.getType()) {
                case "Hostname" -> {
                    if (ip != null) ips.put(HexFormat.of().formatHex(ip16(ip)), ip);
                    else dns.add(v);
                }
                case "InternalIP", "ExternalIP" -> {
                    if (ip != null) ips.put(HexFormat.of().formatHex(ip16(ip)), ip);
                }
                case "InternalDNS", "ExternalDNS" -> dns.add(v);
                default -> {
                }
            }
        }
        List<GeneralName> sans = new ArrayList<>();
        dns.forEach(d -> sans.add(new GeneralName(GeneralName.dNSName, d)));
        ips.values().forEach(b -> sans.add(new GeneralName(GeneralName.iPAddress, new org.bouncycastle.asn1.DEROctetString(b))));
        return sans;
    }

    /** The address's bytes when it is an IP literal (never a DNS lookup), else null. */
    private static byte[] ipBytes(String v) {
        if (!v.matches("[0-9.]+") && !(v.contains(":") && v.matches("[0-9A-Fa-f:.]+"))) return null;
        try {
            return java.net.InetAddress.getByName(v).getAddress();
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    /** Go compares IPs in their 16-byte form (IPv4 as ::ffff:a.b.c.d). */
    private static byte[] ip16(byte[] ip) {
        if (ip.length == 16) return ip;
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(ip, 0, b, 12, 4);
        return b;
    }

    /**
     * The serving certificate manager with serverTLSBootstrap: files the CSR as the node, and (without holding up
     * Ready, as kubelet) waits for its certificate, then writes {@code kubelet-server-<time>.pem} and the
     * {@code kubelet-server-current.pem} symlink in the cert dir.
     */
    private Future<Void> servingCsr(Startup s, Connection c) {
        KeyPair[] keyHolder = new KeyPair[1];
        return runtime.vertx().executeBlocking(() -> {
            KeyPair keys = ecKey();
            keyHolder[0] = keys;
            return csrPem(keys, s.nodeName(), servingSans(addresses(s)));
        }, false).compose(pem -> {
            List<String> usages = new ArrayList<>(List.of("digital signature"));
            if (!version.atLeast(27)) usages.add("key encipherment");
            usages.add("server auth");
            CertificateSigningRequest csr = new CertificateSigningRequestBuilder()
                    .withNewMetadata().withGenerateName("csr-").endMetadata()
                    .withNewSpec().withRequest(base64(pem)).withSignerName(CsrSigningController.KUBELET_SERVING)
                    .withUsages(usages).endSpec().build();
            journal.info("certificate_manager.go:356", CsrSigningController.KUBELET_SERVING + ": Rotating certificates");
            return call(c, HttpMethod.POST, CSR_PATH, Serialization.asJson(csr));
        }).compose(a -> {
            if (a.code() != 201) {
                journal.error("certificate_manager.go:562", CsrSigningController.KUBELET_SERVING
                        + ": Failed while requesting a signed certificate from the control plane: cannot create certificate signing request: " + reason(a));
                return Future.succeededFuture(); // the node stays Ready; the real kubelet retries in the background
            }
            String name = Serialization.unmarshal(a.body(), CertificateSigningRequest.class).getMetadata().getName();
            servingCsrName = name;
            waitForCertificate(c, name)
                    .compose(certPem -> runtime.vertx().executeBlocking(() -> writeServingFiles(s, keyHolder[0], certPem), false))
                    .onFailure(e -> journal.error("certificate_manager.go:562", CsrSigningController.KUBELET_SERVING
                            + ": certificate request was not signed: " + e.getMessage()));
            return Future.succeededFuture();
        });
    }

    private Void writeServingFiles(Startup s, KeyPair keys, String certPem) throws IOException {
        String certDir = s.certDir().endsWith("/") ? s.certDir().substring(0, s.certDir().length() - 1) : s.certDir();
        String pemName = "kubelet-server-" + PEM_STAMP.format(runtime.clock().instant()) + ".pem";
        Path dir = root.local(certDir);
        journal.info("certificate_store.go:130", "Loading cert/key pair from \"" + root.root().relativize(dir.resolve(pemName)) + "\".");
        // a real kubelet serves :10250 from its start and takes the new certificate in memory the moment it writes
        // the file: so the listener is up before the file shows (never a file on disk with :10250 still refusing)
        try {
            serve(s.nodeIp(), chain(certPem), keys.getPrivate()).toCompletionStage().toCompletableFuture()
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // logged by serve(); the file is still written, as the real certificate manager does
        }
        Files.createDirectories(dir);
        SecureFiles.writeAtomically(dir.resolve(pemName), (certificates(certPem) + sec1Pem(keys)).getBytes(StandardCharsets.US_ASCII), 0600);
        Path current = dir.resolve("kubelet-server-current.pem");
        Files.deleteIfExists(current);
        Files.createSymbolicLink(current, Path.of(pemName));
        servingCertificateWritten = true;
        return null;
    }

    /** Port of kubelet's authenticated HTTPS API (KubeletConfiguration port, default 10250). */
    static final int KUBELET_PORT = 10250;
    private volatile io.vertx.core.http.HttpServer servingServer;

    /**
     * kubelet's HTTPS server on address:10250 with the serving certificate, so that a TLS handshake shows it as
     * on a real node (kubejoin status reads its expiry that way). Every request is answered 401, as kubelet does
     * for a client without credentials; no kubelet API is simulated. A sandbox node's address is its own loopback
     * address, so the nodes' listeners do not collide.
     */
    private Future<Void> serve(String address, X509Certificate[] chain, PrivateKey key) {
        // never a wildcard address: many simulated nodes share this machine
        if (address == null || stopped || address.equals("0.0.0.0") || address.equals("::")) return Future.succeededFuture();
        io.vertx.core.http.HttpServerOptions o = new io.vertx.core.http.HttpServerOptions().setHost(address)
                .setPort(KUBELET_PORT).setSsl(true)
                .setKeyCertOptions(KeyCertOptions.wrap(new ClientKeyManager(key, chain)));
        io.vertx.core.http.HttpServer server = runtime.vertx().createHttpServer(o).requestHandler(req ->
                req.response().setStatusCode(401).putHeader("Content-Type", "text/plain").end("Unauthorized"));
        return server.listen().onSuccess(v -> {
            servingServer = server;
            if (stopped) server.close();
            journal.info("server.go:163", "\"Starting to listen\" address=\"" + address + "\" port=" + KUBELET_PORT);
        }).onFailure(e -> journal.error("server.go:175", "\"Failed to listen and serve\" err=\"listen tcp " + address + ":"
                + KUBELET_PORT + ": bind: " + e.getMessage() + "\"")).mapEmpty();
    }

    /** Whether the serving certificate was issued and written (kubelet-server-current.pem). */
    public boolean servingCertificateWritten() {
        return servingCertificateWritten;
    }

    private volatile boolean servingCertificateWritten;

    // ---------------------------------------------------------------- keys, requests, PEM

    static KeyPair ecKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** k8s.io/client-go/util/certificate/csr: subject O=system:nodes, CN=system:node:NAME, SANs only for serving. */
    static String csrPem(KeyPair keys, String node, List<GeneralName> sans) throws IOException {
        try {
            JcaPKCS10CertificationRequestBuilder b = new JcaPKCS10CertificationRequestBuilder(new X500NameBuilder(BCStyle.INSTANCE)
                    .addRDN(BCStyle.O, UserInfo.NODES).addRDN(BCStyle.CN, UserInfo.NODE_PREFIX + node).build(), keys.getPublic());
            if (!sans.isEmpty()) {
                ExtensionsGenerator ext = new ExtensionsGenerator();
                ext.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
                b.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate());
            }
            PKCS10CertificationRequest req = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
            StringWriter w = new StringWriter();
            try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
                pw.writeObject(req);
            }
            return w.toString();
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** "EC PRIVATE KEY" (SEC 1 with curve and public key), as Go's x509.MarshalECPrivateKey writes kubelet's key. */
    private static String sec1Pem(KeyPair keys) throws IOException {
        org.bouncycastle.asn1.x509.SubjectPublicKeyInfo spki = org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded());
        java.math.BigInteger d = ((java.security.interfaces.ECPrivateKey) keys.getPrivate()).getS();
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, d,
                spki.getPublicKeyData(), spki.getAlgorithm().getParameters());
        return "-----BEGIN EC PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(sec1.getEncoded()) + "\n-----END EC PRIVATE KEY-----\n";
    }

    private static PrivateKey parseKey(String pem) throws IOException {
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                if (o instanceof PEMKeyPair kp) return conv.getPrivateKey(kp.getPrivateKeyInfo());
                if (o instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo pki) return conv.getPrivateKey(pki);
            }
        }
        throw new IOException("no private key in the client key file");
    }

    /** The certificates of a PEM bundle, leaf first. */
    private static X509Certificate[] chain(String pem) {
        try {
            return CertificateFactory.getInstance("X.509")
                    .generateCertificates(new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
                    .stream().map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
        } catch (java.security.cert.CertificateException e) {
            throw new IllegalStateException("unreadable client certificate: " + e.getMessage(), e);
        }
    }

    /**
     * kubelet's own certificate and key (client, or serving for its :10250), handed to TLS as they are. Vert.x's PEM options would first put them in
     * a password-protected PKCS#12 key store and read them back (two PBKDF2 derivations of 10,000 rounds per
     * certificate: a tenth of the sandbox's CPU in a join of a hundred nodes); the handshake is the same.
     */
    /** A credential without a client certificate: TLS sends an empty Certificate message, as with no key manager. */
    static final class NoClientCertificate extends javax.net.ssl.X509ExtendedKeyManager {
        @Override
        public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers, java.net.Socket socket) {
            return null;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, java.security.Principal[] issuers, javax.net.ssl.SSLEngine engine) {
            return null;
        }

        @Override
        public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, java.security.Principal[] issuers, java.net.Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return null;
        }
    }

    static final class ClientKeyManager extends javax.net.ssl.X509ExtendedKeyManager {
        private static final String ALIAS = "kubelet-client";
        private final PrivateKey key;
        private final X509Certificate[] chain;
        /** The key type TLS asks for ("EC", "RSA"), from the certificate: a key read by BouncyCastle says "ECDSA". */
        private final String keyType;

        ClientKeyManager(PrivateKey key, X509Certificate[] chain) {
            if (chain.length == 0) throw new IllegalArgumentException("no client certificate");
            this.chain = chain.clone();
            this.keyType = chain[0].getPublicKey().getAlgorithm();
            try {
                // re-read through the JDK's own key factory (as Vert.x's PEM options did): JSSE signs with it
                this.key = java.security.KeyFactory.getInstance(keyType)
                        .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(key.getEncoded()));
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException("unusable client key: " + e.getMessage(), e);
            }
        }

        private String alias(String[] keyTypes) {
            if (keyTypes == null) return null;
            for (String t : keyTypes) if (keyType.equals(t)) return ALIAS;
            return null;
        }

        @Override
        public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
            return this.keyType.equals(keyType) ? new String[] {ALIAS} : null;
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, java.security.Principal[] issuers, java.net.Socket socket) {
            return alias(keyTypes);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, java.security.Principal[] issuers, javax.net.ssl.SSLEngine engine) {
            return alias(keyTypes);
        }

        @Override
        public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
            return this.keyType.equals(keyType) ? new String[] {ALIAS} : null;
        }

        @Override
        public String chooseServerAlias(String keyType, java.security.Principal[] issuers, java.net.Socket socket) {
            return this.keyType.equals(keyType) ? ALIAS : null;
        }

        @Override
        public String chooseEngineServerAlias(String keyType, java.security.Principal[] issuers, javax.net.ssl.SSLEngine engine) {
            return this.keyType.equals(keyType) ? ALIAS : null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? chain.clone() : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? key : null;
        }
    }

    /** Only the CERTIFICATE blocks of a PEM bundle. */
    private static String certificates(String pem) {
        StringBuilder sb = new StringBuilder();
        Matcher m = CERT_BLOCK.matcher(pem);
        while (m.find()) sb.append(m.group().strip()).append('\n');
        return sb.toString();
    }

    private static X509Certificate firstCertificate(String pem) {
        try {
            String certs = certificates(pem);
            if (certs.isEmpty()) return null;
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(certs.getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.cert.CertificateException e) {
            return null;
        }
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "SimulatedKubelet[" + hostname + ", " + version.gitVersion() + ", " + state() + "]";
    }
}
