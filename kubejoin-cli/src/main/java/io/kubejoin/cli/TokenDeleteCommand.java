package io.kubejoin.cli;

import io.kubejoin.util.UserFacingException;
import io.kubejoin.util.ExitCodes;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.cluster.TokenService;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** kubejoin token delete: by id, by node, or every expired one. */
@Command(name = "delete", mixinStandardHelpOptions = true,
        description = "Delete bootstrap tokens: one by id (or full token), all of a node's, or all expired ones.")
public class TokenDeleteCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static class Target {
        @Parameters(paramLabel = "ID", description = "Token id (abcdef) or the whole token (abcdef.0123456789abcdef).")
        String id;

        @Option(names = "--node", paramLabel = "NAME", description = "Delete every token issued for this node.")
        String node;

        @Option(names = "--expired", description = "Delete every expired token.")
        boolean expired;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (KubeConnection conn = cluster.connect()) {
            TokenService tokens = new TokenService(conn, Clock.systemUTC(), new SecureRandom());
            if (target.id != null) {
                // accept the whole token, as kubeadm does, but never echo its secret part
                String id = target.id.contains(".") ? target.id.substring(0, target.id.indexOf('.')) : target.id;
                if (!tokens.delete(id)) {
                    throw new UserFacingException("there is no bootstrap token " + id + ".**** in the cluster "
                            + "('kubejoin token list' shows them)", ExitCodes.FAILED);
                }
                out.println("deleted bootstrap token " + id + ".****");
            } else {
                List<String> ids = target.node != null ? tokens.deleteForNode(target.node) : tokens.deleteExpired();
                for (String id : ids) out.println("deleted bootstrap token " + id + ".****");
                if (ids.isEmpty()) {
                    out.println(target.node != null ? "no bootstrap token for node " + target.node : "no expired bootstrap token");
                }
            }
        }
        out.flush();
        return ExitCodes.OK;
    }
}
