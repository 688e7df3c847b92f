package io.kubejoin.join;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.kubejoin.cluster.Access;
import io.kubejoin.cluster.ApiErrors;
import io.kubejoin.cluster.CsrView;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.remote.ExecResult;
import io.kubejoin.remote.Transport;
import io.kubejoin.remote.TransportException;
import io.kubejoin.render.NodeFiles;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Collectors;
import io.kubejoin.remote.script.StatusScripts;

/**
 * What proves that {@code reset} recovered a node, and the wait for it. kubelet.kubeconfig proves nothing (with
 * rotateCertificates kubelet writes it at start, before it has a certificate), and neither does a Ready Node (its
 * condition stays as the stopped kubelet left it until the node lifecycle controller, if it runs, marks it Unknown
 * 40 s later). The proof is, in order: a certificate signing request from the node's bootstrap token that did not
 * exist when kubelet was stopped, approved and issued; the node's kubelet-client-current.pem holding exactly that
 * certificate (so a serial different from the one before); and a Ready condition posted after the reset.
 */
public final class RecoveryProof {
    /** How often the API and the node are asked again while waiting. */
    static final Duration POLL = Duration.ofMillis(500);

    private RecoveryProof() {
    }

    /**
     * What the node and the cluster showed once the old kubelet was stopped, before its credential was removed.
     *
     * @param started        when the reset began (kubejoin's clock), before kubelet was stopped
     * @param csrNames       the CSRs of the node's bootstrap token that existed then: none of them can be the new one
     * @param clientSerial   the serial of kubelet-client-current.pem then, null when it had none
     * @param nodeVersion    the Node's resourceVersion then (null: no Node): any status posted since changes it
     * @param readyHeartbeat the Ready condition's lastHeartbeatTime then (null: none)
     */
    public record Baseline(Instant started, String node, String tokenId, Set<String> csrNames, BigInteger clientSerial,
                           String nodeVersion, Instant readyHeartbeat) {
    }

    /**
     * The outcome of the wait.
     *
     * @param missing null when proven, else which proof is missing, with its evidence
     * @param fix     what to do about it (null when proven)
     * @param onNode  the missing proof is the node's own (its journal helps)
     * @param refused the CSR was refused: waiting longer cannot help
     */
    public record Outcome(boolean proven, Duration took, String csr, BigInteger serial, Instant heartbeat, String missing,
                          String fix, boolean onNode, boolean refused) {
        @Override
        public String toString() {
            return proven ? "recovered after " + took.toSeconds() + " s: CSR " + csr + ", client certificate serial "
                    + serial.toString(16) + ", Ready heartbeat " + heartbeat : missing + ": " + fix;
        }
    }

    /** Reads the baseline; call it after kubelet was stopped and before its credential is removed. */
    public static Baseline baseline(KubeConnection conn, Transport t, NodeFiles paths, String node, String tokenId,
                                    Instant started) throws PhaseFailure {
        String user = "system:bootstrap:" + tokenId;
        Set<String> csrs = CsrView.list(conn).stream().filter(c -> user.equals(c.username())).map(CsrView::name)
                .collect(Collectors.toUnmodifiableSet());
        Node n = conn.call(Access.cluster("get", "nodes"), () -> conn.client().nodes().withName(node).get());
        NodeCondition ready = n == null ? null : readyCondition(n);
        return new Baseline(started, node, tokenId, csrs, clientSerial(t, paths), n == null ? null : n.getMetadata().getResourceVersion(),
                ready == null ? null : time(ready.getLastHeartbeatTime()));
    }

    /** The serial of the certificate in kubelet-client-current.pem on the node; null when there is none. */
    static BigInteger clientSerial(Transport t, NodeFiles paths) throws PhaseFailure {
        ExecResult r = NodeCommands.exec(t, StatusScripts.certificates(paths.kubeletClientCurrent()));
        X509Certificate c = certificate(r.stdout());
        return c == null ? null : c.getSerialNumber();
    }

