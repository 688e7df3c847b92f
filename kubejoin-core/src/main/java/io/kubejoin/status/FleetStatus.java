package io.kubejoin.status;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.kubejoin.cluster.Access;
import io.kubejoin.cluster.CsrView;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.cluster.TokenInfo;
import io.kubejoin.cluster.TokenService;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.join.JoinRunner;
import io.kubejoin.join.NodeCommands;
import io.kubejoin.remote.ExecResult;
import io.kubejoin.remote.Transport;
import io.kubejoin.remote.TransportException;
import io.kubejoin.render.NodeFiles;
import io.kubejoin.util.Parallel;
import io.kubejoin.status.NodeStatus.Condition;
import io.kubejoin.util.PeerCertificate;
import io.kubejoin.version.KubeVersion;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.kubejoin.remote.script.StatusScripts;

/**
 * The health of every inventory node (and of cluster nodes the inventory does not list), for {@code kubejoin
 * status}: two API lists (Nodes, CSRs), then per node in parallel a TLS handshake with kubelet's :10250 and one
 * SSH command. Reads only; changes nothing anywhere.
 */
public final class FleetStatus {
    /** kubelet's authenticated HTTPS port, where its serving certificate is presented. */
    static final int KUBELET_PORT = 10250;
    /** How long one probe (TLS handshake, SSH command) may take. */
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    public record Settings(int parallel, int warnDays) {
    }

    private FleetStatus() {
    }

    public static List<NodeStatus> collect(Inventory inv, KubeConnection conn, JoinRunner.TransportFactory transports,
                                           Settings settings, Clock clock) throws InterruptedException {
        Map<String, Node> cluster = new LinkedHashMap<>();
        for (Node n : conn.call(Access.cluster("list", "nodes"), () -> conn.client().nodes().list().getItems())) {
            cluster.put(n.getMetadata().getName(), n);
        }
        Map<String, Integer> pending = pendingCsrsByNode(conn);
        Instant now = clock.instant();
        List<NodeStatus> out = new ArrayList<>(Parallel.map(inv.nodes(), settings.parallel(), "kubejoin-status",
                node -> probe(inv, node, cluster.get(node.name()), pending.getOrDefault(node.name(), 0), transports,
                        settings, now)));
        for (Node n : cluster.values()) {
            if (inv.node(n.getMetadata().getName()).isPresent()) continue;
            List<NodeStatus.Flag> problems = new ArrayList<>();
            Boolean ready = ready(n);
            String readyMessage = notReady(n, ready, inv.kubernetesVersion(), DEFAULT_NODE_STATUS_UPDATE_FREQUENCY, now, problems);
            out.add(new NodeStatus(n.getMetadata().getName(), internalIp(n), false, true, ready, readyMessage,
                    kubeletVersion(n), null, null, null, null, null, null, null,
                    pending.getOrDefault(n.getMetadata().getName(), 0), "not in the inventory", problems));
        }
        return out;
    }

    /** Pending CSRs per node: requested as the node, or with a bootstrap token kubejoin issued for it. */
    public static Map<String, Integer> pendingCsrsByNode(KubeConnection conn) {
        Map<String, String> tokenNode = new HashMap<>();
        for (TokenInfo t : new TokenService(conn, Clock.systemUTC(), new SecureRandom()).list()) {
            if (t.node() != null) tokenNode.put(t.id(), t.node());
        }
        Map<String, Integer> out = new HashMap<>();
        for (CsrView c : CsrView.list(conn)) {
            if (!c.pending() || c.username() == null) continue;
            String node = null;
            if (c.username().startsWith("system:node:")) node = c.username().substring("system:node:".length());
            else if (c.username().startsWith("system:bootstrap:")) node = tokenNode.get(c.username().substring("system:bootstrap:".length()));
            if (node != null) out.merge(node, 1, Integer::sum);
        }
        return out;
    }

