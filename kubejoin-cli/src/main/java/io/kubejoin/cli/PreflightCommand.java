package io.kubejoin.cli;

import io.kubejoin.util.ExitCodes;
import io.kubejoin.cluster.Finding;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.cluster.Preflight;
import io.kubejoin.cluster.TokenService;
import io.kubejoin.inventory.Inventory;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * kubejoin preflight: the control-plane checks a join runs before pushing anything (T1, T2, version skew),
 * on their own, so an operator can fix the control plane first.
 */
@Command(name = "preflight", mixinStandardHelpOptions = true,
        description = {"Check the control plane before a join: kube-apiserver accepts bootstrap tokens (T1), "
                + "kube-controller-manager runs (T2), the API server's version suits the inventory's.",
                "Exit 0 when nothing failed, 2 when the join would be refused."})
public class PreflightCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Override
    public Integer call() {
        Inventory inv = cluster.inventory();
        if (inv == null) {
            throw new ParameterException(spec.commandLine(), "preflight needs the inventory: -f inventory.yaml");
        }
        List<Finding> findings;
        try (KubeConnection conn = cluster.connect()) {
            Clock clock = Clock.systemUTC();
            findings = new Preflight(conn, new TokenService(conn, clock, new SecureRandom()), clock,
                    Preflight.Settings.defaults()).run(inv);
        }
        PrintWriter out = spec.commandLine().getOut();
        findings.forEach(f -> out.println(f.format()));
        boolean failed = Preflight.anyFailed(findings);
        out.println(failed ? "preflight failed: a join would be refused before pushing anything"
                : "preflight passed");
        out.flush();
        return failed ? ExitCodes.BAD_INPUT : ExitCodes.OK;
    }
}