    /** Waits until the recovery is proven or the deadline passes; a refused CSR ends the wait at once. */
    public static Outcome await(KubeConnection conn, Transport t, NodeFiles paths, Baseline b, Instant deadline, Clock clock)
            throws InterruptedException {
        String user = "system:bootstrap:" + b.tokenId();
        Outcome last;
        while (true) {
            last = check(conn, t, paths, b, user, clock);
            if (last.proven() || last.refused() || !clock.instant().isBefore(deadline)) return last;
            Thread.sleep(Math.max(1, Math.min(POLL.toMillis(), Duration.between(clock.instant(), deadline).toMillis())));
        }
    }

    private static Outcome check(KubeConnection conn, Transport t, NodeFiles paths, Baseline b, String user, Clock clock) {
        String token = b.tokenId() + ".****";
        CsrView csr;
        try {
            csr = CsrView.list(conn).stream()
                    .filter(c -> user.equals(c.username()) && !b.csrNames().contains(c.name()))
                    .max(Comparator.comparing(CsrView::created, Comparator.nullsFirst(Comparator.naturalOrder()))).orElse(null);
        } catch (RuntimeException e) {
            return missing("the certificate signing requests could not be read: " + e.getMessage(),
                    "check kubejoin's access to the cluster (list certificatesigningrequests)", false);
        }
        if (csr == null) {
            return missing("no new certificate signing request from " + b.node() + " (bootstrap token " + token
                    + ") since the reset", "check that kubelet runs and reaches kube-apiserver with its bootstrap token: "
                    + "'journalctl -u kubelet' on the node", true);
        }
        if (csr.refusal() != null) {
            return new Outcome(false, null, null, null, null, "CSR " + csr.name() + " from " + b.node() + " was " + csr.refusal(),
                    "see why it was refused (kubejoin approve explains its decisions), fix that, then run reset again", false, true);
        }
        if (csr.pending()) {
            return missing("CSR " + csr.name() + " from " + b.node() + " is still pending: nobody approved it",
                    "kubejoin approves it while reset waits; check kubejoin's rights (update certificatesigningrequests/approval) "
                            + "or approve it: kubectl certificate approve " + csr.name(), false);
        }
        if (!csr.hasCertificate()) {
            return missing("CSR " + csr.name() + " from " + b.node() + " approved but not issued: is kube-controller-manager running?",
                    "start kube-controller-manager with --cluster-signing-cert-file and --cluster-signing-key-file "
                            + "(kubejoin doctor checks it); kubelet picks the certificate up once it is signed", false);
        }
        X509Certificate issued;
        try {
            issued = issuedCertificate(conn, csr.name());
        } catch (RuntimeException e) {
            return missing("CSR " + csr.name() + " is issued but could not be read: " + e.getMessage(),
                    "check kubejoin's access to the cluster (get certificatesigningrequests)", false);
        }
        if (issued == null) {
            return missing("CSR " + csr.name() + " carries no readable certificate", "see kubectl get csr " + csr.name() + " -o yaml", false);
        }
        BigInteger onNode;
        try {
            onNode = clientSerial(t, paths);
        } catch (PhaseFailure e) {
            return missing("the node's client certificate could not be read: " + e.getMessage(), e.hint(), true);
        }
        String pem = paths.certDir() + "/kubelet-client-current.pem";
        if (onNode == null || !onNode.equals(issued.getSerialNumber()) || onNode.equals(b.clientSerial())) {
            return missing("CSR " + csr.name() + " was issued (serial " + issued.getSerialNumber().toString(16) + ") but "
                    + pem + (onNode == null ? " is missing" : " has serial " + onNode.toString(16)
                    + (onNode.equals(b.clientSerial()) ? ", the one from before the reset" : "")),
                    "kubelet has not stored its new certificate: 'journalctl -u kubelet' on the node", true);
        }
        Node n;
        try {
            n = conn.call(Access.cluster("get", "nodes"), () -> conn.client().nodes().withName(b.node()).get());
        } catch (RuntimeException e) {
            return missing("the Node could not be read: " + e.getMessage(), "check kubejoin's access to the cluster (get nodes)", false);
        }
        NodeCondition ready = n == null ? null : readyCondition(n);
        Instant heartbeat = ready == null ? null : time(ready.getLastHeartbeatTime());
        String held = b.node() + " holds its new client certificate (serial " + onNode.toString(16) + ", CSR " + csr.name() + ")";
        if (n == null) {
            return missing(held + " but has no Node object", "'journalctl -u kubelet' on the node: can it register?", true);
        }
        if (ready == null || !"True".equals(ready.getStatus())) {
            return missing(held + " but the Node is not Ready" + (ready == null ? "" : ": " + ready.getReason() + ": " + ready.getMessage()),
                    "'journalctl -u kubelet' on the node (kubejoin doctor matches its lines)", true);
        }
        if (!fresh(b, n.getMetadata().getResourceVersion(), heartbeat)) {
            return missing(held + " but its Ready condition is stale: last heartbeat " + heartbeat + ", the reset began at "
                    + b.started().truncatedTo(ChronoUnit.SECONDS), "'journalctl -u kubelet' on the node: kubelet has not posted its "
                    + "status since (or the node's clock is behind: check NTP)", true);
        }
        return new Outcome(true, nonNegative(Duration.between(b.started(), clock.instant())), csr.name(), onNode, heartbeat,
                null, null, false, false);
    }

