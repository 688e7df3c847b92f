package io.kubejoin.join.phases;

import io.kubejoin.cluster.approval.IssuedServingCertificates;
import io.kubejoin.join.NodeCommands;
import io.kubejoin.join.NodeContext;
import io.kubejoin.join.NodePhase;
import io.kubejoin.join.PhaseFailure;
import io.kubejoin.join.PhaseResult;
import io.kubejoin.remote.ExecResult;
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
    private final java.time.Duration servingWait;
    private final IssuedServingCertificates issuedServing;

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
        this.servingWait = servingWait;
        this.issuedServing = issuedServing;
    }

    @Override
    public String name() {
        return "verify";
    }

    @Override
    public String description() {
        return "kubelet healthz :10248, kube-proxy healthz :10256, the kubernetes service VIP in the proxy rules (P8)";
    }

    @Override
    public PhaseResult run(NodeContext ctx) throws PhaseFailure {
        String host = hostForUrl(ctx.node().address());
        List<String> failures = new ArrayList<>();
        List<String> journalUnits = new ArrayList<>();
        String vip = serviceVip(ctx.inventory().network().serviceCIDR());
        boolean servingExpected = servingCertificateExpected(ctx);
        // the checks in one SSH command; each section holds OK_WORD when its check passed
        StringBuilder script = new StringBuilder(NodeCommands.SECTION_FUNCTION)
                .append("s kubelet; curl -fsS --max-time 5 http://").append(host).append(":10248/healthz && echo ").append(OK_WORD).append('\n')
                .append("s kube-proxy; curl -fsS --max-time 5 http://").append(host).append(":10256/healthz && echo ").append(OK_WORD).append('\n')
                .append("s rules; ").append(rulesCommand(ctx.node().kubeProxy().mode().value(), vip)).append(" && echo ").append(OK_WORD).append('\n');
        if (servingExpected) script.append("s serving; ").append(servingCheck(ctx)).append(" && echo ").append(OK_WORD).append('\n');
        script.append("exit 0\n");
        Map<String, String> answers = NodeCommands.sections(NodeCommands.exec(ctx.transport(), script.toString()).stdout());
        if (!answers.getOrDefault("kubelet", "").contains(OK_WORD)) {
            failures.add("kubelet healthz on " + host + ":10248 does not answer ok");
            journalUnits.add("kubelet");
        }
        if (!answers.getOrDefault("kube-proxy", "").contains(OK_WORD)) {
            failures.add("kube-proxy healthz on " + host + ":10256 does not answer");
            journalUnits.add("kube-proxy");
        }
        if (!answers.getOrDefault("rules", "").contains(OK_WORD)) {
            failures.add("no " + ctx.node().kubeProxy().mode().value() + " rule for the kubernetes service " + vip
                    + ":443 — kube-proxy has not programmed the service rules");
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
                    "check 'systemctl status kubelet kube-proxy' on the node; kube-proxy's hostnameOverride must be "
                            + "the node name", journal, false, null);
        }
        return PhaseResult.unchanged("kubelet and kube-proxy healthy" + (servingExpected
                ? ", serving certificate issued" : "") + "; " + vip + ":443 in the "
                + ctx.node().kubeProxy().mode().value() + " rules");
    }

    private static final String OK_WORD = "kubejoin-check-ok";

    private static String servingCheck(NodeContext ctx) {
        return "test -e " + NodeCommands.quote(ctx.paths().certDir() + "/kubelet-server-current.pem");
    }

    /** How long verify waits for kubelet's serving certificate (its CSR is filed once the node is Ready). */
    static final java.time.Duration SERVING_WAIT = java.time.Duration.ofSeconds(60);

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
        String check = servingCheck(ctx);
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

    public static String rulesCommand(String mode, String vip) {
        return switch (mode) {
            case "ipvs" -> "ipvsadm -Ln -t " + hostForUrl(vip) + ":443";
            case "nftables" -> "nft list table " + (vip.contains(":") ? "ip6" : "ip") + " kube-proxy | grep -qF -- "
                    + NodeCommands.quote(vip);
            default -> (vip.contains(":") ? "ip6tables-save" : "iptables-save") + " -t nat | grep -qF -- "
                    + NodeCommands.quote("-d " + vip + "/" + (vip.contains(":") ? "128" : "32"));
        };
    }

    /** The first address of the (first) service range: the ClusterIP of the {@code kubernetes} service. */
    public static String serviceVip(String serviceCidr) {
        String cidr = serviceCidr.split(",")[0].trim();
        String[] parts = cidr.split("/");
        try {
            byte[] base = InetAddress.getByName(parts[0]).getAddress();
            byte[] vip = new BigInteger(1, base).add(BigInteger.ONE).toByteArray();
            byte[] out = new byte[base.length];
            int copy = Math.min(vip.length, out.length);
            System.arraycopy(vip, vip.length - copy, out, out.length - copy, copy);
            return InetAddress.getByAddress(out).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not a CIDR: " + serviceCidr, e);
        }
    }

    static String hostForUrl(String address) {
        return address.contains(":") ? "[" + address + "]" : address;
    }
}
