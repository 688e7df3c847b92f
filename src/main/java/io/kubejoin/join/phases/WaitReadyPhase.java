package io.kubejoin.join.phases;

import io.kubejoin.cluster.NodeReadiness;
import io.kubejoin.cluster.TokenService;
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

    @Override
    public PhaseResult run(NodeContext ctx) throws PhaseFailure {
        String node = ctx.node().name();
        java.util.Map<String, NodeReadiness.Result> results;
        try {
            results = readiness.waitForReady(java.util.Collections.singletonMap(node, (Set<String>) null),
                    clock.instant().plus(timeout));
        } catch (io.kubejoin.cli.UserFacingException e) {
            // the API server is gone (or never answered): waiting on to the deadline would tell nothing more, and
            // kubelet's journal is not the point
            throw new PhaseFailure(e.getMessage(), "start kube-apiserver again (or fix the way to it) and re-run the "
                    + "join: what the nodes already got is kept", List.of(), false, null);
        }
        NodeReadiness.Result r = results.get(node);
        if (r == null || !r.ready()) {
            String why = r == null ? "no answer about the node" : r.diagnosis();
            throw new PhaseFailure(node + " is not Ready after " + timeout.toSeconds() + " s: " + why,
                    "see kubelet's journal below; 'kubejoin reset " + node + "' clears a stale client certificate",
                    NodeCommands.journal(ctx.transport(), "kubelet"), false, null);
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