    /**
     * A Ready heartbeat posted after the reset. The API keeps whole seconds and the kubelet's clock, so a heartbeat
     * newer than the one seen once kubelet was stopped is fresh; one in the reset's own second is fresh when the Node
     * was written since (a sandbox or a fast machine can bootstrap within that second).
     */
    static boolean fresh(Baseline b, String version, Instant heartbeat) {
        if (heartbeat == null) return false;
        if (b.readyHeartbeat() != null && heartbeat.isAfter(b.readyHeartbeat())) return true;
        boolean written = b.nodeVersion() == null || !b.nodeVersion().equals(version);
        return written && !heartbeat.isBefore(b.started().truncatedTo(ChronoUnit.SECONDS));
    }

    private static Outcome missing(String what, String fix, boolean onNode) {
        return new Outcome(false, null, null, null, null, what, fix, onNode, false);
    }

    /** The certificate a CSR carries (v1, or v1beta1 on clusters before 1.19); null when none. */
    private static X509Certificate issuedCertificate(KubeConnection conn, String name) {
        Access access = Access.cluster("get", "certificatesigningrequests");
        String b64;
        try {
            var c = conn.client().certificates().v1().certificateSigningRequests().withName(name).get();
            b64 = c == null || c.getStatus() == null ? null : c.getStatus().getCertificate();
        } catch (RuntimeException e) {
            if (ApiErrors.statusCode(e) != 404) throw ApiErrors.translate(e, access, conn);
            var c = conn.call(access, () -> conn.client().certificates().v1beta1().certificateSigningRequests().withName(name).get());
            b64 = c == null || c.getStatus() == null ? null : c.getStatus().getCertificate();
        }
        if (b64 == null || b64.isEmpty()) return null;
        return certificate(new String(Base64.getDecoder().decode(b64), StandardCharsets.US_ASCII));
    }

    /** The first certificate of a PEM text; null when there is none or it cannot be read. */
    static X509Certificate certificate(String pem) {
        if (pem == null || !pem.contains("BEGIN CERTIFICATE")) return null;
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException | RuntimeException e) {
            return null;
        }
    }

    private static NodeCondition readyCondition(Node n) {
        if (n.getStatus() == null || n.getStatus().getConditions() == null) return null;
        return n.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
    }

    private static Instant time(String s) {
        if (s == null || s.isBlank()) return null;
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static Duration nonNegative(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }
}
