package io.kubejoin.join.phases;

import io.kubejoin.cluster.approval.IssuedServingCertificates;
import io.kubejoin.join.NodeCommands;
import io.kubejoin.join.NodeContext;
import io.kubejoin.join.NodePhase;
import io.kubejoin.join.PhaseFailure;
import io.kubejoin.join.PhaseResult;
import io.kubejoin.remote.ExecResult;
import io.kubejoin.remote.script.VerifyScripts;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * P8, done as checks instead of by eye: kubelet's healthz (:10248), kube-proxy's healthz (:10256), and the
 * {@code kubernetes} service VIP present in the proxy mode's rules (ipvsadm / iptables-save / nft) — the rules
 * that are missing when kube-proxy's hostnameOverride does not match the kubelet's.
 */
public final class VerifyPhase implements NodePhase {
    /**
     * How long verify waits for kube-proxy's first sync by default: about 0.5 s on an empty cluster, many seconds
     * with thousands of Services.
     */
    public static final java.time.Duration DEFAULT_TIMEOUT = java.time.Duration.ofSeconds(60);

    private final java.time.Duration servingWait;
    private final IssuedServingCertificates issuedServing;
    private final java.time.Duration timeout;

    public VerifyPhase() {
        this(SERVING_WAIT, null);
    }

    /** @param issuedServing the approver's view of issued serving certificates, or null (no approver running) */
    public VerifyPhase(IssuedServingCertificates issuedServing) {
        this(SERVING_WAIT, issuedServing);
    }

    /** @param servingWait how long to wait for kubelet's serving certificate */
    public VerifyPhase(java.time.Duration servingWait) {
        this(servingWait, null);
    }

    public VerifyPhase(java.time.Duration servingWait, IssuedServingCertificates issuedServing) {
        this(servingWait, issuedServing, DEFAULT_TIMEOUT);
    }

    /** @param timeout how long the healthz answers and the service rule may take to appear (kube-proxy's first sync) */
    public VerifyPhase(java.time.Duration servingWait, IssuedServingCertificates issuedServing, java.time.Duration timeout) {
        this.servingWait = servingWait;
        this.issuedServing = issuedServing;
        this.timeout = timeout;
    }

    @Override
    public String name() {
        return "verify";
    }

    @Override
    public boolean waits() {
        return true;
    }

    @Override
    public String description() {
        return "kubelet healthz :10248, kube-proxy healthz :10256, the kubernetes service VIP in the proxy rules (P8), "
                + "waiting for kube-proxy's first sync up to --verify-timeout";
    }

    @Override
    public PhaseResult run(NodeContext ctx) throws PhaseFailure {
        String host = hostForUrl(ctx.node().address());
        List<String> failures = new ArrayList<>();
        List<String> journalUnits = new ArrayList<>();
        String mode = ctx.node().kubeProxy().mode().value();
        String vip = ctx.inventory().network().kubernetesServiceIp();
        boolean servingExpected = servingCertificateExpected(ctx);
        // kube-proxy programs the service rules with its first sync, after its start (~0.5 s, longer with many
        // Services): the node itself polls, in this one command, until all three checks pass or the time is up;
        // then the checks run once more, each answer in its section as the evidence
        String script = VerifyScripts.verify(host, mode, vip, sleeps(timeout), servingExpected ? servingPath(ctx) : null);
        Map<String, String> answers = NodeCommands.sections(NodeCommands.exec(ctx.transport(), script,
                timeout.plus(NodeCommands.TIMEOUT)).stdout());
        String after = " after " + waited(timeout);
        if (!answers.getOrDefault("kubelet", "").contains(OK_WORD)) {
            failures.add("kubelet healthz on " + host + ":10248 does not answer ok" + after + " (last answer: "
                    + lastAnswer(answers.get("kubelet")) + ")");
            journalUnits.add("kubelet");
        }
        if (!answers.getOrDefault("kube-proxy", "").contains(OK_WORD)) {
            failures.add("kube-proxy healthz on " + host + ":10256 does not answer ok" + after + " (last answer: "
                    + lastAnswer(answers.get("kube-proxy")) + ")");
            journalUnits.add("kube-proxy");
        }
        if (!answers.getOrDefault("rules", "").contains(OK_WORD)) {
            failures.add("no " + mode + " rule for the kubernetes service " + vip + ":443" + after
                    + " — kube-proxy has not programmed the service rules (`" + VerifyScripts.rules(mode, vip) + "` finds none)");
            journalUnits.add("kube-proxy");
        }
        if (failures.isEmpty() && servingExpected && !answers.getOrDefault("serving", "").contains(OK_WORD)
                && !awaitServingCertificate(ctx, servingWait, issuedServing)) {
            failures.add("kubelet has no serving certificate after " + servingWait.toSeconds()
                    + " s: its kubelet-serving CSR was not approved or not signed ('kubectl get csr')");
            journalUnits.add("kubelet");
        }
        if (!failures.isEmpty()) {
            List<String> journal = new ArrayList<>();
            for (String unit : journalUnits.stream().distinct().toList()) {
                journal.addAll(NodeCommands.journal(ctx.transport(), unit));
            }
            throw new PhaseFailure(String.join("; ", failures),
                    "check 'systemctl status kubelet kube-proxy' and the journal below on the node; kube-proxy's "
                            + "hostnameOverride must be the node name; a first sync slower than that (many thousands of "
                            + "Services) needs a longer --verify-timeout", journal, false, null);
        }
        return PhaseResult.unchanged("kubelet and kube-proxy healthy" + (servingExpected
                ? ", serving certificate issued" : "") + "; " + vip + ":443 in the "
                + mode + " rules");
    }

