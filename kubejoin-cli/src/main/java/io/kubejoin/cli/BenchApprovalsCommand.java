package io.kubejoin.cli;

import io.kubejoin.util.ExitCodes;
import io.kubejoin.bench.ApprovalBenchmark;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** kubejoin bench approvals: CSR approval latency (create -> Approved) and throughput of the approver. */
@Command(name = "approvals", mixinStandardHelpOptions = true,
        description = "Time the CSR approver in watch mode: N kubelet client CSRs, each from its node's own bootstrap "
                + "token, against the sandbox API server; prints p50/p90/p99 create->approved latency and CSR/s.")
public class BenchApprovalsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--count", defaultValue = "1000", description = "CSRs to create (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--concurrency", defaultValue = "16",
            description = "CSR creates in flight at once (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--rate", defaultValue = "0",
            description = "Create CSRs at this steady rate per second (0: as fast as --concurrency allows, which "
                    + "measures throughput; a rate below it measures latency without a backlog).")
    int rate;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        ApprovalBenchmark.Result r = ApprovalBenchmark.run(count, concurrency, rate, out);
        out.println(r.format());
        out.flush();
        return r.approved() == r.count() ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