    /**
     * One inventory node's status: the API's view of it ({@code api}, null when not registered), a TLS handshake
     * with its :10250 and one SSH command. Also {@code kubejoin doctor}'s, which diagnoses each flag.
     */
    public static NodeStatus probe(Inventory inv, io.kubejoin.inventory.Node node, Node api, int pendingCsrs,
                                   JoinRunner.TransportFactory transports, Settings settings, Instant now) {
        List<NodeStatus.Flag> problems = new ArrayList<>();
        Boolean ready = null;
        String readyMessage = null;
        String version = null;
        String expected = inv.kubernetesVersion().gitVersion();
        if (api == null) {
            flag(problems, Condition.NOT_REGISTERED, "not registered with the API server — run kubejoin join");
        } else {
            ready = ready(api);
            version = kubeletVersion(api);
            readyMessage = notReady(api, ready, inv.kubernetesVersion(), nodeStatusUpdateFrequency(node), now, problems);
            if (version != null && !sameRelease(version, inv.kubernetesVersion())) {
                flag(problems, Condition.KUBELET_VERSION, "kubelet " + version + ", the inventory says " + expected
                        + " — run kubejoin join to install it");
            }
        }
        if (pendingCsrs > 0) {
            flag(problems, Condition.PENDING_CSRS, pendingCsrs + " pending CSR(s) — kubejoin approve, or kubejoin doctor if they pile up");
        }
        Instant serving = null;
        boolean servingExpected = !Boolean.FALSE.equals(node.kubelet().config().get("serverTLSBootstrap"));
        try {
            serving = PeerCertificate.fetch(node.address(), KUBELET_PORT, PROBE_TIMEOUT)
                    .getNotAfter().toInstant();
            expiry(Condition.SERVING_CERT, "kubelet serving", serving, now, settings.warnDays(), problems);
        } catch (java.io.IOException e) {
            if (api != null && servingExpected) {
                flag(problems, Condition.SERVING_TLS, "kubelet :10250 does not answer TLS (" + e.getMessage() + ")");
            }
        }
        Instant client = null;
        Instant proxyCert = null;
        String kubelet = null;
        String proxy = null;
        Boolean healthz = null;
        String ssh = null;
        NodeFiles paths = new NodeFiles(inv.paths());
        try (Transport t = transports.open(node)) {
            ExecResult r = t.exec(StatusScripts.probe(paths, node.address()), PROBE_TIMEOUT.multipliedBy(3));
            Map<String, String> sections = NodeCommands.sections(r.stdout());
            client = notAfter(sections.get("client"));
            proxyCert = notAfter(sections.get("proxy"));
            kubelet = firstWord(sections.get("kubelet"));
            proxy = firstWord(sections.get("kube-proxy"));
            healthz = "ok".equals(firstWord(sections.get("healthz")));
            if (client == null) flag(problems, Condition.CLIENT_CERT_MISSING, "no kubelet client certificate (" + paths.certDir() + "/kubelet-client-current.pem)");
            else expiry(Condition.CLIENT_CERT, "kubelet client", client, now, settings.warnDays(), problems);
            if (proxyCert == null) flag(problems, Condition.PROXY_CERT_MISSING, "no kube-proxy certificate (" + paths.kubeProxyCert() + ")");
            else expiry(Condition.PROXY_CERT, "kube-proxy", proxyCert, now, settings.warnDays(), problems);
            if (!"active".equals(kubelet)) flag(problems, Condition.KUBELET_SERVICE, "kubelet service " + (kubelet == null ? "unknown" : kubelet));
            if (!"active".equals(proxy)) flag(problems, Condition.PROXY_SERVICE, "kube-proxy service " + (proxy == null ? "unknown" : proxy));
            if (!healthz) flag(problems, Condition.PROXY_HEALTHZ, "kube-proxy healthz :10256 does not answer ok");
        } catch (TransportException e) {
            ssh = e.getMessage();
            flag(problems, Condition.SSH, "unreachable over SSH: " + e.getMessage());
        }
        return new NodeStatus(node.name(), node.address(), true, api != null, ready, readyMessage, version, expected,
                serving, client, proxyCert, kubelet, proxy, healthz, pendingCsrs, ssh, problems);
    }

    /** What kubejoin renders for nodeStatusUpdateFrequency unless the inventory sets it (kubelet's default too). */
    static final Duration DEFAULT_NODE_STATUS_UPDATE_FREQUENCY = Duration.ofSeconds(10);

