package io.kubejoin.join.phases;

import io.kubejoin.cluster.NodeReadiness;
import io.kubejoin.cluster.TokenService;
import io.kubejoin.doctor.JournalSignatures;
import io.kubejoin.join.NodeCommands;
import io.kubejoin.join.NodeContext;
import io.kubejoin.join.NodePhase;
import io.kubejoin.join.PhaseFailure;
import io.kubejoin.join.PhaseResult;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * K12: waits for the node's Ready condition (watching, with a deadline) while the join's approver signs off its
 * CSRs; on timeout says why from what the API shows. Once Ready, the node's bootstrap tokens are deleted: it holds
 * its own client certificate and the token would only be a spare credential.
 */
public final class WaitReadyPhase implements NodePhase {
    private final NodeReadiness readiness;
    private final TokenService tokens;
    private final Duration timeout;
    private final Clock clock;

    public WaitReadyPhase(NodeReadiness readiness, TokenService tokens, Duration timeout, Clock clock) {
        this.readiness = readiness;
        this.tokens = tokens;
        this.timeout = timeout;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "wait-ready";
    }

    @Override
    public String description() {
        return "wait until the Node is Ready (CSRs approved by kubejoin's approver meanwhile), then delete its "
                + "bootstrap token (K11, K12)";
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
        java.util.Map<String, NodeReadiness.Result> results =
                readiness.waitForReady(java.util.Collections.singletonMap(node, (Set<String>) null), clock.instant().plus(timeout));
        NodeReadiness.Result r = results.get(node);
        if (r == null || !r.ready()) {
            String why = r == null ? "no answer about the node" : r.diagnosis();
            List<String> journal = NodeCommands.journal(ctx.transport(), "kubelet");
            throw new PhaseFailure(node + " is not Ready after " + timeout.toSeconds() + " s: " + why, hint(node, journal),
                    journal, false, null);
        }
        // the Node is Ready, so kubelet holds its client certificate: the token has done its job (no need to
        // ask the API again whether the node joined, as deleteIfJoined does for a node in an unknown state)
        List<String> deleted = tokens.deleteForNode(node);
        String summary = "Ready after " + r.took().toSeconds() + " s"
                + (deleted.isEmpty() ? "" : "; bootstrap token " + String.join(", ", deleted.stream()
                .map(id -> id + ".****").toList()) + " deleted");
        return new PhaseResult(!deleted.isEmpty(), summary, List.of());
    }
}
