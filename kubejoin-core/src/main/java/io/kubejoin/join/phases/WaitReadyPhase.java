package io.kubejoin.join.phases;

import io.kubejoin.cluster.NodeReadiness;
import io.kubejoin.cluster.TokenService;
import io.kubejoin.join.JournalSignatures;
import io.kubejoin.join.NodeCommands;
import io.kubejoin.join.NodeContext;
import io.kubejoin.join.NodePhase;
import io.kubejoin.join.PhaseFailure;
import io.kubejoin.join.PhaseResult;
import io.kubejoin.remote.ExecResult;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * K12: waits for the node's Ready condition (watching, with a deadline) while the join's approver signs off its
 * CSRs; on timeout says why from what the API shows. Meanwhile, from 2 s on and at growing intervals, it looks at
 * the kubelet's unit on the node (one small SSH command): a kubelet that exits at start — a flag its release
 * rejects, no runtime socket, a bad config — is restarted by systemd every RestartSec and never gets Ready, so the
 * wait ends within seconds with the kubelet's own error line and, when {@link JournalSignatures} knows it, its fix. The
 * same command reads the certificate manager's last lines: a running kubelet whose CSR kube-apiserver refuses for good
 * (Unauthorized, forbidden: T1/T3), or whose CSR was denied (the approver would deny its next one too), or whose Node
 * create is refused for good, retries forever without exiting, so that ends the wait too, with the reason; a timeout or a refused
 * connection is transient (a loaded or restarting API server) and is left to retry until the deadline. Once Ready, the node's bootstrap tokens are deleted and its
 * bootstrap kubeconfig removed ({@link io.kubejoin.join.BootstrapFiles}): it holds its own client certificate and the
 * token would only be a spare credential.
 */
public final class WaitReadyPhase implements NodePhase {
    private final NodeReadiness readiness;
    private final TokenService tokens;
    private final Duration timeout;
    private final Clock clock;
    /** The run's token ids by node (a join's, from its one Secret list); null: the node's tokens are listed here. */
    private final io.kubejoin.join.KnownTokens known;

    public WaitReadyPhase(NodeReadiness readiness, TokenService tokens, Duration timeout, Clock clock) {
        this(readiness, tokens, timeout, clock, null);
    }

    public WaitReadyPhase(NodeReadiness readiness, TokenService tokens, Duration timeout, Clock clock,
                          io.kubejoin.join.KnownTokens known) {
        this.readiness = readiness;
        this.tokens = tokens;
        this.timeout = timeout;
        this.clock = clock;
        this.known = known;
    }

    @Override
    public String name() {
        return "wait-ready";
    }

    @Override
    public boolean waits() {
        return true;
    }

    @Override
    public String description() {
        return "wait until the Node is Ready (CSRs approved by kubejoin's approver meanwhile), then delete its "
                + "bootstrap token and remove its bootstrap kubeconfig (K11, K12)";
    }

    /** How many journal lines are read to find the kubelet's error (a kubelet prints ~200 lines per start). */
    static final int ERROR_SEARCH_LINES = 300;

    /**
     * The kubelet's line that ended a process: component-base's {@code "command failed" err=...} (1.24+),
     * {@code "Failed to run kubelet"} (server.go before), cobra's {@code Error: ...}, a klog fatal, or pflag's
     * unknown flag.
     */
    private static final Pattern FATAL = Pattern.compile("\"command failed\"|\"Failed to run kubelet\"|failed to run Kubelet"
            + "|^Error: |^F\\d{4} |unknown flag: ");
    private static final Pattern KLOG_ERROR = Pattern.compile("^E\\d{4} ");

    /** The kubelet's error that ended its last process, from the unit's journal (oldest line first); null if none. */
    static String kubeletError(List<String> journal) {
        for (int i = journal.size() - 1; i >= 0; i--) {
            if (FATAL.matcher(journal.get(i)).find()) return journal.get(i);
        }
        for (int i = journal.size() - 1; i >= 0; i--) {
            if (KLOG_ERROR.matcher(journal.get(i)).find()) return journal.get(i);
        }
        return null;
    }