    /** The node's kubelet nodeStatusUpdateFrequency: the inventory's kubelet config, else what kubejoin renders. */
    static Duration nodeStatusUpdateFrequency(io.kubejoin.inventory.Node node) {
        Object v = node.kubelet().config().get("nodeStatusUpdateFrequency");
        try {
            return v instanceof String s ? io.kubejoin.util.GoDuration.parse(s) : DEFAULT_NODE_STATUS_UPDATE_FREQUENCY;
        } catch (IllegalArgumentException e) {
            return DEFAULT_NODE_STATUS_UPDATE_FREQUENCY;
        }
    }

    /**
     * The Ready message status shows, and NOT_READY flagged unless Ready: a kubelet that has just posted its first,
     * NotReady status is starting, not failing, until its release would have posted Ready
     * ({@link io.kubejoin.cluster.NodeReadiness#startingUp}); its message then says so and nothing is flagged.
     */
    static String notReady(Node n, Boolean ready, KubeVersion inventoryRelease, Duration frequency, Instant now,
                           List<NodeStatus.Flag> problems) {
        String message = readyMessage(n);
        if (Boolean.TRUE.equals(ready)) return message;
        NodeCondition condition = conditions(n).stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
        String version = kubeletVersion(n);
        KubeVersion release = version == null ? inventoryRelease : KubeVersion.ofGitVersion(version).orElse(inventoryRelease);
        String starting = io.kubejoin.cluster.NodeReadiness.startingUp(condition, release, frequency, now);
        if (starting != null) return NodeStatus.STARTING + message + " (" + starting + ")";
        flag(problems, Condition.NOT_READY, "NotReady: " + message);
        return message;
    }

    /**
     * The kubelet runs the inventory's release: the same major.minor.patch, whatever build suffix its version string
     * carries ({@code v1.24.0-lab}, {@code -eks-…}, {@code +k3s1}); a string that is no version never matches.
     */
    public static boolean sameRelease(String reported, KubeVersion expected) {
        return KubeVersion.ofGitVersion(reported).map(expected::equals).orElse(false);
    }

    private static void flag(List<NodeStatus.Flag> flags, Condition c, String text) {
        flags.add(new NodeStatus.Flag(c, text));
    }

    public static Instant notAfter(String pem) {
        if (pem == null || !pem.contains("BEGIN CERTIFICATE")) return null;
        try {
            X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            return c.getNotAfter().toInstant();
        } catch (CertificateException | RuntimeException e) {
            return null;
        }
    }

    private static String firstWord(String s) {
        if (s == null || s.isBlank()) return null;
        return s.strip().split("\\s+")[0];
    }

    static void expiry(Condition c, String what, Instant notAfter, Instant now, int warnDays, List<NodeStatus.Flag> problems) {
        if (!notAfter.isAfter(now)) {
            flag(problems, c, what + " certificate expired " + notAfter);
        } else if (notAfter.isBefore(now.plus(Duration.ofDays(warnDays)))) {
            long days = Duration.between(now, notAfter).toDays();
            flag(problems, c, what + " certificate expires in " + days + " day(s), " + notAfter);
        }
    }

    public static Boolean ready(Node n) {
        for (NodeCondition c : conditions(n)) {
            if ("Ready".equals(c.getType())) return "True".equals(c.getStatus());
        }
        return null;
    }

    public static String readyMessage(Node n) {
        for (NodeCondition c : conditions(n)) {
            if ("Ready".equals(c.getType())) {
                return c.getMessage() != null ? c.getMessage() : c.getReason() != null ? c.getReason() : c.getStatus();
            }
        }
        return "no Ready condition (kubelet never posted status)";
    }

    private static List<NodeCondition> conditions(Node n) {
        return n.getStatus() == null || n.getStatus().getConditions() == null ? List.of() : n.getStatus().getConditions();
    }

    public static String kubeletVersion(Node n) {
        return n.getStatus() == null || n.getStatus().getNodeInfo() == null ? null : n.getStatus().getNodeInfo().getKubeletVersion();
    }

    static String internalIp(Node n) {
        if (n.getStatus() == null || n.getStatus().getAddresses() == null) return null;
        return n.getStatus().getAddresses().stream().filter(a -> "InternalIP".equals(a.getType())).map(a -> a.getAddress())
                .findFirst().orElse(null);
    }
}