    /**
     * The pauses of the node's poll, adding up to the timeout (about 45 words for 60 s): 0.1 s during the first
     * second — a kube-proxy that syncs in 0.5 s, as on an empty cluster, is seen within 0.1 s of it — then 0.2 s
     * doubling to 2 s, so a slow first sync is not polled every 0.1 s.
     */
    static List<String> sleeps(java.time.Duration timeout) {
        List<String> out = new ArrayList<>();
        long total = 0;
        long step = 100;
        while (total < timeout.toMillis()) {
            long d = Math.max(100, Math.min(step, timeout.toMillis() - total));
            out.add(d % 1000 == 0 ? Long.toString(d / 1000) : java.math.BigDecimal.valueOf(d, 3).stripTrailingZeros().toPlainString());
            total += d;
            if (total >= 1000) step = Math.min(step * 2, 2000);
        }
        return out;
    }

    private static String waited(java.time.Duration timeout) {
        return timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + " s" : timeout.toMillis() + " ms";
    }

    /** The check's last output line (curl's error, or the answer's body), for the failure's evidence. */
    private static String lastAnswer(String section) {
        if (section == null || section.isBlank()) return "none";
        List<String> lines = section.strip().lines().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "none" : lines.get(lines.size() - 1);
    }

    private static final String OK_WORD = VerifyScripts.OK_WORD;

    private static String servingPath(NodeContext ctx) {
        return ctx.paths().certDir() + "/kubelet-server-current.pem";
    }

    /** How long verify waits for kubelet's serving certificate (its CSR is filed once the node is Ready). */
    public static final java.time.Duration SERVING_WAIT = java.time.Duration.ofSeconds(60);

    /** serverTLSBootstrap is on (kubejoin's default): kubelet serves :10250 only once its serving CSR is approved. */
    static boolean servingCertificateExpected(NodeContext ctx) {
        return !Boolean.FALSE.equals(ctx.node().kubelet().config().get("serverTLSBootstrap"));
    }

    /**
     * Waits until kubelet wrote kubelet-server-current.pem (the approver, running for the whole join, approves the
     * serving CSR): without it {@code kubectl logs/exec} to the node fail, so the join is not done before it. With
     * the approver's watch, first until the API shows the certificate issued (no command on the node meanwhile),
     * then until kubelet has written it.
     */
    private static boolean awaitServingCertificate(NodeContext ctx, java.time.Duration wait,
                                                   IssuedServingCertificates issued) throws PhaseFailure {
        String check = VerifyScripts.servingCheck(servingPath(ctx));
        long end = System.nanoTime() + wait.toNanos();
        try {
            if (issued != null) issued.await(ctx.node().name(), wait);
            while (true) {
                if (NodeCommands.exec(ctx.transport(), check).ok()) return true;
                if (System.nanoTime() > end) return false;
                Thread.sleep(issued != null ? 100 : 250);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static String hostForUrl(String address) {
        return VerifyScripts.hostForUrl(address);
    }
}