    /**
     * client-go's certificate manager failing to create a CSR: "Failed while requesting a signed certificate from the
     * master|control plane: cannot create certificate signing request: ERR" (klog text, or 1.31+'s structured
     * "Unhandled Error" err="..."). The serving certificate's manager (kubelet-serving) is not the bootstrap.
     */
    private static final Pattern CSR_CREATE_FAILED = Pattern.compile(
            "certificate_manager\\.go:\\d+\\].*Failed while requesting a signed certificate.*cannot create certificate signing request: (?<err>.*)");
    /** A refusal that retrying does not cure: the credential is rejected (401) or not allowed to create CSRs (403). */
    private static final Pattern PERMANENT = Pattern.compile("\\bUnauthorized\\b|\\bis forbidden\\b|\\bForbidden\\b");

    /** The client certificate manager's last CSR-create failure in these lines (oldest first), or null. */
    static String lastCsrCreateFailure(List<String> lines) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            String l = lines.get(i);
            if (!l.contains("kubelet-serving") && CSR_CREATE_FAILED.matcher(l).find()) return l;
        }
        return null;
    }

    /**
     * The client certificate manager's last line, when it and the attempt before it are both permanent refusals of the
     * client CSR; null while its last line is anything else (a new attempt, a transient error: a later process or
     * attempt supersedes older refusals) or a first refusal alone: kube-apiserver's bootstrap-token authenticator reads
     * Secrets through an informer, so a token created moments before can be refused once and accepted at the retry
     * 2 s later; only a refusal that survives a retry is T1.
     */
    static String permanentCsrRefusal(List<String> certificateManagerLines) {
        List<String> client = new java.util.ArrayList<>();
        for (String l : certificateManagerLines) if (!l.contains("kubelet-serving")) client.add(l);
        if (client.isEmpty() || !refusal(client.get(client.size() - 1))) return null;
        String before = null;
        for (int i = client.size() - 2; i >= 0 && before == null; i--) {
            if (CSR_CREATE_FAILED.matcher(client.get(i)).find()) before = client.get(i);
        }
        return before != null && refusal(before) ? client.get(client.size() - 1) : null;
    }

    /**
     * rotateCerts' line for a client CSR that was created and then denied or failed (client-go csr.go
     * WaitForCertificate: "certificate request was not signed: cannot watch on the certificate signing request:
     * certificate signing request is denied|failed, reason: R, message: M"; klog text, 1.31+'s "Unhandled Error"
     * err="...", or the contextual-logging manager's "Certificate request was not signed" err="...").
     */
    private static final Pattern CSR_DENIED = Pattern.compile(
            "certificate_manager\\.go:\\d+\\].*(?i:c)ertificate request was not signed.*certificate signing request (?:is denied|failed), reason: ");
    /** The manager's lines once it holds a certificate: "Certificate expiration is ..., rotation deadline is ...", "Waiting ... for next certificate rotation". */
    private static final Pattern CERTIFICATE_HELD = Pattern.compile("Certificate expiration is |for next certificate rotation");

    /**
     * The client certificate manager's last denial (or signer failure) of its CSR, unless a later line shows it holds a
     * certificate; null if none. A denial is final for that CSR; the kubelet (rotateCertificates) files a new one on its
     * backoff, but kubejoin's approver denies a request for the same identity again, so one denial ends the wait.
     */
    static String csrDenial(List<String> certificateManagerLines) {
        for (int i = certificateManagerLines.size() - 1; i >= 0; i--) {
            String l = certificateManagerLines.get(i);
            if (l.contains("kubelet-serving")) continue;
            if (CERTIFICATE_HELD.matcher(l).find()) return null;
            if (CSR_DENIED.matcher(l).find()) return l;
        }
        return null;
    }

    /**
     * The registration's last line when it and the try before it are both permanent refusals of the Node create
     * (Unauthorized, forbidden: e.g. NodeRestriction refusing a name other than the client certificate's); null
     * otherwise. The kubelet retries its registration forever (100 ms doubling to 7 s) without exiting, so without
     * this look the wait would run to its deadline. "Attempting to register node" lines between tries are skipped.
     */
    static String permanentRegistrationRefusal(List<String> registrationLines) {
        String last = null;
        int refusals = 0;
        for (int i = registrationLines.size() - 1; i >= 0 && refusals < 2; i--) {
            String l = registrationLines.get(i);
            if (l.contains("Attempting to register node")) continue;
            String err = JournalSignatures.registrationError(l);
            if (err == null || !PERMANENT.matcher(err).find()) return null;
            if (last == null) last = l;
            refusals++;
        }
        return refusals == 2 ? last : null;
    }

    private static boolean refusal(String line) {
        var m = CSR_CREATE_FAILED.matcher(line);
        return m.find() && PERMANENT.matcher(m.group("err")).find();
    }

    /**
     * The look at the kubelet's unit: {@code systemctl show} of its state and restart count, and in the same command
     * the certificate manager's last journal lines. Failing: not active (exited and waiting RestartSec to be
     * restarted, or failed for good), restarted since the previous look, or running with its client CSR refused for
     * good. Only for an exit is the whole journal read, for the error line and the fix.
     */
    public static final class UnitWatch implements NodeReadiness.NodeWatch {
        /**
         * One journal read for both kinds of lines (journalctl is the look's dearest process on a node); the last 5
         * certificate-manager and last 4 registration lines are kept here. {@code || true}: grep's exit 1 (no such line
         * yet, a kubelet that exits at start) is an answer, not a failed look.
         */
        static final String SHOW = io.kubejoin.remote.script.UnitScripts.restarts("kubelet") + "; "
                + io.kubejoin.remote.script.UnitScripts.journal("kubelet", ERROR_SEARCH_LINES)
                + " | grep -F -e 'certificate_manager.go' -e 'kubelet_node_status.go' || true";
        static final int CERTIFICATE_MANAGER_LINES = 5;
        static final int REGISTRATION_LINES = 4;
        private final NodeContext ctx;
        private Integer lastRestarts;
        /** The fix for what the last look found (the signature's when one matched). */
        public String fix = "read the kubelet's error in its journal below, fix what it names, then re-run 'kubejoin join'";
        /** The journal's last lines at the look that found the failure. */
        public List<String> journal = List.of();
        /** The client certificate manager's last CSR-create failure seen while the kubelet ran (transient), or null. */
        public String lastCsrError;

        public UnitWatch(NodeContext ctx) {
            this.ctx = ctx;
        }

        /** The fix of the signature {@code line} matches (the last, as the table orders them), else {@code otherwise}. */
        private static String signatureFix(String line, String node, String otherwise) {
            String found = otherwise;
            for (JournalSignatures.Match m : JournalSignatures.match(JournalSignatures.KUBELET, List.of(line))) {
                found = m.what() + ": " + m.fix().replace("NODE", node);
            }
            return found;
        }

        private static List<String> last(List<String> lines, int n) {
            return lines.size() <= n ? lines : lines.subList(lines.size() - n, lines.size());
        }

        @Override
        public String check(String node) {
            java.util.Map<String, String> p = new java.util.HashMap<>();
            List<String> certificateManager = new java.util.ArrayList<>();
            List<String> registration = new java.util.ArrayList<>();
            try {
                ExecResult r = NodeCommands.exec(ctx.transport(), SHOW);
                if (!r.ok()) return null; // cannot tell: the API wait goes on
                for (String line : r.stdout().split("\n")) {
                    int eq = line.indexOf('=');
                    if (line.contains("certificate_manager.go")) certificateManager.add(line);
                    else if (line.contains("kubelet_node_status.go")) registration.add(line);
                    else if (eq > 0) p.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
                }
                certificateManager = last(certificateManager, CERTIFICATE_MANAGER_LINES);
                registration = last(registration, REGISTRATION_LINES);
            } catch (PhaseFailure e) {
                return null; // a dropped connection is not the kubelet's failure; the wait goes on
            }
            String active = p.getOrDefault("ActiveState", "");
            int restarts;
            try {
                restarts = Integer.parseInt(p.getOrDefault("NRestarts", "0"));
            } catch (NumberFormatException e) {
                restarts = 0;
            }
            boolean restarted = lastRestarts != null && restarts > lastRestarts;
            lastRestarts = restarts;
            String state = "systemd: " + active + (p.containsKey("SubState") ? "/" + p.get("SubState") : "")
                    + ", restarted " + restarts + (restarts == 1 ? " time" : " times");
            if (active.equals("active") && !restarted) {
                // running, its CSR denied: the manager files new ones, which the approver denies again
                String denial = csrDenial(certificateManager);
                if (denial != null) {
                    journal = List.copyOf(certificateManager);
                    fix = signatureFix(denial, node, "read the CSR's conditions (`kubectl get csr`), fix what the reason names, then re-run 'kubejoin join'");
                    return "kubelet's client certificate request was denied (" + state + "): " + denial;
                }
                // running, its Node create refused for good: it retries its registration forever
                String registrationRefusal = permanentRegistrationRefusal(registration);
                if (registrationRefusal != null) {
                    journal = List.copyOf(registration);
                    fix = signatureFix(registrationRefusal, node, "read the kubelet's error below, fix what it names, then re-run 'kubejoin join'");
                    return "kubelet cannot register its Node, kube-apiserver refuses it (" + state + "): " + registrationRefusal;
                }
                // running: its certificate manager retries a refused CSR forever; only a refusal for good ends the wait
                String refusal = permanentCsrRefusal(certificateManager);
                if (refusal == null) {
                    String transientError = lastCsrCreateFailure(certificateManager);
                    if (transientError != null) lastCsrError = transientError;
                    return null;
                }
                journal = List.copyOf(certificateManager);
                fix = signatureFix(refusal, node,
                        "kube-apiserver forbids the kubelet's bootstrap credential to create a CSR: bind the group system:bootstrappers"
                        + " to the ClusterRole system:node-bootstrapper (kubejoin join creates the binding kubelet-bootstrap), then"
                        + " re-run 'kubejoin join'");
                return "kubelet cannot get its client certificate, kube-apiserver refuses its CSR (" + state + "): " + refusal;
            }
            if (active.isEmpty()) return null;
            List<String> lines = journalLines();
            journal = lines.subList(Math.max(0, lines.size() - 20), lines.size());
            String error = kubeletError(lines);
            if (error != null) {
                for (JournalSignatures.Match m : JournalSignatures.match(JournalSignatures.KUBELET, lines)) {
                    if (m.evidence().equals(error)) {
                        fix = m.what() + ": " + m.fix().replace("NODE", node);
                        break;
                    }
                }
            }
            return "kubelet exits at start (" + state + "): " + (error != null ? error
                    : "it printed no error line; see its journal below");
        }

        private List<String> journalLines() {
            try {
                ExecResult r = NodeCommands.exec(ctx.transport(), io.kubejoin.remote.script.UnitScripts.journal("kubelet", ERROR_SEARCH_LINES));
                return r.stdout().isBlank() ? List.of() : List.of(r.stdout().strip().split("\n"));
            } catch (PhaseFailure e) {
                return List.of();
            }
        }
    }

    /**
     * Reset deletes the node's client credentials: it is proposed only when kubelet's journal shows that
     * kube-apiserver refuses them (T3), never as a guess for a node that is not Ready for another reason.
     */
    static String hint(String node, List<String> journal) {
        boolean staleCredential = JournalSignatures.match(JournalSignatures.KUBELET, journal).stream()
                .anyMatch(m -> m.id().equals("t3-stale-client-credential"));
        if (staleCredential) {
            return "kubelet's journal shows kube-apiserver answering Unauthorized to its client credential: 'kubejoin reset "
                    + node + "' removes that stale certificate so kubelet bootstraps again";
        }
        return "see kubelet's journal below; 'kubejoin doctor' names the cause of known messages";
    }

    @Override
    public PhaseResult run(NodeContext ctx) throws PhaseFailure {
        String node = ctx.node().name();
        UnitWatch unit = new UnitWatch(ctx);
        java.util.Map<String, NodeReadiness.Result> results;
        try {
            // after a restart in this run, the Ready condition the previous kubelet posted proves nothing
            NodeReadiness.Since restarted = ctx.kubeletRestarted();
            results = readiness.waitForReady(java.util.Collections.singletonMap(node, (Set<String>) null),
                    clock.instant().plus(timeout), unit,
                    restarted == null ? java.util.Map.of() : java.util.Map.of(node, restarted));
        } catch (io.kubejoin.util.UserFacingException e) {
            // the API server is gone (or never answered): waiting on to the deadline would tell nothing more, and
            // kubelet's journal is not the point
            throw new PhaseFailure(e.getMessage(), "start kube-apiserver again (or fix the way to it) and re-run the "
                    + "join: what the nodes already got is kept", List.of(), false, null);
        }
        NodeReadiness.Result r = results.get(node);
        if (r != null && r.state() == NodeReadiness.State.KUBELET_FAILED) {
            throw new PhaseFailure(node + " is not Ready: " + r.diagnosis(), unit.fix, unit.journal, false, null);
        }
        if (r == null || !r.ready()) {
            String why = r == null ? "no answer about the node" : r.diagnosis();
            List<String> journal = NodeCommands.journal(ctx.transport(), "kubelet");
            // a kubelet still retrying its CSR (timeouts, refused connections): its last error says why
            String csrError = lastCsrCreateFailure(journal);
            if (csrError == null) csrError = unit.lastCsrError;
            if (csrError != null) why += "; kubelet's last failed attempt at its client certificate: " + csrError;
            throw new PhaseFailure(node + " is not Ready after " + timeout.toSeconds() + " s: " + why, hint(node, journal),
                    journal, false, null);
        }
        // the Node is Ready, so kubelet holds its client certificate: the token has done its job (no need to
        // ask the API again whether the node joined, as deleteIfJoined does for a node in an unknown state). A join
        // knows the node's token ids from its one list at the start: one DELETE each, no list per node
        List<String> deleted;
        if (known == null) {
            deleted = tokens.deleteForNode(node);
        } else {
            deleted = tokens.deleteIds(known.of(node));
            known.forget(node);
        }
        String summary = "Ready after " + r.took().toSeconds() + " s"
                + (deleted.isEmpty() ? "" : "; bootstrap token " + String.join(", ", deleted.stream()
                .map(id -> id + ".****").toList()) + " deleted");
        // and the node's bootstrap kubeconfig goes, as kubeadm's join removes bootstrap-kubelet.conf after TLS
        // bootstrap (cmd/kubeadm/app/cmd/phases/join/kubelet.go): it holds the token just deleted. One command,
        // skipped when node-preflight saw the node already joined with no bootstrap kubeconfig left (a re-run).
        boolean removed = false;
        if (!(Boolean.TRUE.equals(ctx.clientCredential()) && Boolean.FALSE.equals(ctx.bootstrapKubeconfigLeft()))) {
            ExecResult rm = NodeCommands.exec(ctx.transport(), io.kubejoin.remote.script.BootstrapScripts.remove(ctx.paths()));
            String out = rm.stdout().strip();
            if (!rm.ok()) {
                summary += "; removing the bootstrap kubeconfig failed (exit " + rm.exitCode() + "): "
                        + NodeCommands.firstLine(rm.stderr(), rm.stdout()) + " (it holds a deleted token only)";
            } else if (out.equals("removed")) {
                removed = true;
                summary += "; bootstrap kubeconfig removed";
            } else if (out.equals("kept")) {
                summary += "; bootstrap kubeconfig kept: no " + ctx.paths().kubeletKubeconfig() + " with its client certificate yet";
            }
        }
        // a removal is not a pushed file: no service restarts for it
        return new PhaseResult(!deleted.isEmpty() || removed, summary, List.of());
    }
}
