package io.kubejoin.cli;

import io.kubejoin.util.ExitCodes;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.cluster.approval.CsrApprover;
import io.kubejoin.inventory.Inventory;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * kubejoin approve: K11 done safely. Replaces the article's "approve every pending CSR" pipe with the policy:
 * only a node's own token or identity, only its own names and addresses.
 */
@Command(name = "approve", mixinStandardHelpOptions = true,
        description = {"Approve the kubelet CSRs of the inventory's nodes that pass kubejoin's checks, deny forged ones "
                + "(with the reason in the Denied condition), and leave others pending.",
                "--once handles what is pending now; --watch keeps running and also approves kubelet serving-"
                        + "certificate renewals, which nothing else in a binary install approves."})
public class ApproveCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    static class Mode {
        @Option(names = "--once", required = true, description = "Handle the pending CSRs, then exit (the default).")
        boolean once;

        @Option(names = "--watch", required = true, description = "Keep handling CSRs as they come, until stopped.")
        boolean watch;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Mode mode;

    @Option(names = "--for", paramLabel = "DURATION", converter = ClusterOptions.GoDurationConverter.class,
            description = "With --watch: stop after this long (default: until interrupted).")
    Duration watchFor;

    @Option(names = "--max-serving-expiration", paramLabel = "DURATION", defaultValue = "8760h",
            converter = ClusterOptions.GoDurationConverter.class,
            description = "Longest spec.expirationSeconds a serving CSR may ask for (default: ${DEFAULT-VALUE}).")
    Duration maxServingExpiration;

    @Mixin
    OutputFormat output;

    @Override
    public Integer call() throws InterruptedException {
        Inventory inv = cluster.inventory();
        if (inv == null) {
            throw new ParameterException(spec.commandLine(), "approve needs the inventory (-f): it only approves its nodes");
        }
        boolean watch = mode != null && mode.watch;
        if (watchFor != null && !watch) {
            throw new ParameterException(spec.commandLine(), "--for goes with --watch");
        }
        PrintWriter out = spec.commandLine().getOut();
        // on SIGTERM/Ctrl-C the hook lets approvals under way finish (the JVM exits once the hook returns)
        CountDownLatch finished = new CountDownLatch(1);
        try (KubeConnection conn = cluster.connect();
             CsrApprover approver = new CsrApprover(conn.client(), inv, maxServingExpiration)) {
            if (!watch) {
                List<CsrApprover.Outcome> outcomes = conn.call(
                        io.kubejoin.cluster.Access.cluster("approve", "certificatesigningrequests"), approver::approveOnce);
                if (output.structured()) {
                    tools.jackson.databind.node.ObjectNode root = OutputFormat.object();
                    tools.jackson.databind.node.ArrayNode list = root.putArray("csrs");
                    outcomes.forEach(o -> list.add(tree(o)));
                    for (CsrApprover.Action a : CsrApprover.Action.values()) root.put(name(a), count(outcomes, a));
                    output.print(out, root);
                    return count(outcomes, CsrApprover.Action.FAILED) > 0 ? ExitCodes.FAILED : ExitCodes.OK;
                }
                outcomes.forEach(o -> print(out, o));
                out.printf("%d CSR(s): %d approved, %d denied, %d left pending, %d failed%n", outcomes.size(),
                        count(outcomes, CsrApprover.Action.APPROVED), count(outcomes, CsrApprover.Action.DENIED),
                        count(outcomes, CsrApprover.Action.LEFT_PENDING), count(outcomes, CsrApprover.Action.FAILED));
                out.flush();
                return count(outcomes, CsrApprover.Action.FAILED) > 0 ? ExitCodes.FAILED : ExitCodes.OK;
            }
            CountDownLatch stop = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                stop.countDown();
                try {
                    finished.await(15, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "kubejoin-approve-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            // with -o json or yaml, standard output carries one document per CSR handled (as kubectl get -w -o json)
            PrintWriter notes = output.structured() ? spec.commandLine().getErr() : out;
            notes.println("watching CertificateSigningRequests on " + conn.serverUrl()
                    + (watchFor == null ? " (Ctrl-C to stop)" : " for " + watchFor));
            notes.flush();
            approver.watch(o -> {
                if (!output.structured()) {
                    print(out, o);
                    return;
                }
                synchronized (ApproveCommand.class) {
                    if (output.format() == OutputFormat.Format.yaml) out.println("---");
                    output.print(out, tree(o));
                }
            });
            if (watchFor == null) stop.await();
            else stop.await(watchFor.toMillis(), TimeUnit.MILLISECONDS);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // already stopping: nothing to remove
            }
            return ExitCodes.OK;
        } finally {
            finished.countDown();
        }
    }

    private static String name(CsrApprover.Action action) {
        return switch (action) {
            case APPROVED -> "approved";
            case DENIED -> "denied";
            case LEFT_PENDING -> "pending";
            case FAILED -> "failed";
        };
    }

    /** One CSR handled, for -o json / yaml. */
    private static tools.jackson.databind.node.ObjectNode tree(CsrApprover.Outcome o) {
        tools.jackson.databind.node.ObjectNode n = OutputFormat.object();
        n.put("csr", o.csrName());
        n.put("action", name(o.action()));
        n.put("message", o.action() == CsrApprover.Action.FAILED ? o.describe() : o.decision().message());
        return n;
    }

    private static synchronized void print(PrintWriter out, CsrApprover.Outcome o) {
        String action = name(o.action());
        // a failed write shows what went wrong, not the decision's "kubejoin approved …" as if it had happened
        String what = o.action() == CsrApprover.Action.FAILED ? o.describe() : o.decision().message();
        out.printf("%-8s %s: %s%n", action, o.csrName(), what);
        out.flush();
    }

    private static long count(List<CsrApprover.Outcome> outcomes, CsrApprover.Action action) {
        return outcomes.stream().filter(o -> o.action() == action).count();
    }
}
